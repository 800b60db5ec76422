import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { CrmWebhookDeliveriesPanel } from "./CrmWebhookDeliveriesPanel";

const user = userEvent.setup({ delay: null });

const me = (permissions: string[]) => ({ id: "u1", email: "a@loja.test", is_admin: false, shop_id: "s1", role: "admin",
  permissions });
const dead = { id: "d1", kind: "order.confirmed", status: "dead", attempts: 5, last_error: "HTTP 500 from the CRM",
  payload: { event: "order.confirmed" }, created_at: "2026-12-03T08:00:00Z", updated_at: "2026-12-03T08:02:00Z" };

describe("CrmWebhookDeliveriesPanel", () => {
  it("lists the webhook's dead letters and sends one again", async () => {
    let letters = [dead];
    const { calls } = renderWithApi(<CrmWebhookDeliveriesPanel />, {
      "GET /auth/me": () => me(["manage_contact_data"]),
      "GET /seller-bot/crm-webhook/deliveries": () => letters,
      "POST /seller-bot/crm-webhook/deliveries/d1/retry": () => { letters = []; return { ...dead, status: "delivered", attempts: 6 }; },
    });
    const row = await screen.findByTestId("crm-delivery-row");
    expect(within(row).getByText("Pedido confirmado")).toBeInTheDocument();
    expect(within(row).getByText("HTTP 500 from the CRM")).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/seller-bot/crm-webhook/deliveries")?.query.get("status")).toBe("dead");
    await user.click(within(row).getByRole("button", { name: "Reenviar" }));
    expect(await screen.findByText("Nenhuma entrega do webhook falhou.")).toBeInTheDocument();
    expect(await screen.findByText(/Reenvio do webhook: entregue/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("is not shown, and asks nothing, without manage_contact_data", async () => {
    const { calls, queryClient } = renderWithApi(<CrmWebhookDeliveriesPanel />, {
      "GET /auth/me": () => me(["edit_contacts"]),
      "GET /seller-bot/crm-webhook/deliveries": () => [dead],
    });
    await waitFor(() => expect(queryClient.getQueryState(["me"])?.status).toBe("success"));
    expect(screen.queryByText(/Webhook do CRM/)).not.toBeInTheDocument();
    expect(calls.some((c) => c.path.startsWith("/seller-bot/crm-webhook"))).toBe(false);
  });
});
