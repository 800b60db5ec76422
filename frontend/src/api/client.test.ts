import { describe, expect, it, vi } from "vitest";
import { ApiClient } from "./client";
import { ApiError } from "./errors";
import { memorySessionStorage, sessionFromTokenPair, jwtExpiry } from "./tokens";
import { fakeFetch, makeToken, testClient } from "../test/fakeApi";

const pair = (n: number, expiresIn = 900) => ({
  access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "bearer", expires_in: expiresIn,
});

describe("ApiClient login", () => {
  it("stores the token pair from POST /auth/login and sends the bearer token afterwards", async () => {
    const { api, calls, storage } = testClient({
      "POST /auth/login": () => pair(1),
      "GET /bot/tasks": () => [],
    }, null);
    await api.login("seller@loja.com", "segredo123");
    expect(calls[0]?.body).toEqual({ email: "seller@loja.com", password: "segredo123" });
    expect(storage.load()?.refreshToken).toBe("refresh-1");
    await api.get("/bot/tasks");
    expect(calls[1]?.headers.Authorization).toBe("Bearer access-1");
  });

  it("shows the gateway's JSON error body for a wrong password", async () => {
    const { api } = testClient({
      "POST /auth/login": () => ({ status: 401, body: { error: "unauthorized", detail: "incorrect e-mail or password" } }),
    }, null);
    const error = await api.login("a@b.c", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).detail).toBe("incorrect e-mail or password");
    expect(api.isAuthenticated).toBe(false);
  });
});

