import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../test/render";
import { SellerBot } from "./SellerBot";

const user = userEvent.setup({ delay: null });

const ana = { id: "c1", name: "Ana Souza", phone: "5511999990000", stage: "purchase_intent", tags: [], score: 40,
  score_signals: [], identities: [{ contact_id: "whatsapp:5511999990000", channel: "whatsapp" }] };
const order = { id: "o1", contact: "c1", contact_name: "Ana Souza", source: "tiktok_shop", status: "DELIVERED",
  external_order_id: "5770009", total: "49.90", line_items: [{ name: "Boné", quantity: 1 }] };

describe("SellerBot navigation", () => {
  it("an order's buyer opens the Contatos tab on that contact's page", async () => {
    sessionStorage.setItem("sellerbot.tab", "orders");
    const { calls } = renderWithApi(<SellerBot />, {
      "GET /auth/me": () => ({ id: "u1", email: "a@loja.test", role: "agent", permissions: ["edit_orders"] }),
      "GET /seller-bot/orders": () => ({ orders: [order], next_cursor: "" }),
      "GET /seller-bot/contacts": () => ({ contacts: [ana], next_cursor: "" }),
      "GET /seller-bot/contacts/c1": () => ({ contact: ana, orders: [order], timeline: [] }),
      "GET /team/members": () => [],
    });
    expect(await screen.findByRole("tab", { name: "Pedidos", selected: true })).toBeInTheDocument();
    await user.click(await screen.findByRole("button", { name: "Ana Souza" }));
    expect(await screen.findByRole("tab", { name: "Contatos", selected: true })).toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.path === "/seller-bot/contacts/c1")).toBe(true));
    expect(await screen.findByRole("heading", { name: "Ana Souza" })).toBeInTheDocument();
  });
});
