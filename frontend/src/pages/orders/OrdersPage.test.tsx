import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderWithApi } from "../../test/render";
import { NavigationProvider } from "../navigation";
import { OrdersPage } from "./OrdersPage";

const user = userEvent.setup({ delay: null });

const me = (permissions: string[]) => ({ id: "u1", email: "a@loja.test", is_admin: false, shop_id: "s1", role: "agent",
  permissions });
const draft = { id: "o1-aaaaaaaa", contact: "c1", conversation_id: "conv1", source: "bot_draft", status: "draft",
  external_order_id: "", line_items: [{ name: "Camiseta", variant: "M", quantity: 2, unit_price: "39.90" }],
  cep: "01310-100", payment: "pix", total: "79.80", currency: "BRL", tracking_number: "", carrier: "",
  created_at: "2026-12-06T08:00:00Z" };
const shipped = { ...draft, id: "o2", contact: "c2", source: "tiktok_shop", status: "IN_TRANSIT",
  external_order_id: "577000123456", total: "129.90", tracking_number: "BR123456789", carrier: "Correios",
  line_items: [{ name: "Tênis", variant: "", quantity: 1, unit_price: "129.90" }] };

describe("OrdersPage", () => {
  it("lists the shop's orders with source, buyer, items, total and tracking, and filters by status and source", async () => {
    const { calls } = renderWithApi(<OrdersPage />, {
      "GET /auth/me": () => me(["edit_orders"]),
      "GET /seller-bot/orders": () => ({ orders: [draft, shipped], next_cursor: "" }),
    });
    const rows = await screen.findAllByTestId("order");
    expect(within(rows[0]!).getByText("Rascunho do bot")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("2x Camiseta (M)")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Rascunho")).toBeInTheDocument();
    expect(rows[0]).toHaveTextContent("R$ 79,80");
    expect(within(rows[1]!).getByText("577000123456")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("TikTok Shop")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Em trânsito")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Correios · BR123456789")).toBeInTheDocument();
    // Only a draft can be confirmed or dropped here.
    expect(within(rows[1]!).queryByRole("button", { name: "Confirmar" })).toBeNull();

    await user.selectOptions(screen.getByLabelText("Situação"), "IN_TRANSIT");
    await user.selectOptions(screen.getByLabelText("Origem"), "tiktok_shop");
    await waitFor(() => expect(calls.some((c) => c.path === "/seller-bot/orders"
      && c.query.get("status") === "IN_TRANSIT" && c.query.get("source") === "tiktok_shop")).toBe(true));
  });

  it("confirms a draft order with edit_orders and opens the buyer's contact page", async () => {
    let status = "draft";
    const openContact = vi.fn();
    const { calls } = renderWithApi(<NavigationProvider value={{ openContact }}><OrdersPage /></NavigationProvider>, {
      "GET /auth/me": () => me(["edit_orders"]),
      "GET /seller-bot/orders": () => ({ orders: [{ ...draft, status, contact_name: "Ana Souza" }], next_cursor: "" }),
      "PATCH /seller-bot/orders/o1-aaaaaaaa": () => { status = "confirmed"; return { ...draft, status }; },
    });
    const row = await screen.findByTestId("order");
    await user.click(within(row).getByRole("button", { name: "Confirmar" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "confirmed" }));
    expect(await within(row).findByText("Confirmado")).toBeInTheDocument();
    await user.click(within(row).getByRole("button", { name: "Ana Souza" }));
    expect(openContact).toHaveBeenCalledWith("c1");
  });

  it("keeps a draft's buttons disabled for a role without edit_orders", async () => {
    renderWithApi(<OrdersPage />, {
      "GET /auth/me": () => me([]),
      "GET /seller-bot/orders": () => ({ orders: [draft], next_cursor: "" }),
    });
    const row = await screen.findByTestId("order");
    await waitFor(() => expect(within(row).getByRole("button", { name: "Confirmar" })).toBeDisabled());
    expect(within(row).getByRole("button", { name: "Descartar" })).toBeDisabled();
  });
});
