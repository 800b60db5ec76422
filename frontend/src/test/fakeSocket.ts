/** Fake WebSockets and a manual timer queue for the reconnect tests. */
import { BEARER_PROTOCOL, type SocketLike } from "../realtime/notificationSocket";

export class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  closedByClient: number | null = null;
  constructor(readonly url: string, readonly protocols: string[] = []) {}
  /** The token offered after the `bearer` protocol. */
  get token(): string | null {
    const at = this.protocols.indexOf(BEARER_PROTOCOL);
    return at >= 0 ? this.protocols[at + 1] ?? null : null;
  }
  get lastEventId(): string | null { return new URL(this.url).searchParams.get("last_event_id"); }
  open() { this.onopen?.({}); }
  send(message: unknown) { this.onmessage?.({ data: JSON.stringify(message) }); }
  serverClose(code: number) { this.onclose?.({ code }); }
  close(code = 1000) { this.closedByClient = code; }
}

export function socketFactory() {
  const sockets: FakeSocket[] = [];
  return { sockets, create: (url: string, protocols: string[]) => {
    const s = new FakeSocket(url, protocols); sockets.push(s); return s;
  } };
}

export class ManualTimers {
  private queue: { id: number; fn: () => void; ms: number }[] = [];
  private next = 1;
  readonly delays: number[] = [];
  set = (fn: () => void, ms: number) => { const id = this.next++; this.queue.push({ id, fn, ms }); this.delays.push(ms); return id; };
  clear = (id: unknown) => { this.queue = this.queue.filter((t) => t.id !== id); };
  get pending(): number { return this.queue.length; }
  runNext() { const t = this.queue.shift(); t?.fn(); return t?.ms; }
}

/** Lets pending promise callbacks (token fetch, refresh) run. */
export const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
