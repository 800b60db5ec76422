import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { Handler } from "../../test/fakeApi";
import { renderWithApi } from "../../test/render";
import { NavigationProvider } from "../navigation";
import { InboxPage } from "./InboxPage";

const user = userEvent.setup({ delay: null });

beforeAll(() => {
  // jsdom has no layout: the virtualised lists need a ResizeObserver to exist (they measure nothing here).
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
});

const me = { id: "u1", email: "agente@loja.test", is_admin: false, shop_id: "s1", role: "agent",
  permissions: ["answer_conversations", "take_over_conversations", "edit_orders", "write_notes"] };
const conversation = (extra: Record<string, unknown> = {}) => ({
  id: "conv1", contact_id: "whatsapp:5511999990000", channel: "whatsapp", contact_name: "Ana Souza",
  last_message: "Quero 2 camisetas", stage: "purchase_intent", handoff_state: "human", message_count: 3, unread: 0,
  updated_at: "2026-12-06T08:00:00Z", ...extra });
const ana = { id: "crm-ana", name: "Ana Souza", identities: [{ contact_id: "whatsapp:5511999990000", channel: "whatsapp" }] };
const draft = { id: "o1", contact: "crm-ana", source: "bot_draft", status: "draft", cep: "01310-100", payment: "pix",
  total: "79.80", currency: "BRL", line_items: [{ name: "Camiseta", variant: "M", quantity: 2, unit_price: "39.90" }] };
const shipped = { id: "o2", contact: "crm-ana", source: "tiktok_shop", status: "IN_TRANSIT", external_order_id: "5770001",
  total: "129.90", currency: "BRL", carrier: "Correios", tracking_number: "BR123", line_items: [{ name: "Tênis", quantity: 1 }] };

function routes(c: ReturnType<typeof conversation>, extra: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    "GET /auth/me": () => me,
    "GET /seller-bot/inbox": () => ({ conversations: [c], next_cursor: "" }),
    "GET /seller-bot/conversations/conv1/messages": () => ({ conversation: c, next_cursor: "", messages: [
      { id: "m1", direction: "in", author: "buyer", text: "Quero 2 camisetas", intent: "purchase" }] }),
    "GET /seller-bot/conversations/conv1/notes": () => [],
    "GET /seller-bot/quick-replies": () => [],
    "GET /seller-bot/contacts": () => ({ contacts: [ana], next_cursor: "" }),
    "GET /seller-bot/orders": () => ({ orders: [draft, shipped], next_cursor: "" }),
    ...extra,
  };
}

/** Opens the first conversation with the keyboard (the list is virtualised: jsdom lays out no rows). */
async function openFirst() {
  await waitFor(() => {
    fireEvent.keyDown(window, { key: "j" });
    expect(screen.getByRole("log", { name: "Histórico da conversa" })).toBeInTheDocument();
  });
}

describe("InboxPage", () => {
  it("shows the buyer's cart and recent orders beside the thread, and confirms the draft there", async () => {
    let status = "draft";
    const { calls } = renderWithApi(<InboxPage />, routes(conversation(), {
      "GET /seller-bot/orders": () => ({ orders: [{ ...draft, status }, shipped], next_cursor: "" }),
      "PATCH /seller-bot/orders/o1": () => { status = "confirmed"; return { ...draft, status }; },
    }));
    await openFirst();
    const context = await screen.findByRole("complementary", { name: "Contexto do cliente" });
    const cart = await within(context).findByTestId("cart-order");
    expect(cart).toHaveTextContent("2x Camiseta (M)");
    expect(cart).toHaveTextContent("R$ 79,80 · CEP 01310-100 · pix");
    const recent = within(context).getByTestId("recent-order");
    expect(recent).toHaveTextContent("5770001");
    expect(within(recent).getByText("Em trânsito")).toBeInTheDocument();
    expect(recent).toHaveTextContent("Rastreio: Correios · BR123");
    expect(calls.find((c) => c.path === "/seller-bot/orders")?.query.get("contact")).toBe("crm-ana");

    await user.click(within(cart).getByRole("button", { name: "Confirmar" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "confirmed" }));
    // The confirmed order leaves the cart and joins the recent orders.
    await waitFor(() => expect(within(context).queryByTestId("cart-order")).toBeNull());
    expect(within(context).getByText("Nenhum pedido em rascunho.")).toBeInTheDocument();
    expect(within(context).getAllByTestId("recent-order")).toHaveLength(2);
  });

  it("opens the buyer's contact page from the thread and from the context", async () => {
    const openContact = vi.fn();
    renderWithApi(<NavigationProvider value={{ openContact }}><InboxPage /></NavigationProvider>, routes(conversation()));
    await openFirst();
    await user.click(await screen.findByRole("button", { name: "Abrir contato" }));
    expect(openContact).toHaveBeenLastCalledWith("crm-ana");
    const thread = screen.getByRole("region", { name: "Mensagens" });
    await user.click(within(thread).getByRole("button", { name: "Ana Souza" }));
    await waitFor(() => expect(openContact).toHaveBeenCalledTimes(2));
    expect(openContact).toHaveBeenLastCalledWith("crm-ana");
  });

  it("says so when the CRM does not know the buyer yet", async () => {
    renderWithApi(<InboxPage />, routes(conversation(), { "GET /seller-bot/contacts": () => ({ contacts: [], next_cursor: "" }) }));
    await openFirst();
    expect(await screen.findByText("Cliente ainda não está em Contatos.")).toBeInTheDocument();
  });

  it("toggles the context drawer (the column narrow screens hide)", async () => {
    const { container } = renderWithApi(<InboxPage />, routes(conversation()));
    await openFirst();
    const toggle = screen.getByRole("button", { name: "Contexto" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveAttribute("aria-controls", "inbox-context");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(container.querySelector(".inbox")).toHaveClass("context-open");
    await user.click(within(screen.getByRole("complementary", { name: "Contexto do cliente" })).getByRole("button", { name: "Fechar" }));
    expect(container.querySelector(".inbox")).not.toHaveClass("context-open");
  });

  it("disables the composer with the reason when the channel cannot deliver an agent's reply", async () => {
    renderWithApi(<InboxPage />, routes(conversation({ channel: "tiktok_shop", contact_id: "tiktok_shop:buyer9",
      can_reply: false })));
    await openFirst();
    const composer = await screen.findByRole("textbox", { name: "Responder ao cliente" });
    expect(composer).toBeDisabled();
    expect(screen.getByRole("note")).toHaveTextContent("responda pela central de mensagens do Seller Center");
    expect(screen.getByRole("button", { name: "Enviar" })).toBeDisabled();
  });

  it("keeps the composer open when the API says nothing about can_reply (an older gateway)", async () => {
    const { calls } = renderWithApi(<InboxPage />, routes(conversation(), {
      "POST /seller-bot/conversations/conv1/messages": () => ({ id: "m2", direction: "out", author: "human", text: "Oi!" }),
    }));
    await openFirst();
    const composer = await screen.findByRole("textbox", { name: "Responder ao cliente" });
    expect(composer).toBeEnabled();
    expect(screen.queryByRole("note")).toBeNull();
    await user.type(composer, "Oi!");
    await user.click(screen.getByRole("button", { name: "Enviar" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ text: "Oi!" }));
  });
});
