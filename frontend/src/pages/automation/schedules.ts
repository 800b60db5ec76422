/** Recurring tasks (GET/POST /bot/schedules, pause, resume, delete), typed for the schedules panel. */
import type { ApiClient } from "../../api/client";

export interface Schedule {
  id: string;
  taskType: string;
  profileId: string;
  everyMinutes: number;
  paused: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastTaskId: string;
  lastOutcome: string;
}

export interface ScheduleInput {
  task_type: string;
  profile_id: string;
  every_minutes: number;
  config?: Record<string, unknown>;
}

export const SCHEDULE_TASK_TYPES = ["sync_catalog", "sync_orders", "reply_comments", "reply_reviews",
  "reply_messages"] as const;


export const OUTCOME_LABELS: Record<string, string> = {
  enqueued: "tarefa criada", outside_active_hours: "fora do horário do perfil",
  previous_run_pending: "execução anterior ainda na fila", refused: "recusada", profile_missing: "perfil removido",
};

type Raw = Record<string, unknown>;

function toSchedule(raw: Raw): Schedule {
  return {
    id: String(raw.id), taskType: String(raw.task_type), profileId: String(raw.profile_id),
    everyMinutes: Number(raw.every_minutes), paused: Boolean(raw.paused),
    nextRunAt: (raw.next_run_at as string | null) ?? null, lastRunAt: (raw.last_run_at as string | null) ?? null,
    lastTaskId: String(raw.last_task_id ?? ""), lastOutcome: String(raw.last_outcome ?? ""),
  };
}

const enc = encodeURIComponent;

export function schedulesApi(api: ApiClient) {
  return {
    list: async () => (await api.get<Raw[]>("/bot/schedules")).map(toSchedule),
    create: async (input: ScheduleInput) => toSchedule(await api.post<Raw>("/bot/schedules", input)),
    pause: async (id: string) => toSchedule(await api.post<Raw>(`/bot/schedules/${enc(id)}/pause`)),
    resume: async (id: string) => toSchedule(await api.post<Raw>(`/bot/schedules/${enc(id)}/resume`)),
    remove: (id: string) => api.delete<Raw>(`/bot/schedules/${enc(id)}`),
  };
}

export function everyLabel(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? "todo dia" : `a cada ${minutes / 1440} dias`;
  if (minutes % 60 === 0) return minutes === 60 ? "a cada hora" : `a cada ${minutes / 60} h`;
  return `a cada ${minutes} min`;
}
