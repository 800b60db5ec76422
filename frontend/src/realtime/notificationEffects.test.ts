import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import type { BotTask, Conversation } from "../api/types";
import { toConversation, toTask } from "../api/types";
import { queryKeys } from "../hooks/queryKeys";
import { applyNotification, createThrottledInvalidator } from "./notificationEffects";

function sink() {
  return { success: vi.fn(), error: vi.fn(), info: vi.fn(), warning: vi.fn() };
}

const note = (type: string, payload: Record<string, unknown>) => ({ id: "1", type, payload, ts: "" });

describe("applyNotification", () => {
  it("toasts a completed task by its type and refreshes tasks and stats", () => {
    const client = new QueryClient();
    client.setQueryData<BotTask[]>(queryKeys.botTasks, [toTask({ id: "abcdef123456", task_type: "reply_comments" })]);
    const toast = sink();
    const invalidate = vi.fn();
    applyNotification(note("bot_task_completed", { task_id: "abcdef123456", duration: 12.5 }), client, toast, invalidate);
    expect(toast.success).toHaveBeenCalledWith("Tarefa Responder comentários (abcdef12) concluída!", "Duração: 12,5 s");
    expect(invalidate).toHaveBeenCalledWith(queryKeys.botTasks);
    expect(invalidate).toHaveBeenCalledWith(queryKeys.botStats);
  });

  it("patches progress into the cached task list without refetching", () => {
    const client = new QueryClient();
    client.setQueryData<BotTask[]>(queryKeys.botTasks, [toTask({ id: "t1", status: "queued" })]);
    const invalidate = vi.fn();
    applyNotification(note("bot_task_progress", { task_id: "t1", done: 4, total: 50 }), client, sink(), invalidate);
    expect(client.getQueryData<BotTask[]>(queryKeys.botTasks)?.[0]).toMatchObject({ status: "running", progressDone: 4, progressTotal: 50 });
    expect(invalidate).not.toHaveBeenCalled();
  });

  it("warns about a handoff and patches the conversation's state", () => {
    const client = new QueryClient();
    const key = [...queryKeys.sellerBotConversations, ""];
    client.setQueryData<Conversation[]>(key, [toConversation({ id: "c1", contact_id: "whatsapp:55", handoff_state: "bot" })]);
    const toast = sink();
    applyNotification(note("chatbot_handoff_requested", { contact_id: "whatsapp:55", channel: "whatsapp", reason: "cliente pediu" }),
      client, toast, vi.fn());
    expect(toast.warning).toHaveBeenCalledWith("Atendimento humano solicitado: whatsapp:55 · WhatsApp", "cliente pediu");
    applyNotification(note("chatbot_conversation_updated", { contact_id: "whatsapp:55", intent: "human", handoff_state: "waiting_human" }),
      client, sink(), vi.fn());
    expect(client.getQueryData<Conversation[]>(key)?.[0]).toMatchObject({ lastIntent: "human", handoffState: "waiting_human" });
  });

  it("warns when a task needs attention or a profile's login needs the seller, and refetches all on resync", () => {
    const client = new QueryClient();
    const toast = sink();
    const invalidate = vi.fn();
    applyNotification(note("bot_task_needs_attention", { task_id: "t1", task_type: "reply_reviews", reason: "captcha" }),
      client, toast, invalidate);
    expect(toast.warning).toHaveBeenCalledWith("Tarefa Responder avaliações (t1) precisa de atenção", "captcha");
    expect(invalidate).toHaveBeenCalledWith(queryKeys.botProfiles);
    applyNotification(note("bot_profile_login_state", { profile_id: "p1", state: "needs_2fa", reason: "código enviado" }),
      client, toast, invalidate);
    expect(toast.warning).toHaveBeenLastCalledWith("Perfil p1: Aguardando código 2FA", "código enviado");
    const all = vi.spyOn(client, "invalidateQueries").mockResolvedValue();
    applyNotification(note("resync", {}), client, toast, invalidate);
    expect(all).toHaveBeenCalledWith();
    applyNotification(note("heartbeat", {}), client, toast, invalidate);
    expect(toast.info).not.toHaveBeenCalled();
  });

  it("throttles invalidations of one key to one per window, with a trailing refresh", () => {
    const client = new QueryClient();
    const spy = vi.spyOn(client, "invalidateQueries").mockResolvedValue();
    const timers: (() => void)[] = [];
    const invalidate = createThrottledInvalidator(client, 2_000, (fn) => timers.push(fn));
    for (let i = 0; i < 10; i += 1) invalidate(queryKeys.sellerBotConversations);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(timers).toHaveLength(1);
    timers[0]?.();
    expect(spy).toHaveBeenCalledTimes(2);
  });
});