describe("ApiClient token refresh", () => {
  it("refreshes before a request when the access token expires within the margin", async () => {
    const { api, calls } = testClient({
      "POST /auth/refresh": () => pair(2),
      "GET /bot/stats": () => ({ total_tasks: 1 }),
    }, { accessToken: "access-1", refreshToken: "refresh-1", expiresAt: Date.now() + 30_000 });
    await api.get("/bot/stats");
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["POST /auth/refresh", "GET /bot/stats"]);
    expect(calls[0]?.body).toEqual({ refresh_token: "refresh-1" });
    expect(calls[1]?.headers.Authorization).toBe("Bearer access-2");
  });

  it("refreshes once and retries when the server answers 401", async () => {
    let first = true;
    const { api, calls } = testClient({
      "POST /auth/refresh": () => pair(2),
      "GET /bot/profiles": (call) => {
        if (first && call.headers.Authorization === "Bearer access-1") {
          first = false;
          return { status: 401, body: { error: "unauthorized", detail: "token expired" } };
        }
        return [{ id: "p1" }];
      },
    });
    await expect(api.get("/bot/profiles")).resolves.toEqual([{ id: "p1" }]);
    expect(calls.map((c) => c.headers.Authorization ?? c.path)).toEqual(["Bearer access-1", "/auth/refresh", "Bearer access-2"]);
  });

  it("shares one refresh between concurrent requests", async () => {
    let refreshes = 0;
    const { api } = testClient({
      "POST /auth/refresh": () => { refreshes += 1; return pair(2); },
      "GET /bot/tasks": () => [],
    }, { accessToken: "access-1", refreshToken: "refresh-1", expiresAt: Date.now() - 1 });
    await Promise.all([api.get("/bot/tasks"), api.get("/bot/tasks"), api.get("/bot/tasks")]);
    expect(refreshes).toBe(1);
  });

  it("ends the session when the refresh token is refused", async () => {
    const { api, storage } = testClient({
      "POST /auth/refresh": () => ({ status: 401, body: { error: "unauthorized", detail: "token expired" } }),
      "GET /bot/tasks": () => ({ status: 401, body: { error: "unauthorized", detail: "token expired" } }),
    });
    const reasons: string[] = [];
    api.onSessionChange((_s, reason) => reasons.push(reason));
    await expect(api.get("/bot/tasks")).rejects.toMatchObject({ status: 401 });
    expect(api.isAuthenticated).toBe(false);
    expect(storage.load()).toBeNull();
    expect(reasons).toEqual(["expired"]);
  });

  it("keeps the session when the refresh fails on the network and the token is still valid", async () => {
    let refreshCalls = 0;
    const { fetchImpl } = fakeFetch({ "GET /bot/tasks": () => [] });
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes("/auth/refresh")) { refreshCalls += 1; throw new TypeError("Failed to fetch"); }
      return fetchImpl(input, init);
    }) as typeof fetch;
    const api = new ApiClient({
      storage: memorySessionStorage({ accessToken: "a", refreshToken: "r", expiresAt: Date.now() + 20_000 }),
      fetchImpl: flaky, setTimer: () => 0, clearTimer: () => undefined,
    });
    await expect(api.get("/bot/tasks")).resolves.toEqual([]);
    expect(refreshCalls).toBe(1);
    expect(api.isAuthenticated).toBe(true);
  });

  it("schedules a background refresh one margin before expiry", async () => {
    vi.useFakeTimers();
    try {
      const { fetchImpl, calls } = fakeFetch({ "POST /auth/refresh": () => pair(2) });
      const api = new ApiClient({
        storage: memorySessionStorage({ accessToken: "a", refreshToken: "r", expiresAt: Date.now() + 5 * 60_000 }),
        fetchImpl, refreshMarginMs: 60_000,
      });
      await vi.advanceTimersByTimeAsync(4 * 60_000 - 1_000);
      expect(calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(calls.map((c) => c.path)).toEqual(["/auth/refresh"]);
      expect(api.currentSession?.accessToken).toBe("access-2");
      api.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("ApiClient short-lived tokens", () => {
  it("refreshes a 1-minute token after 45 s instead of all the time", async () => {
    vi.useFakeTimers();
    try {
      let n = 1;
      const { fetchImpl, calls } = fakeFetch({ "POST /auth/refresh": () => pair(++n, 60) });
      const login = fakeFetch({ "POST /auth/login": () => pair(1, 60) });
      const loginApi = new ApiClient({ storage: memorySessionStorage(null), fetchImpl: login.fetchImpl, setTimer: () => 0, clearTimer: () => undefined });
      const session = await loginApi.login("a@b.c", "x");
      expect(session.expiresAt - (session.issuedAt ?? 0)).toBe(60_000);
      // Adopt that session in a client with real (fake) timers.
      const storage = memorySessionStorage(session);
      const live = new ApiClient({ storage, fetchImpl });
      await vi.advanceTimersByTimeAsync(44_000);
      expect(calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(45_500);
      expect(calls).toHaveLength(2);
      expect(live.currentSession?.accessToken).toBe("access-3");
      live.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("ApiClient errors and bodies", () => {
  it("turns a 422 into field errors and a 429 into retry_after", async () => {
    const { api } = testClient({
      "POST /bot/tasks": () => ({ status: 422, body: {
        error: "validation_error", detail: "config.max_replies: must be >= 1",
        fields: [{ field: "config.max_replies", message: "must be >= 1" }],
      } }),
      "GET /bot/stats": () => ({ status: 429, body: { error: "rate_limited", detail: "too many requests", retry_after: 12 }, headers: { "Retry-After": "12" } }),
    });
    const invalid = (await api.post("/bot/tasks", {}).catch((e: unknown) => e)) as ApiError;
    expect(invalid.title).toBe("Dados inválidos");
    expect(invalid.fields).toEqual([{ field: "config.max_replies", message: "must be >= 1" }]);
    const limited = (await api.get("/bot/stats").catch((e: unknown) => e)) as ApiError;
    expect(limited.retryAfter).toBe(12);
  });

  it("sends CSV as text/csv and encodes query parameters", async () => {
    const { api, calls } = testClient({
      "POST /seller-bot/products/import": () => ({ imported: 1 }),
      "GET /seller-bot/stats": () => ({}),
    });
    await api.post("/seller-bot/products/import", undefined, { rawBody: "sku,name\nA,B", contentType: "text/csv" });
    expect(calls[0]?.headers["Content-Type"]).toBe("text/csv");
    expect(calls[0]?.body).toBe("sku,name\nA,B");
    await api.get("/seller-bot/stats", { query: { period: "7d", channel: "" } });
    expect(calls[1]?.query.toString()).toBe("period=7d");
  });

  it("reports an unreachable server as network_error", async () => {
    const api = new ApiClient({
      storage: memorySessionStorage(null), setTimer: () => 0, clearTimer: () => undefined,
      fetchImpl: (async () => { throw new TypeError("Failed to fetch"); }) as typeof fetch,
    });
    await expect(api.login("a@b.c", "x")).rejects.toMatchObject({ status: 0, error: "network_error" });
  });
});

describe("tokens", () => {
  it("uses expires_in, or the JWT exp claim when it is missing", () => {
    expect(sessionFromTokenPair(pair(1, 60), 1_000).expiresAt).toBe(61_000);
    const token = makeToken(2_000_000_000);
    expect(jwtExpiry(token)).toBe(2_000_000_000_000);
    expect(sessionFromTokenPair({ access_token: token, refresh_token: "r" }, 0).expiresAt).toBe(2_000_000_000_000);
  });
});
