/**
 * The config form of each task type (fields of automation-service's Pydantic models) and how form values
 * become the `config` JSON of POST /bot/tasks. A new task type is one more entry here.
 */
import type { TaskType } from "../../api/types";

export type FieldKind = "int" | "number" | "text" | "textarea" | "bool";

export interface ConfigField {
  key: string;
  label: string;
  kind: FieldKind;
  default?: string | boolean;
  min?: number;
  max?: number;
  step?: number;
  help?: string;
  /** Only shown (and sent) in this reply mode. */
  mode?: ReplyMode;
}

export type ReplyMode = "template" | "ai";

export interface TaskTypeForm {
  fields: ConfigField[];
  /** Types that answer with either a fixed template or the AI (`reply_template` | `use_ai`). */
  replyMode: boolean;
}

const maxReplies: ConfigField = { key: "max_replies", label: "Máximo de respostas", kind: "int", default: "50", min: 1, max: 500 };
const delay: ConfigField = {
  key: "delay_seconds", label: "Intervalo entre ações (s)", kind: "number", default: "5", min: 0, max: 600, step: 0.5,
  help: "Pausa média entre uma ação e outra; o bot varia um pouco para parecer humano.",
};
const template: ConfigField = {
  key: "reply_template", label: "Modelo de resposta", kind: "textarea", mode: "template",
  default: "Olá! Obrigado pelo seu comentário 😊", help: "Texto enviado em cada resposta.",
};

export const TASK_FORMS: Record<TaskType, TaskTypeForm> = {
  reply_comments: {
    replyMode: true,
    fields: [maxReplies, delay, template,
      { key: "skip_replied", label: "Pular comentários já respondidos", kind: "bool", default: true }],
  },
  reply_reviews: {
    replyMode: true,
    fields: [maxReplies, delay,
      { key: "min_rating", label: "Nota mínima", kind: "int", default: "1", min: 1, max: 5 },
      { key: "max_rating", label: "Nota máxima", kind: "int", default: "5", min: 1, max: 5 },
      { ...template, default: "Obrigado pela avaliação! Ficamos felizes em atender você." }],
  },
  reply_messages: {
    replyMode: false,
    fields: [maxReplies, delay],
  },
  invite_creators: {
    replyMode: false,
    fields: [
      { key: "max_invites", label: "Máximo de convites", kind: "int", default: "20", min: 1, max: 500 },
      delay,
      { key: "category", label: "Categoria", kind: "text", default: "", help: "Ex.: Beleza, Moda, Casa" },
      { key: "min_followers", label: "Seguidores (mín.)", kind: "int", default: "1000", min: 0 },
      { key: "max_followers", label: "Seguidores (máx.)", kind: "int", default: "", min: 0 },
      { key: "commission_rate", label: "Comissão (%)", kind: "number", default: "10", min: 0, max: 80, step: 0.5 },
      { key: "invitation_name", label: "Nome do convite", kind: "text", default: "" },
      { key: "message", label: "Mensagem do convite", kind: "textarea", default: "" },
    ],
  },
  sync_catalog: {
    replyMode: false,
    fields: [{ key: "full", label: "Sincronização completa", kind: "bool", default: false,
      help: "Relê e republica todos os produtos (senão, só o que mudou desde a última vez)." }],
  },
  sync_orders: {
    replyMode: false,
    fields: [
      { key: "full", label: "Sincronização completa", kind: "bool", default: false },
      { key: "fetch_tracking", label: "Ler o rastreio dos pacotes enviados", kind: "bool", default: true },
    ],
  },
};

export type FormValues = Record<string, string | boolean>;

export function defaultValues(type: TaskType): FormValues {
  return Object.fromEntries(TASK_FORMS[type].fields.map((f) => [f.key, f.default ?? (f.kind === "bool" ? false : "")]));
}

export function visibleFields(type: TaskType, mode: ReplyMode): ConfigField[] {
  return TASK_FORMS[type].fields.filter((f) => !f.mode || f.mode === mode);
}

/** Form values → config JSON: numbers parsed, empty optional fields left out, reply mode applied. */
export function buildConfig(type: TaskType, values: FormValues, mode: ReplyMode = "template"): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const field of visibleFields(type, mode)) {
    const value = values[field.key];
    if (field.kind === "bool") {
      config[field.key] = value === true;
      continue;
    }
    const text = typeof value === "string" ? value.trim() : "";
    if (text === "") continue;
    if (field.kind === "int" || field.kind === "number") {
      const n = Number(text.replace(",", "."));
      config[field.key] = Number.isFinite(n) ? (field.kind === "int" ? Math.trunc(n) : n) : text;
    } else {
      config[field.key] = text;
    }
  }
  if (TASK_FORMS[type].replyMode) config.use_ai = mode === "ai";
  return config;
}
