import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderWithApi } from "../../test/render";
import { NavigationProvider } from "../navigation";
import { ConversationsPanel } from "./ConversationsPanel";

// No artificial delay between keystrokes: the suite must stay fast on a busy 2-core machine.
const user = userEvent.setup({ delay: null });

describe("ConversationsPanel", () => {
  it("shows intent, stage and handoff state and hands a conversation to a human", async () => {
    let state = "bot";
    const conversation = () => ({
      id: "c1", contact_id: "whatsapp:5511999999999", channel: "whatsapp", contact_name: "Ana", last_message: "Qual o preço?",
      last_intent: "price", stage: "price_asked", handoff_state: state, message_count: "4", converted: false,
    });
    const { calls } = renderWithApi(<ConversationsPanel />, {
      "GET /seller-bot/conversations": () => [conversation()],
      "POST /seller-bot/conversations/c1/handoff": () => { state = "waiting_human"; return conversation(); },
    });
    expect(await screen.findByText("Ana")).toBeInTheDocument();
    expect(screen.getByText("Preço")).toBeInTheDocument();
    expect(screen.getByText("Perguntou o preço")).toBeInTheDocument();
    expect(screen.getByText("4 mensagens")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Transferir para humano" }));
    await waitFor(() => expect(calls.some((c) => c.path.endsWith("/handoff"))).toBe(true));
    expect(await screen.findByRole("button", { name: "Devolver ao bot" })).toBeInTheDocument();
    expect(screen.getByText("1 aguardando atendente")).toBeInTheDocument();
  });

  it("shows a 503 from the gateway as an error the seller can read", async () => {
    renderWithApi(<ConversationsPanel />, {
      "GET /seller-bot/conversations": () => ({ status: 503, body: {
        error: "service_unavailable", detail: "chatbot service is not available: connection refused", service: "chatbot",
      } }),
    });
    expect(await screen.findByRole("alert")).toHaveTextContent("Serviço indisponível — chatbot service is not available: connection refused");
  });

  const ana = { id: "c1", contact_id: "whatsapp:5511999999999", channel: "whatsapp", contact_name: "Ana",
    last_message: "Paguei no pix", last_intent: "payment", stage: "purchase_intent", handoff_state: "human",
    message_count: 6, converted: false };

  it("records a sale made outside the bot with its order number and amount", async () => {
    let converted = false;
    const { calls } = renderWithApi(<ConversationsPanel />, {
      "GET /seller-bot/conversations": () => [{ ...ana, converted }],
      "POST /seller-bot/conversations/c1/convert": () => { converted = true; return { ...ana, converted }; },
    });
    await user.click(await screen.findByRole("button", { name: "Registrar venda" }));
    const form = screen.getByRole("form", { name: "Registrar venda de Ana" });
    const amount = within(form).getByLabelText("Valor (R$)");
    await user.type(amount, "abc");
    expect(within(form).getByRole("button", { name: "Salvar venda" })).toBeDisabled();
    expect(within(form).getByText("Valor inválido: use 79,90")).toBeInTheDocument();
    await user.clear(amount);
    await user.type(amount, "R$ 1.234,50");
    await user.type(within(form).getByLabelText("Nº do pedido"), "PED-77");
    await user.click(within(form).getByRole("button", { name: "Salvar venda" }));
    await waitFor(() => expect(calls.find((c) => c.path.endsWith("/convert"))?.body).toEqual({ order_id: "PED-77", amount: 1234.5 }));
    expect(await screen.findByText("Venda")).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Registrar venda de Ana" })).toBeNull();
  });

  it("opens the buyer's contact page from the conversation", async () => {
    const openContact = vi.fn();
    let biaRecorded = false;
    const { calls } = renderWithApi(<NavigationProvider value={{ openContact }}><ConversationsPanel /></NavigationProvider>, {
      "GET /seller-bot/conversations": () => [ana, { ...ana, id: "c2", contact_id: "telegram:42424242", contact_name: "Bia" }],
      "GET /seller-bot/contacts": (call) => ({ next_cursor: "", contacts: call.query.get("q") === "5511999999999" ? [
        { id: "crm-other", name: "Ana", identities: [{ contact_id: "whatsapp:551199999999900", channel: "whatsapp" }] },
        { id: "crm-ana", name: "Ana", identities: [{ contact_id: "whatsapp:5511999999999", channel: "whatsapp" }] },
      ] : call.query.get("q") === "42424242" && biaRecorded ? [
        { id: "crm-bia", name: "Bia", identities: [{ contact_id: "telegram:42424242", channel: "telegram" }] },
      ] : [] }),
    });
    await user.click(await screen.findByRole("button", { name: "Ana" }));
    await waitFor(() => expect(openContact).toHaveBeenCalledWith("crm-ana"));
    expect(calls.find((c) => c.path === "/seller-bot/contacts")?.query.get("q")).toBe("5511999999999");
    // A buyer the CRM does not know yet says so instead of opening an empty page.
    await user.click(screen.getByRole("button", { name: "Bia" }));
    expect(await screen.findByText("Este cliente ainda não está em Contatos")).toBeInTheDocument();
    expect(openContact).toHaveBeenCalledTimes(1);
    // "Not yet" is not remembered: once the CRM records her, the next click opens her page.
    biaRecorded = true;
    await user.click(screen.getByRole("button", { name: "Bia" }));
    await waitFor(() => expect(openContact).toHaveBeenLastCalledWith("crm-bia"));
  });
});
