import { describe, expect, it, vi } from "vitest";
import { backoffDelay } from "./backoff";
import { CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHORIZED, Notification, NotificationSocket, SocketStatus } from "./notificationSocket";
import { ManualTimers, flush, socketFactory } from "../test/fakeSocket";

function setup(options: { token?: () => string | null; refresh?: () => Promise<boolean> } = {}) {
  const factory = socketFactory();
  const timers = new ManualTimers();
  let token = "t1";
  const refreshToken = vi.fn(options.refresh ?? (async () => { token = `t${Number(token.slice(1)) + 1}`; return true; }));
  const socket = new NotificationSocket({
    getToken: async () => (options.token ? options.token() : token),
    refreshToken,
    createSocket: factory.create,
    endpoint: "ws://gateway.test/ws/notifications",
    random: () => 0.5,
    setTimer: timers.set,
    clearTimer: timers.clear,
  });
  const statuses: SocketStatus[] = [];
  socket.onStatus((s) => statuses.push(s));
  return { socket, sockets: factory.sockets, timers, refreshToken, statuses };
}

describe("backoffDelay", () => {
  it("doubles per attempt with jitter between half and the full step, capped", () => {
    const policy = { baseMs: 1_000, maxMs: 30_000 };
    expect(backoffDelay(0, policy, () => 0)).toBe(500);
    expect(backoffDelay(0, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(3, policy, () => 1)).toBe(8_000);
    expect(backoffDelay(10, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(10, policy, () => 0)).toBe(15_000);
  });
});

describe("NotificationSocket", () => {
  it("connects with the access token and dispatches notifications by type", async () => {
    const { socket, sockets } = setup();
    const got: Notification[] = [];
    socket.subscribe("bot_task_completed", (n) => got.push(n));
    const all: string[] = [];
    socket.subscribe("*", (n) => all.push(n.type));
    socket.start();
    await flush();
    // The token is a WebSocket protocol, never in the URL (which access logs keep).
    expect(sockets[0]?.url).toBe("ws://gateway.test/ws/notifications");
    expect(sockets[0]?.protocols).toEqual(["bearer", "t1"]);
    sockets[0]?.open();
    expect(socket.isConnected).toBe(true);
    sockets[0]?.send({ id: "e1", type: "bot_task_completed", payload: { task_id: "42" }, ts: "2026-11-25T10:00:00Z" });
    sockets[0]?.send({ id: "e2", type: "bot_worker_started", payload: {}, ts: "" });
    sockets[0]?.onmessage?.({ data: "not json" });
    expect(got.map((n) => n.payload.task_id)).toEqual(["42"]);
    expect(all).toEqual(["bot_task_completed", "bot_worker_started"]);
  });

  it("reconnects with growing backoff and resumes from the last event id", async () => {
    const { socket, sockets, timers, statuses } = setup();
    socket.start();
    await flush();
    sockets[0]?.open();
    sockets[0]?.send({ id: "evt-7", type: "bot_task_started", payload: {}, ts: "" });
    sockets[0]?.serverClose(1006);
    sockets[0]?.serverClose(1006); // a duplicate close of an old socket is ignored
    expect(statuses.at(-1)).toBe("reconnecting");
    expect(timers.pending).toBe(1);
    timers.runNext();
    await flush();
    expect(sockets[1]?.lastEventId).toBe("evt-7");
    sockets[1]?.serverClose(1006);
    timers.runNext();
    await flush();
    sockets[2]?.serverClose(1006);
    await flush(); await flush(); // two failed handshakes also trigger one token refresh first
    // With random = 0.5: 75% of 1 s, 2 s, 4 s.
    expect(timers.delays).toEqual([750, 1_500, 3_000]);
    timers.runNext();
    await flush();
    sockets[3]?.open();
    sockets[3]?.serverClose(1011);
    await flush();
    expect(timers.delays.at(-1)).toBe(750); // a successful open resets the backoff
  });

  it("refreshes the token and reconnects at once when closed with 4401", async () => {
    const { socket, sockets, timers, refreshToken } = setup();
    socket.start();
    await flush();
    sockets[0]?.open();
    sockets[0]?.serverClose(CLOSE_UNAUTHORIZED);
    await flush();
    await flush();
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(timers.pending).toBe(0);
    expect(sockets[1]?.token).toBe("t2");
  });

  it("backs off instead of looping when 4401 repeats right after a refresh", async () => {
    const { socket, sockets, timers, refreshToken } = setup();
    socket.start();
    await flush();
    sockets[0]?.serverClose(CLOSE_UNAUTHORIZED);
    await flush(); await flush();
    sockets[1]?.serverClose(CLOSE_UNAUTHORIZED);
    await flush();
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(timers.pending).toBe(1);
  });

  it("stops as unauthorized when the session cannot be refreshed", async () => {
    const { socket, sockets, timers, statuses } = setup({ refresh: async () => false });
    socket.start();
    await flush();
    sockets[0]?.open();
    sockets[0]?.serverClose(CLOSE_UNAUTHORIZED);
    await flush(); await flush();
    expect(statuses.at(-1)).toBe("unauthorized");
    expect(timers.pending).toBe(0);
    expect(sockets).toHaveLength(1);
  });

  it("waits at least 5 s when the notification service is unavailable (1013)", async () => {
    const { socket, sockets, timers } = setup();
    socket.start();
    await flush();
    sockets[0]?.open();
    sockets[0]?.serverClose(CLOSE_TRY_AGAIN_LATER);
    expect(timers.delays).toEqual([5_000]);
  });

  it("refreshes the token once after two refused handshakes (closed before open)", async () => {
    const { socket, sockets, timers, refreshToken } = setup();
    socket.start();
    await flush();
    sockets[0]?.serverClose(1006);
    await flush();
    expect(refreshToken).not.toHaveBeenCalled();
    timers.runNext();
    await flush();
    sockets[1]?.serverClose(1006);
    await flush(); await flush();
    expect(refreshToken).toHaveBeenCalledTimes(1);
    timers.runNext();
    await flush();
    sockets[2]?.serverClose(1006);
    await flush();
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(sockets[2]?.token).toBe("t2");
  });

  it("does not connect without a token, and stop() closes and cancels the pending reconnect", async () => {
    const noToken = setup({ token: () => null });
    noToken.socket.start();
    await flush();
    expect(noToken.sockets).toHaveLength(0);
    expect(noToken.socket.status).toBe("unauthorized");

    const { socket, sockets, timers } = setup();
    socket.start();
    await flush();
    sockets[0]?.serverClose(1006);
    expect(timers.pending).toBe(1);
    socket.stop();
    expect(timers.pending).toBe(0);
    expect(socket.status).toBe("stopped");
  });

  it("reconnectNow skips the remaining backoff", async () => {
    const { socket, sockets, timers } = setup();
    socket.start();
    await flush();
    sockets[0]?.serverClose(1006);
    expect(timers.pending).toBe(1);
    socket.reconnectNow();
    await flush();
    expect(timers.pending).toBe(0);
    expect(sockets).toHaveLength(2);
  });

  it("reopens a link that stays silent for 2.5 heartbeat periods, and keeps the resume point", async () => {
    const { socket, sockets, timers } = setup();
    socket.start();
    await flush();
    sockets[0]?.open();
    sockets[0]?.send({ id: null, type: "subscribed", payload: { heartbeat_seconds: 20 }, ts: "" });
    sockets[0]?.send({ id: "41", type: "bot_task_started", payload: {}, ts: "" });
    sockets[0]?.send({ id: null, type: "heartbeat", payload: {}, ts: "" });
    expect(socket.resumeFrom).toBe("41");
    expect(timers.pending).toBe(1); // only the latest watchdog is armed
    expect(timers.runNext()).toBe(50_000);
    expect(sockets[0]?.closedByClient).toBe(4000);
    expect(socket.status).toBe("reconnecting");
    timers.runNext();
    await flush();
    expect(sockets[1]?.lastEventId).toBe("41");
  });

  it("drops the resume point when the server refuses the subscription (4400)", async () => {
    const { socket, sockets, timers } = setup();
    socket.start();
    await flush();
    sockets[0]?.open();
    sockets[0]?.send({ id: "99", type: "bot_task_started", payload: {}, ts: "" });
    sockets[0]?.serverClose(4400);
    await flush();
    timers.runNext();
    await flush();
    expect(sockets[1]?.lastEventId).toBeNull();
  });

  it("opens one socket when stopped and started again before the token arrived (React StrictMode)", async () => {
    const { socket, sockets } = setup();
    socket.start();
    socket.stop();
    socket.start();
    await flush();
    expect(sockets).toHaveLength(1);
  });

  it("reconnects with the newer token without another refresh when one was refreshed in the background", async () => {
    let token = "t1";
    const factory = socketFactory();
    const refreshToken = vi.fn(async () => true);
    const socket = new NotificationSocket({
      getToken: async () => token, refreshToken, createSocket: factory.create, endpoint: "ws://g/ws/notifications",
      setTimer: () => 0, clearTimer: () => undefined,
    });
    socket.start();
    await flush();
    factory.sockets[0]?.open();
    token = "t2"; // the ApiClient's timer refreshed the session meanwhile
    factory.sockets[0]?.serverClose(CLOSE_UNAUTHORIZED);
    await flush(); await flush();
    expect(refreshToken).not.toHaveBeenCalled();
    expect(factory.sockets[1]?.token).toBe("t2");
  });
});
