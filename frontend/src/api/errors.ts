/** Errors of the API as the dashboard shows them: the gateway's JSON `{error, detail, fields?, retry_after?}`. */

export interface FieldError {
  field: string;
  message: string;
}

const ERROR_TITLES: Record<string, string> = {
  validation_error: "Dados inválidos",
  not_found: "Não encontrado",
  conflict: "Conflito",
  forbidden: "Acesso negado",
  invitation_unusable: "Convite inválido, já usado ou expirado",
  unauthorized: "Sessão inválida ou expirada",
  rate_limited: "Muitas requisições",
  service_unavailable: "Serviço indisponível",
  service_timeout: "O serviço demorou demais para responder",
  service_not_implemented: "Recurso ainda não disponível",
  service_error: "Erro no serviço",
  payload_too_large: "Arquivo ou corpo grande demais",
  unsupported_media_type: "Formato não suportado",
  bad_request: "Requisição inválida",
  network_error: "Sem conexão com o servidor",
  timeout: "Tempo de resposta esgotado",
};

export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly detail: string;
  readonly fields: FieldError[];
  readonly retryAfter: number | null;
  readonly body: unknown;

  constructor(status: number, error: string, detail: string, options: {
    fields?: FieldError[]; retryAfter?: number | null; body?: unknown;
  } = {}) {
    super(`${status} ${error}: ${detail}`);
    this.name = "ApiError";
    this.status = status;
    this.error = error;
    this.detail = detail;
    this.fields = options.fields ?? [];
    this.retryAfter = options.retryAfter ?? null;
    this.body = options.body;
  }

  /** A short pt-BR title for the error code; the server's detail is shown under it. */
  get title(): string {
    return ERROR_TITLES[this.error] ?? `Erro ${this.status || ""}`.trim();
  }
}

function detailText(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (detail == null) return "";
  if (Array.isArray(detail)) {
    return detail.map((d) => (typeof d === "object" && d && "msg" in d ? String((d as { msg: unknown }).msg) : JSON.stringify(d)))
      .join("; ");
  }
  return JSON.stringify(detail);
}

function fieldsOf(raw: unknown): FieldError[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((f) => {
    const item = (f ?? {}) as Record<string, unknown>;
    return { field: String(item.field ?? ""), message: String(item.message ?? item.msg ?? "") };
  });
}

/** Turns any error response (gateway JSON, FastAPI `{detail}`, plain text, HTML) into an ApiError. */
export function apiErrorFrom(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  const retryHeader = retryAfterHeader ? Number(retryAfterHeader) : NaN;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    const nested = obj.detail && typeof obj.detail === "object" && !Array.isArray(obj.detail)
      ? (obj.detail as Record<string, unknown>) : null;
    const source = nested && "error" in nested ? nested : obj;
    const retry = Number(source.retry_after ?? retryHeader);
    return new ApiError(status, String(source.error ?? `http_${status}`), detailText(source.detail ?? source.message), {
      fields: fieldsOf(source.fields), retryAfter: Number.isFinite(retry) ? retry : null, body,
    });
  }
  const text = typeof body === "string" ? body.trim().slice(0, 300) : "";
  return new ApiError(status, `http_${status}`, text || `resposta HTTP ${status}`, {
    retryAfter: Number.isFinite(retryHeader) ? retryHeader : null, body,
  });
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** Any thrown value as `{title, detail, fields}` for display. */
export function describeError(error: unknown): { title: string; detail: string; fields: FieldError[] } {
  if (error instanceof ApiError) {
    const wait = error.retryAfter ? ` (tente de novo em ${error.retryAfter} s)` : "";
    return { title: error.title, detail: `${error.detail}${wait}`, fields: error.fields };
  }
  if (error instanceof Error) return { title: "Erro", detail: error.message, fields: [] };
  return { title: "Erro", detail: String(error), fields: [] };
}
