/**
 * The dashboard's HTTP client: same-origin JSON calls with the Bearer token, the access token refreshed with
 * POST /auth/refresh shortly before it expires and once more on a 401, and every error as an ApiError.
 */
import { ApiError, apiErrorFrom } from "./errors";
import { Session, SessionStorage, sessionFromTokenPair } from "./tokens";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is (e.g. CSV text) with `contentType`, instead of JSON. */
  rawBody?: string | Blob;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** false for the public routes (login, refresh). */
  auth?: boolean;
  signal?: AbortSignal;
  /** "blob" for downloads (task artifacts). */
  responseType?: "json" | "blob";
}

export interface ApiClientOptions {
  storage: SessionStorage;
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  now?: () => number;
  /** Refresh this long before the access token expires. */
  refreshMarginMs?: number;
  timeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

type SessionListener = (session: Session | null, reason: "login" | "refresh" | "logout" | "expired" | "sync") => void;

export class ApiClient {
  private session: Session | null;
  private refreshing: Promise<Session> | null = null;
  private refreshTimer: unknown = null;
  private readonly listeners = new Set<SessionListener>();
  private readonly storage: SessionStorage;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly timeoutMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(options: ApiClientOptions) {
    this.storage = options.storage;
    this.baseUrl = (options.baseUrl ?? "").replace(/\/$/, "");
    this.fetchImpl = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? (() => Date.now());
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.setTimer = options.setTimer ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>));
    this.session = this.storage.load();
    this.scheduleRefresh();
  }

  get currentSession(): Session | null {
    return this.session;
  }

  get isAuthenticated(): boolean {
    return this.session !== null;
  }

  onSessionChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(email: string, password: string): Promise<Session> {
    const body = await this.request<unknown>("POST", "/auth/login", { body: { email, password }, auth: false });
    this.setSession(sessionFromTokenPair(body, this.now()), "login");
    return this.session as Session;
  }

  logout(): void {
    this.setSession(null, "logout");
  }

  /** Another tab changed the stored session: adopt it without calling the server. */
  syncFromStorage(): void {
    const stored = this.storage.load();
    if (stored?.accessToken === this.session?.accessToken) return;
    this.session = stored;
    this.scheduleRefresh();
    this.emit(stored ? "sync" : "logout");
  }

  /**
   * Exchanges the refresh token for a new pair. Concurrent callers share one request; a 401 ends the session
   * (the refresh token expired or the user was removed), other failures keep it so a later try can succeed.
   */
  refresh(): Promise<Session> {
    if (this.refreshing) return this.refreshing;
    const current = this.session;
    if (!current) return Promise.reject(new ApiError(401, "unauthorized", "sessão encerrada"));
    this.refreshing = (async () => {
      try {
        const body = await this.request<unknown>("POST", "/auth/refresh", {
          body: { refresh_token: current.refreshToken }, auth: false,
        });
        this.setSession(sessionFromTokenPair(body, this.now()), "refresh");
        return this.session as Session;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          this.setSession(null, "expired");
        }
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** A valid access token, refreshed first when it expires within the margin; null when logged out. */
  async accessToken(): Promise<string | null> {
    if (!this.session) return null;
    if (this.session.expiresAt - this.now() <= this.marginFor(this.session)) {
      try {
        await this.refresh();
      } catch (error) {
        if (!this.session) return null;
        // The server could not be reached: the old token may still be valid for a little while.
        if (this.session.expiresAt <= this.now()) throw error;
      }
    }
    return this.session?.accessToken ?? null;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }

  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("PATCH", path, { ...options, body });
  }

  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("PUT", path, { ...options, body });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("DELETE", path, options);
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    if (!auth) return this.send<T>(method, path, options, null);
    const token = await this.accessToken();
    if (!token) throw new ApiError(401, "unauthorized", "faça login para continuar");
    try {
      return await this.send<T>(method, path, options, token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !this.session) throw error;
      // The token was refused (expired early, secret rotated): refresh once and try again.
      const fresh = this.session.accessToken === token ? (await this.refresh()).accessToken : this.session.accessToken;
      return this.send<T>(method, path, options, fresh);
    }
  }

  private async send<T>(method: HttpMethod, path: string, options: RequestOptions, token: string | null): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers["Content-Type"] = options.contentType ?? "text/plain";
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal?.addEventListener("abort", abort);
    const timer = this.setTimer(abort, this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), { method, headers, body, signal: controller.signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const timedOut = controller.signal.aborted;
      throw new ApiError(0, timedOut ? "timeout" : "network_error",
        timedOut ? `sem resposta em ${Math.round(this.timeoutMs / 1000)} s` : "não foi possível falar com o servidor");
    } finally {
      this.clearTimer(timer);
      options.signal?.removeEventListener("abort", abort);
    }
    if (!response.ok) throw apiErrorFrom(response.status, await readBody(response), response.headers.get("Retry-After"));
    if (options.responseType === "blob") return (await response.blob()) as T;
    return (await readBody(response)) as T;
  }

  private url(path: string, query?: RequestOptions["query"]): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  private setSession(session: Session | null, reason: Parameters<SessionListener>[1]): void {
    this.session = session;
    this.storage.save(session);
    this.scheduleRefresh();
    this.emit(reason);
  }

  private emit(reason: Parameters<SessionListener>[1]): void {
    for (const listener of this.listeners) listener(this.session, reason);
  }

  /** The refresh margin, at most a quarter of the token's lifetime (a 1-minute token is refreshed after 45 s). */
  private marginFor(session: Session): number {
    if (session.issuedAt === undefined) return this.refreshMarginMs;
    return Math.min(this.refreshMarginMs, Math.max(1_000, (session.expiresAt - session.issuedAt) / 4));
  }

  /** Refresh in the background before expiry so an idle dashboard (only a WebSocket open) keeps its session. */
  private scheduleRefresh(): void {
    if (this.refreshTimer !== null) this.clearTimer(this.refreshTimer);
    this.refreshTimer = null;
    if (!this.session) return;
    const delay = Math.max(1_000, this.session.expiresAt - this.now() - this.marginFor(this.session));
    this.refreshTimer = this.setTimer(() => {
      this.refreshTimer = null;
      this.refresh().catch(() => {
        // Network trouble: try again in 30 s while the session still exists.
        if (this.session) this.refreshTimer = this.setTimer(() => this.scheduleRefresh(), 30_000);
      });
    }, delay);
  }

  dispose(): void {
    if (this.refreshTimer !== null) this.clearTimer(this.refreshTimer);
    this.refreshTimer = null;
    this.listeners.clear();
  }
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get("Content-Type") ?? "";
  if (type.includes("json") || /^[[{]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
