/**
 * What each live notification does to the dashboard: which cached queries it refreshes or patches and
 * which toast it shows. Kept apart from React so it can be tested with a plain QueryClient.
 */
import type { QueryClient } from "@tanstack/react-query";
import type { BotProfile, BotTask, Conversation } from "../api/types";
import { num, str } from "../api/normalize";
import { CHANNEL_LABELS, HANDOFF_LABELS, PROFILE_STATUS_LABELS, TASK_TYPE_LABELS, label } from "../i18n/labels";
import { formatDuration } from "../i18n/format";
import type { Notification } from "./notificationSocket";
import { queryKeys } from "../hooks/queryKeys";

export interface ToastSink {
  success(title: string, detail?: string): void;
  error(title: string, detail?: string): void;
  info(title: string, detail?: string): void;
  warning(title: string, detail?: string): void;
}

/**
 * Invalidates a query at most once per window (leading + trailing), so a burst of chat events does not
 * turn into a burst of GETs against the per-IP rate limit.
 */
export function createThrottledInvalidator(client: QueryClient, windowMs = 2_000,
  setTimer: (fn: () => void, ms: number) => unknown = (fn, ms) => globalThis.setTimeout(fn, ms)) {
  const last = new Map<string, number>();
  const pending = new Set<string>();
  return (key: readonly unknown[]) => {
    const id = JSON.stringify(key);
    const now = Date.now();
    const since = now - (last.get(id) ?? -Infinity);
    if (since >= windowMs) {
      last.set(id, now);
      void client.invalidateQueries({ queryKey: key });
      return;
    }
    if (pending.has(id)) return;
    pending.add(id);
    setTimer(() => {
      pending.delete(id);
      last.set(id, Date.now());
      void client.invalidateQueries({ queryKey: key });
    }, windowMs - since);
  };
}

function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

function taskName(client: QueryClient, taskId: string, type?: string): string {
  const task = client.getQueryData<BotTask[]>(queryKeys.botTasks)?.find((t) => t.id === taskId);
  const kind = type || task?.taskType || "";
  return kind ? `${label(TASK_TYPE_LABELS, kind)} (${shortId(taskId)})` : shortId(taskId);
}

const ATTENTION_STATES = new Set(["needs_2fa", "captcha", "expired", "blocked", "failed"]);

function profileName(client: QueryClient, profileId: string): string {
  return client.getQueryData<BotProfile[]>(queryKeys.botProfiles)?.find((p) => p.id === profileId)?.name || shortId(profileId);
}

function contactName(p: Record<string, unknown>): string {
  const channel = str(p.channel);
  return `${str(p.contact_name) || str(p.contact_id) || "cliente"}${channel ? ` · ${label(CHANNEL_LABELS, channel)}` : ""}`;
}

export function applyNotification(n: Notification, client: QueryClient, toast: ToastSink,
  invalidate: (key: readonly unknown[]) => void): void {
  const p = n.payload;
  const taskId = str(p.task_id);
  switch (n.type) {
    case "bot_task_started":
      invalidate(queryKeys.botTasks);
      invalidate(queryKeys.botWorkerStatus);
      toast.info(`Tarefa ${taskName(client, taskId, str(p.task_type))} iniciada`);
      return;
    case "bot_task_progress":
      client.setQueryData<BotTask[]>(queryKeys.botTasks, (tasks) => tasks?.map((t) => t.id === taskId
        ? { ...t, status: "running", progressDone: num(p.done, t.progressDone), progressTotal: num(p.total, t.progressTotal) }
        : t));
      return;
    case "bot_task_completed": {
      invalidate(queryKeys.botTasks);
      invalidate(queryKeys.botStats);
      invalidate(queryKeys.botWorkerStatus);
      const duration = num(p.duration, NaN);
      toast.success(`Tarefa ${taskName(client, taskId)} concluída!`,
        Number.isFinite(duration) ? `Duração: ${formatDuration(duration)}` : undefined);
      return;
    }
    case "bot_task_failed":
      invalidate(queryKeys.botTasks);
      invalidate(queryKeys.botStats);
      invalidate(queryKeys.botWorkerStatus);
      toast.error(`Tarefa ${taskName(client, taskId)} falhou`,
        [str(p.error), num(p.retry_count) > 0 ? `tentativas: ${num(p.retry_count)}` : ""].filter(Boolean).join(" · "));
      return;
    case "bot_task_needs_attention":
      invalidate(queryKeys.botTasks);
      invalidate(queryKeys.botStats);
      invalidate(queryKeys.botProfiles);
      toast.warning(`Tarefa ${taskName(client, taskId, str(p.task_type))} precisa de atenção`, str(p.reason) || undefined);
      return;
    case "bot_profile_login_state": {
      invalidate(queryKeys.botProfiles);
      const state = (str(p.state) || str(p.status)).toLowerCase().replace(/^profile_status_/, "");
      if (ATTENTION_STATES.has(state)) {
        toast.warning(`Perfil ${profileName(client, str(p.profile_id))}: ${label(PROFILE_STATUS_LABELS, state)}`,
          str(p.reason) || undefined);
      }
      return;
    }
    case "resync":
      // Part of what happened while disconnected is gone from the server's buffer: refetch everything shown.
      void client.invalidateQueries();
      return;
    case "subscribed":
    case "heartbeat":
    case "pong":
      return;
    case "bot_worker_started":
      invalidate(queryKeys.botWorkerStatus);
      invalidate(queryKeys.botStats);
      toast.success("Worker iniciado");
      return;
    case "bot_worker_stopped":
      invalidate(queryKeys.botWorkerStatus);
      invalidate(queryKeys.botStats);
      invalidate(queryKeys.botTasks);
      toast.warning("Worker parado", str(p.reason) || undefined);
      return;
    case "chatbot_message_received":
    case "chatbot_reply_sent":
      invalidate(queryKeys.sellerBotConversations);
      invalidate(queryKeys.sellerBotStats);
      return;
    case "chatbot_handoff_requested":
      invalidate(queryKeys.sellerBotConversations);
      invalidate(queryKeys.sellerBotStats);
      toast.warning(`Atendimento humano solicitado: ${contactName(p)}`, str(p.reason) || str(p.summary) || undefined);
      return;
    case "chatbot_conversation_updated":
      patchConversation(client, p);
      invalidate(queryKeys.sellerBotConversations);
      return;
    default:
      if (n.type.startsWith("bot_profile")) {
        invalidate(queryKeys.botProfiles);
      } else if (n.type.startsWith("bot_task")) {
        invalidate(queryKeys.botTasks);
      } else if (n.type.startsWith("chatbot_")) {
        invalidate(queryKeys.sellerBotConversations);
      }
  }
}

/** Shows the new intent/stage/handoff at once; the throttled refetch then brings the rest. */
function patchConversation(client: QueryClient, p: Record<string, unknown>): void {
  const contactId = str(p.contact_id);
  if (!contactId) return;
  client.setQueriesData<Conversation[]>({ queryKey: queryKeys.sellerBotConversations }, (list) => list?.map((c) =>
    c.contactId === contactId
      ? {
        ...c,
        lastIntent: str(p.intent) || c.lastIntent,
        lastMessage: str(p.last_message) || c.lastMessage,
        stage: str(p.stage) || c.stage,
        handoffState: str(p.handoff_state) in HANDOFF_LABELS ? str(p.handoff_state) : c.handoffState,
      }
      : c));
}
