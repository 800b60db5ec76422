import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
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
});
