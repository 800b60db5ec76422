import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ConversationsPanel } from "../pages/chatbot/ConversationsPanel";
import { WorkerPanel } from "../pages/automation/WorkerPanel";
import { renderWithApi } from "../test/render";

const conversation = { id: "c1", contact_id: "whatsapp:5511999999999", channel: "whatsapp", contact_name: "Ana",
  last_message: "Oi", last_intent: "greeting", stage: "new_contact", handoff_state: "bot", message_count: 1, converted: false };

const me = (role: string, permissions: string[]) => () => ({ id: "u1", email: `${role}@loja.test`, is_admin: false,
  shop_id: "shop-1", role, permissions });

const worker = { worker_id: "w", running: false, active_tasks: 0, queued_tasks: 0, profiles: [], max_parallel_profiles: 2 };

describe("controls follow the member's permissions", () => {
  it("lets an agent take over a conversation but not clear them all", async () => {
    renderWithApi(<ConversationsPanel />, {
      "GET /auth/me": me("agent", ["read_conversations", "take_over_conversations"]),
      "GET /seller-bot/conversations": () => [conversation],
    });
    expect(await screen.findByText("Ana")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Limpar todas" })).toBeDisabled());
    expect(screen.getByRole("button", { name: "Transferir para humano" })).toBeEnabled();
  });

  it("shows a viewer the conversations without the takeover", async () => {
    renderWithApi(<ConversationsPanel />, {
      "GET /auth/me": me("viewer", ["read_conversations"]),
      "GET /seller-bot/conversations": () => [conversation],
    });
    expect(await screen.findByText("Ana")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Transferir para humano" })).toBeDisabled());
    expect(screen.getByRole("button", { name: "Limpar todas" })).toBeDisabled();
  });

  it("disables the worker's start and stop for roles that do not control the bot, saying why", async () => {
    renderWithApi(<WorkerPanel />, {
      "GET /auth/me": me("agent", ["read_tasks"]),
      "GET /bot/worker-status": () => worker,
    });
    const start = await screen.findByRole("button", { name: "Iniciar worker" });
    await waitFor(() => expect(start).toBeDisabled());
    expect(start).toHaveAttribute("title", "Seu papel na equipe não permite esta ação");
  });
});
