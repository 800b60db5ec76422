import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { ContactsPage } from "./ContactsPage";

const user = userEvent.setup({ delay: null });

const me = (permissions: string[]) => ({ id: "u1", email: "a@loja.test", is_admin: false, shop_id: "s1", role: "agent",
  permissions });

const ana = { id: "c1", name: "Ana Souza", phone: "5511999990000", stage: "purchase_intent", last_intents: ["purchase"],
  tags: ["vip"], notes: "", owner: "", score: 60, score_signals: [{ signal: "draft_order", points: 20 }],
  opted_out: false, message_count: 4, identities: [{ contact_id: "whatsapp:5511999990000", channel: "whatsapp" }],
  last_seen: "2026-12-03T08:00:00Z" };
const draft = { id: "o1", contact: "c1", source: "bot_draft", status: "draft", cep: "01310-100", payment: "pix",
  total: "79.80", line_items: [{ name: "Camiseta", variant: "M", quantity: 2, unit_price: "39.90" }] };

describe("ContactsPage", () => {
  it("searches contacts, opens one and confirms the draft order the bot collected", async () => {
    const { calls } = renderWithApi(<ContactsPage />, {
      "GET /auth/me": () => me(["edit_contacts", "edit_orders"]),
      "GET /seller-bot/contacts": () => ({ contacts: [ana], next_cursor: "" }),
      "GET /seller-bot/contacts/c1": () => ({ contact: ana, orders: [draft], timeline: [
        { at: "2026-12-03T08:00:00Z", kind: "message_in", text: "pix", channel: "whatsapp" }] }),
      "PATCH /seller-bot/orders/o1": () => ({ ...draft, status: "confirmed" }),
    });
    await user.type(screen.getByLabelText("Buscar contatos"), "ana");
    await waitFor(() => expect(calls.some((c) => c.path === "/seller-bot/contacts" && c.query.get("q") === "ana"))
      .toBe(true));
    await user.click(await screen.findByRole("button", { name: "Ana Souza" }));
    const order = await screen.findByTestId("order-row");
    expect(within(order).getByText("2x Camiseta (M)")).toBeInTheDocument();
    await user.click(within(order).getByRole("button", { name: "Confirmar" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "confirmed" }));
    expect(screen.getByText(/draft_order \+20/)).toBeInTheDocument();
  });

  it("keeps erasure away from a role without manage_contact_data", async () => {
    renderWithApi(<ContactsPage />, {
      "GET /auth/me": () => me(["edit_contacts"]),
      "GET /seller-bot/contacts": () => ({ contacts: [ana], next_cursor: "" }),
      "GET /seller-bot/contacts/c1": () => ({ contact: ana, orders: [], timeline: [] }),
    });
    await user.click(await screen.findByRole("button", { name: "Ana Souza" }));
    const erase = await screen.findByRole("button", { name: "Apagar dados (LGPD)" });
    await waitFor(() => expect(erase).toBeDisabled());
  });

  it("filters by owner, saves the owner chosen among the members and shows orders in the timeline", async () => {
    const members = [{ user_id: "u1", email: "a@loja.test", role: "agent" }, { user_id: "u2", email: "bia@loja.test", role: "agent" }];
    const confirmed = { ...draft, id: "o2", status: "confirmed", created_at: "2026-12-03T09:00:00Z" };
    const { calls } = renderWithApi(<ContactsPage />, {
      "GET /auth/me": () => me(["edit_contacts"]),
      "GET /team/members": () => members,
      "GET /seller-bot/contacts": (c) => ({ contacts: c.query.get("owner") === "u2" ? [{ ...ana, owner: "u2" }] : [ana],
        next_cursor: "" }),
      "GET /seller-bot/contacts/c1": () => ({ contact: ana, orders: [confirmed], timeline: [
        { at: "2026-12-03T10:00:00Z", kind: "handoff", text: "customer asked for a human", channel: "whatsapp" },
        { at: "2026-12-03T08:00:00Z", kind: "message_in", text: "quero 2 camisetas", channel: "whatsapp" }] }),
      "PATCH /seller-bot/contacts/c1": (c) => ({ contact: { ...ana, ...(c.body as object) }, orders: [], timeline: [] }),
    });
    const filter = await screen.findByRole("combobox", { name: "Responsável" });
    await waitFor(() => expect(within(filter).getByRole("option", { name: "bia@loja.test" })).toBeInTheDocument());
    await user.selectOptions(filter, "u2");
    await waitFor(() => expect(calls.some((c) => c.path === "/seller-bot/contacts" && c.query.get("owner") === "u2"))
      .toBe(true));
    const row = await screen.findByTestId("contact-row");
    await waitFor(() => expect(within(row).getByText("bia@loja.test")).toBeInTheDocument());

    await user.click(within(row).getByRole("button", { name: "Ana Souza" }));
    const timeline = await screen.findByRole("list", { name: "Linha do tempo" });
    const entries = within(timeline).getAllByRole("listitem");
    expect(entries.map((e) => e.getAttribute("data-kind"))).toEqual(["handoff", "order", "message_in"]);
    expect(entries[1]).toHaveTextContent("Pedido");
    expect(entries[1]).toHaveTextContent("confirmado · 2x Camiseta (M) · R$ 79,80");
    expect(entries[0]).toHaveTextContent("Transferido para humano · whatsapp o cliente pediu um atendente");

    await user.selectOptions(screen.getByRole("combobox", { name: "Responsável pelo contato" }), "u2");
    await user.click(screen.getByRole("button", { name: "Salvar" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toMatchObject({ owner: "u2" }));
  });
});
