/**
 * The live connection to /ws/notifications: reconnects with backoff, refreshes the token when the server
 * closes with 4401, resumes with `last_event_id`, and reports whether it is connected so queries can poll
 * less often while it is.
 */
import { BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from "./backoff";

export interface Notification {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  ts: string;
}

export type SocketStatus = "idle" | "connecting" | "open" | "reconnecting" | "unauthorized" | "stopped";

export const CLOSE_BAD_REQUEST = 4400;
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** The part of the browser WebSocket the client uses, so tests can pass a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

/**
 * Opens a socket offering `protocols`. The access token travels there (`["bearer", token]`, sent as the
 * Sec-WebSocket-Protocol header) rather than in the URL, which proxies and servers write to access logs.
 */
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

/** The protocol the gateway answers; the token is offered right after it. */
export const BEARER_PROTOCOL = "bearer";

export interface NotificationSocketOptions {
  /** The current access token (null = logged out: do not connect). */
  getToken: () => Promise<string | null>;
  /** Refresh the session after a 4401 close; resolves false when the session is gone. */
  refreshToken: () => Promise<boolean>;
  createSocket?: SocketFactory;
  /** Absolute ws(s):// URL of the endpoint; defaults to the page's origin. */
  endpoint?: string;
  backoff?: BackoffPolicy;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** A 1013 (service unavailable) waits at least this long. */
  tryAgainLaterMinMs?: number;
  /**
   * The server sends a `heartbeat` after `heartbeat_seconds` (announced in `subscribed`) of silence; with no
   * message for this many heartbeat periods the link is taken as dead and reopened.
   */
  deadLinkHeartbeats?: number;
}

type Listener = (notification: Notification) => void;
type StatusListener = (status: SocketStatus) => void;

export function defaultEndpoint(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}/ws/notifications`;
}

export function parseNotification(data: unknown): Notification | null {
  if (typeof data !== "string") return null;
  try {
    const raw = JSON.parse(data) as Record<string, unknown>;
    if (!raw || typeof raw.type !== "string") return null;
    const payload = raw.payload && typeof raw.payload === "object" ? (raw.payload as Record<string, unknown>) : {};
    return { id: typeof raw.id === "string" ? raw.id : String(raw.id ?? ""), type: raw.type, payload, ts: String(raw.ts ?? "") };
  } catch {
    return null;
  }
}

export class NotificationSocket {
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private authRetries = 0;
  /** Consecutive connections that closed before opening (a refused handshake looks like this). */
  private failedBeforeOpen = 0;
  private forcedRefresh = false;
  private running = false;
  private lastEventId = "";
  private currentStatus: SocketStatus = "idle";
  private heartbeatMs = 0;
  /** Bumped by every connect/stop so a connect still waiting for its token can tell it was superseded. */
  private connectSeq = 0;
  /** The token the current/last connection was opened with. */
  private connectedToken = "";
  private watchdog: unknown = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly opts: Required<Omit<NotificationSocketOptions, "endpoint">> & { endpoint?: string };

  constructor(options: NotificationSocketOptions) {
    this.opts = {
      createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
      backoff: DEFAULT_BACKOFF,
      random: Math.random,
      setTimer: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimer: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
      tryAgainLaterMinMs: 5_000,
      deadLinkHeartbeats: 2.5,
      ...options,
    };
  }

  get status(): SocketStatus {
    return this.currentStatus;
  }

  get isConnected(): boolean {
    return this.currentStatus === "open";
  }

  get resumeFrom(): string {
    return this.lastEventId;
  }

  /** Listen to one notification type, or "*" for every one. Returns the unsubscribe function. */
  subscribe(type: string, listener: Listener): () => void {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(type, set);
    return () => set.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.connectSeq += 1;
    this.clearPending();
    this.clearWatchdog();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, "client stopped");
    }
    this.setStatus("stopped");
  }

  /** Skip the remaining backoff (the browser came back online, the tab became visible). */
  reconnectNow(): void {
    if (!this.running || this.currentStatus === "open" || this.currentStatus === "connecting") return;
    this.clearPending();
    this.attempt = 0;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const seq = ++this.connectSeq;
    this.setStatus(this.attempt === 0 && this.authRetries === 0 ? "connecting" : "reconnecting");
    let token: string | null;
    try {
      token = await this.opts.getToken();
    } catch {
      if (seq === this.connectSeq) this.scheduleReconnect(); // refresh failed on the network: try again later
      return;
    }
    if (!this.running || seq !== this.connectSeq) return;
    if (!token) {
      this.running = false;
      this.setStatus("unauthorized");
      return;
    }
    this.connectedToken = token;
    const params = new URLSearchParams();
    if (this.lastEventId) params.set("last_event_id", this.lastEventId);
    const query = params.toString();
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(`${this.opts.endpoint ?? defaultEndpoint()}${query ? `?${query}` : ""}`,
        [BEARER_PROTOCOL, token]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      opened = true;
      this.attempt = 0;
      this.authRetries = 0;
      this.failedBeforeOpen = 0;
      this.forcedRefresh = false;
      this.setStatus("open");
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const notification = parseNotification(event.data);
      if (!notification) return;
      if (notification.type === "subscribed") {
        const seconds = Number(notification.payload.heartbeat_seconds);
        this.heartbeatMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
      }
      this.armWatchdog(socket);
      // Control messages (subscribed, heartbeat, resync) carry no id and must not move the resume point.
      if (notification.id) this.lastEventId = notification.id;
      this.dispatch(notification);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearWatchdog();
      void this.handleClose(event.code, opened);
    };
  }

  private async handleClose(code: number, opened: boolean): Promise<void> {
    if (!this.running) return;
    if (!opened && code !== CLOSE_UNAUTHORIZED) this.failedBeforeOpen += 1;
    // A server that refuses the handshake (HTTP 403) shows up as 1006 with no code: after two such failures
    // refresh the token once, in case it is the token that is refused.
    if (this.failedBeforeOpen >= 2 && !this.forcedRefresh) {
      this.forcedRefresh = true;
      try {
        if (!(await this.opts.refreshToken())) {
          this.running = false;
          this.setStatus("unauthorized");
          return;
        }
      } catch {
        // Server unreachable: the backoff below handles it.
      }
    }
    if (code === CLOSE_UNAUTHORIZED) {
      this.authRetries += 1;
      // One immediate refresh-and-reconnect; if the server keeps refusing, fall back to the backoff.
      if (this.authRetries > 1) {
        this.scheduleReconnect();
        return;
      }
      let refreshed = false;
      try {
        // The client may already hold a newer token (refreshed in the background): then just reconnect.
        const current = await this.opts.getToken();
        if (current && current !== this.connectedToken) {
          void this.connect();
          return;
        }
        refreshed = await this.opts.refreshToken();
      } catch {
        this.scheduleReconnect();
        return;
      }
      if (!refreshed) {
        this.running = false;
        this.setStatus("unauthorized");
        return;
      }
      void this.connect();
      return;
    }
    // 4400: the subscription was refused (e.g. a resume point the server no longer understands): start fresh.
    if (code === CLOSE_BAD_REQUEST) this.lastEventId = "";
    this.scheduleReconnect(code === CLOSE_TRY_AGAIN_LATER ? this.opts.tryAgainLaterMinMs : 0);
  }

  private scheduleReconnect(minDelayMs = 0): void {
    if (!this.running) return;
    const delay = Math.max(minDelayMs, backoffDelay(this.attempt, this.opts.backoff, this.opts.random));
    this.attempt += 1;
    this.setStatus("reconnecting");
    this.clearPending();
    this.timer = this.opts.setTimer(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  /** Reopen a connection that went silent for too long (a dead NAT mapping or proxy gives no close event). */
  private armWatchdog(socket: SocketLike): void {
    this.clearWatchdog();
    if (!this.heartbeatMs) return;
    this.watchdog = this.opts.setTimer(() => {
      this.watchdog = null;
      if (this.socket !== socket) return;
      this.socket = null;
      socket.onclose = null;
      socket.close(4000, "heartbeat timeout");
      this.scheduleReconnect();
    }, this.heartbeatMs * this.opts.deadLinkHeartbeats);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== null) this.opts.clearTimer(this.watchdog);
    this.watchdog = null;
  }

  private clearPending(): void {
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.timer = null;
  }

  private dispatch(notification: Notification): void {
    for (const key of [notification.type, "*"]) {
      for (const listener of this.listeners.get(key) ?? []) {
        try {
          listener(notification);
        } catch (error) {
          console.error("notification listener failed", error);
        }
      }
    }
  }

  private setStatus(status: SocketStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
