/** A fake gateway for tests: routes `METHOD /path` to handlers and records every call with its headers. */
import { ApiClient } from "../api/client";
import { Session, memorySessionStorage } from "../api/tokens";

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export type Handler = (call: Call) => { status?: number; body?: unknown; headers?: Record<string, string> } | unknown;

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status, headers: { "Content-Type": "application/json", ...headers },
  });
}

export function fakeFetch(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://dashboard.test");
    const method = (init?.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    let body: unknown = init?.body ?? null;
    if (typeof body === "string" && headers["Content-Type"] === "application/json") body = JSON.parse(body);
    const call: Call = { method, path: url.pathname, query: url.searchParams, headers, body };
    calls.push(call);
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return jsonResponse(404, { error: "not_found", detail: `no route ${method} ${url.pathname}` });
    const out = handler(call);
    if (out instanceof Response) return out;
    // `{status: <number>, body}` is a response description; API objects have string statuses.
    if (out && typeof out === "object" && typeof (out as { status?: unknown }).status === "number" && "body" in (out as object)) {
      const r = out as { status: number; body?: unknown; headers?: Record<string, string> };
      return jsonResponse(r.status, r.body, r.headers);
    }
    return jsonResponse(200, out);
  }) as typeof fetch;
  return { fetchImpl, calls };
}

export function makeToken(expSeconds: number, sub = "user-1"): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, exp: expSeconds, typ: "access" })}.signature`;
}

export function testClient(routes: Record<string, Handler>, session: Session | null = {
  accessToken: "access-1", refreshToken: "refresh-1", expiresAt: Date.now() + 15 * 60_000,
}) {
  const { fetchImpl, calls } = fakeFetch(routes);
  const storage = memorySessionStorage(session);
  const api = new ApiClient({ storage, fetchImpl, setTimer: () => 0, clearTimer: () => undefined });
  return { api, calls, storage };
}
