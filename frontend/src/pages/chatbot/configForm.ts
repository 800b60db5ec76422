/**
 * The bot config as an editable form. The settings' schema belongs to chatbot-service, so the editor adapts
 * to whatever GET /seller-bot/config returns: one input per top-level key, chosen by the value's type, and
 * a PATCH holding only the keys the seller changed.
 */

export type ConfigKind = "text" | "longtext" | "number" | "bool" | "json";

export const CONFIG_LABELS: Record<string, string> = {
  persona: "Persona do vendedor",
  greeting: "Mensagem de boas-vindas",
  tone: "Tom de voz",
  business_hours: "Horário de atendimento",
  out_of_hours_message: "Mensagem fora do horário",
  handoff_rules: "Regras de transferência para humano",
  enabled_channels: "Canais ativos",
  model: "Modelo de IA",
  temperature: "Temperatura",
  max_tokens: "Máximo de tokens",
  debounce_seconds: "Janela de agrupamento de mensagens (s)",
  debounce_window_seconds: "Janela de agrupamento de mensagens (s)",
  faq_cache_enabled: "Cache de perguntas frequentes",
  faq_cache: "Cache de perguntas frequentes",
  prompt_variants: "Variantes de prompt (A/B)",
  llm_base_url: "Endpoint do LLM (compatível com OpenAI)",
  store_name: "Nome da loja",
  policies: "Políticas da loja",
  shipping_policy: "Política de frete",
  return_policy: "Política de trocas",
  payment_methods: "Formas de pagamento",
  language: "Idioma",
  fallbacks_before_handoff: "Respostas sem entender antes de transferir",
  handoff_idle_minutes: "Devolver ao bot após inatividade (min)",
};

export function kindOf(value: unknown): ConfigKind {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return value.length > 80 || value.includes("\n") ? "longtext" : "text";
  return "json";
}

/** The text shown in an input for a value. */
export function toDraft(value: unknown): string | boolean {
  const kind = kindOf(value);
  if (kind === "bool") return value as boolean;
  if (kind === "number") return String(value);
  if (kind === "text" || kind === "longtext") return value as string;
  return JSON.stringify(value ?? null, null, 2);
}

export class DraftError extends Error {
  constructor(readonly key: string, message: string) {
    super(`${key}: ${message}`);
  }
}

/** Parses an input back to the type of the original value. */
export function fromDraft(key: string, original: unknown, draft: string | boolean): unknown {
  const kind = kindOf(original);
  if (kind === "bool") return draft === true;
  if (kind === "number") {
    const n = Number(String(draft).replace(",", "."));
    if (!Number.isFinite(n)) throw new DraftError(key, "número inválido");
    return n;
  }
  if (kind === "text" || kind === "longtext") return String(draft);
  try {
    return JSON.parse(String(draft));
  } catch {
    throw new DraftError(key, "JSON inválido");
  }
}

/** The PATCH body: only keys whose parsed value differs from the original. */
export function buildPatch(settings: Record<string, unknown>, drafts: Record<string, string | boolean>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [key, draft] of Object.entries(drafts)) {
    const value = fromDraft(key, settings[key], draft);
    if (JSON.stringify(value) !== JSON.stringify(settings[key])) patch[key] = value;
  }
  return patch;
}
