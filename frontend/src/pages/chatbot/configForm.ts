/**
 * The bot config as an editable form. The settings' schema belongs to chatbot-service, so the editor adapts
 * to whatever GET /seller-bot/config returns: nested objects become groups of fields, scalar lists become
 * comma-separated inputs, anything else a JSON box; the PATCH holds only the top-level keys that changed.
 */

export type ConfigKind = "text" | "longtext" | "secret" | "number" | "bool" | "list" | "group" | "json";

/** A draft mirrors the settings: strings/booleans for inputs, nested drafts for groups. */
export type Draft = string | boolean | { [key: string]: Draft };

const LABELS: Record<string, string> = {
  persona: "Persona do vendedor",
  greeting: "Mensagem de boas-vindas",
  tone: "Tom de voz",
  store_name: "Nome da loja",
  business_hours: "Horário de atendimento",
  "business_hours.open": "Abre às",
  "business_hours.close": "Fecha às",
  "business_hours.weekdays": "Dias (0 = segunda … 6 = domingo)",
  "business_hours.enabled": "Respeitar o horário de atendimento",
  "business_hours.timezone": "Fuso horário",
  out_of_hours_message: "Mensagem fora do horário",
  handoff_rules: "Transferência para humano",
  "handoff_rules.complaint_threshold": "Reclamações antes de transferir",
  "handoff_rules.idle_release_minutes": "Devolver ao bot após inatividade (min)",
  "handoff_rules.fallback_threshold": "Respostas sem entender antes de transferir",
  "handoff_rules.on_human_intent": "Transferir quando o cliente pedir um atendente",
  enabled_channels: "Canais ativos",
  llm: "Modelo de IA",
  "llm.base_url": "Endpoint (compatível com OpenAI; vazio = padrão)",
  "llm.model": "Modelo",
  "llm.temperature": "Temperatura",
  "llm.max_tokens": "Máximo de tokens",
  "llm.api_key": "Chave de API",
  debounce: "Agrupamento de mensagens",
  "debounce.window_seconds": "Janela (s)",
  "debounce.max_wait_seconds": "Espera máxima (s)",
  faq_cache: "Cache de perguntas frequentes",
  "faq_cache.enabled": "Ativado",
  "faq_cache.learn": "Aprender com as respostas",
  "faq_cache.threshold": "Similaridade mínima (0–1)",
  "faq_cache.entries": "Perguntas e respostas",
  policies: "Políticas da loja",
  "policies.payment_methods": "Formas de pagamento",
  "policies.returns": "Trocas e devoluções",
  "policies.shipping": "Frete",
  "policies.warranty": "Garantia",
  "policies.installments": "Parcelamento",
  prompt_variants: "Variantes de prompt (A/B)",
};

export function configLabel(path: string[], humanize: (s: string) => string): string {
  return LABELS[path.join(".")] ?? LABELS[path[path.length - 1] ?? ""] ?? humanize(path[path.length - 1] ?? "");
}

const SECRET_NAME = /(api_key|token|secret|password)$/i;
/** Lists of plain values even when empty; other empty lists (variants, FAQ entries) hold objects. */
const SCALAR_LISTS = new Set(["enabled_channels", "payment_methods", "weekdays", "synonyms", "keywords"]);
/** The order a seller reads the settings in; unknown keys follow. */
const KEY_ORDER = ["store_name", "persona", "tone", "greeting", "out_of_hours_message", "business_hours", "policies",
  "handoff_rules", "enabled_channels", "debounce", "llm", "faq_cache", "prompt_variants",
  // inside the groups
  "enabled", "open", "close", "weekdays", "timezone", "on_human_intent", "complaint_threshold", "fallback_threshold",
  "idle_release_minutes", "window_seconds", "max_wait_seconds", "model", "base_url", "api_key", "temperature",
  "max_tokens", "learn", "threshold", "entries"];

export function orderedEntries(settings: Record<string, unknown>): [string, unknown][] {
  const rank = (k: string) => { const i = KEY_ORDER.indexOf(k); return i === -1 ? KEY_ORDER.length : i; };
  return Object.entries(settings).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

export function kindOf(value: unknown, key = ""): ConfigKind {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return "number";
  if (typeof value === "string") {
    if (SECRET_NAME.test(key)) return "secret";
    return value.length > 80 || value.includes("\n") || key === "persona" ? "longtext" : "text";
  }
  if (Array.isArray(value) && (value.length > 0 || SCALAR_LISTS.has(key))
    && value.every((v) => typeof v === "string" || typeof v === "number")) return "list";
  if (isPlainObject(value)) return "group";
  return "json";
}

export function toDraft(value: unknown, key = ""): Draft {
  switch (kindOf(value, key)) {
    case "bool": return value as boolean;
    case "number": return String(value);
    case "text": case "longtext": case "secret": return value as string;
    case "list": return (value as unknown[]).join(", ");
    case "group": return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toDraft(v, k)]));
    default: return JSON.stringify(value ?? null, null, 2);
  }
}

export class DraftError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

/** Parses a draft back to the type of the original value. */
export function fromDraft(original: unknown, draft: Draft, path: string[] = []): unknown {
  const key = path[path.length - 1] ?? "";
  const where = path.join(".");
  switch (kindOf(original, key)) {
    case "bool": return draft === true;
    case "number": {
      const n = Number(String(draft).replace(",", "."));
      if (String(draft).trim() === "" || !Number.isFinite(n)) throw new DraftError(where, "número inválido");
      return n;
    }
    case "text": case "longtext": case "secret": return String(draft);
    case "list": {
      const items = String(draft).split(",").map((s) => s.trim()).filter(Boolean);
      const numeric = (original as unknown[]).length > 0 && (original as unknown[]).every((v) => typeof v === "number");
      if (!numeric) return items;
      const numbers = items.map(Number);
      if (numbers.some((n) => !Number.isFinite(n))) throw new DraftError(where, "use números separados por vírgula");
      return numbers;
    }
    case "group": {
      const group = typeof draft === "object" ? draft : {};
      return Object.fromEntries(Object.entries(original as Record<string, unknown>).map(([k, v]) =>
        [k, k in group ? fromDraft(v, group[k] as Draft, [...path, k]) : v]));
    }
    default:
      try {
        return JSON.parse(String(draft));
      } catch {
        throw new DraftError(where, "JSON inválido");
      }
  }
}

/** The PATCH body: each top-level key whose parsed value differs from the original, sent whole. */
export function buildPatch(settings: Record<string, unknown>, drafts: Record<string, Draft>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [key, draft] of Object.entries(drafts)) {
    if (!(key in settings)) continue;
    const value = fromDraft(settings[key], draft, [key]);
    if (JSON.stringify(value) !== JSON.stringify(settings[key])) patch[key] = value;
  }
  return patch;
}

export function draftsOf(settings: Record<string, unknown>): Record<string, Draft> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, toDraft(v, k)]));
}

/** A copy of the drafts with the value at `path` replaced. */
export function setDraft(drafts: Record<string, Draft>, path: string[], value: Draft): Record<string, Draft> {
  const [head, ...rest] = path;
  if (head === undefined) return drafts;
  if (rest.length === 0) return { ...drafts, [head]: value };
  const child = drafts[head];
  return { ...drafts, [head]: setDraft(typeof child === "object" ? child : {}, rest, value) };
}
