import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { toInboxConversation, toInboxMessage } from "../../api/inbox";
import { applyInboxNotification, inboxKeys, mergeNewestPage, refreshNewestPage, throttle, withHeardDeliveries } from "./inboxLive";

const note = (type: string, payload: Record<string, unknown>) => ({ id: "1", type, payload, ts: "2026-12-03T10:00:00Z" });

function seeded() {
  const client = new QueryClient();
  const conversation = toInboxConversation({ id: "c1", contact_id: "whatsapp:55", channel: "whatsapp", unread: 0,
    handoff_state: "human", last_message: "oi" });
  client.setQueryData(inboxKeys.list("all", ""), { pages: [{ items: [conversation], nextCursor: "" }], pageParams: [""] });
  client.setQueryData(inboxKeys.thread("c1"), { pageParams: [""], pages: [{ nextCursor: "", conversation,
    items: [toInboxMessage({ id: "m1", direction: "out", author: "human", reply_id: "human:1", status: "sent", text: "Olá" })] }] });
  return client;
}

type ListData = { pages: { items: { unread: number; lastMessage: string; assigneeName: string }[] }[] };
type ThreadData = { pages: { items: { status: string }[] }[] };

describe("applyInboxNotification", () => {
  it("counts a buyer message as unread at once and refetches the open thread", () => {
    const client = seeded();
    const refetch = vi.fn();
    applyInboxNotification(note("chatbot_message_received", { contact_id: "whatsapp:55", channel: "whatsapp",
      text: "tem M?" }), client, "c1", refetch);
    const row = client.getQueryData<ListData>(inboxKeys.list("all", ""))?.pages[0]?.items[0];
    expect(row).toMatchObject({ unread: 1, lastMessage: "tem M?" });
    expect(refetch).toHaveBeenCalledWith(["inbox", "list"]);
    expect(refetch).toHaveBeenCalledWith(inboxKeys.thread("c1"));
  });

  it("marks a reply delivered or failed in the open thread without a refetch", () => {
    const client = seeded();
    const refetch = vi.fn();
    applyInboxNotification(note("chatbot_reply_failed", { reply_id: "human:1", error: "blocked" }), client, "c1", refetch);
    expect(client.getQueryData<ThreadData>(inboxKeys.thread("c1"))?.pages[0]?.items[0]?.status).toBe("failed");
    expect(refetch).not.toHaveBeenCalled();
  });

  it("shows sent, then the receipts' delivered and read, and never moves a reply back", () => {
    const client = seeded();
    client.setQueryData(inboxKeys.thread("c1"), { pageParams: [""], pages: [{ nextCursor: "", conversation: null,
      items: [toInboxMessage({ id: "m2", direction: "out", author: "bot", reply_id: "reply:2", status: "sent", text: "Oi" })] }] });
    const status = () => client.getQueryData<ThreadData>(inboxKeys.thread("c1"))?.pages[0]?.items[0]?.status;
    const hear = (type: string, payload: Record<string, unknown> = {}) =>
      applyInboxNotification(note(type, { reply_id: "reply:2", ...payload }), client, "c1", vi.fn());
    hear("chatbot_reply_sent");
    expect(status()).toBe("sent");  // the API took it: not yet delivered
    hear("chatbot_reply_status", { status: "read" });
    expect(status()).toBe("read");
    hear("chatbot_reply_status", { status: "delivered" });  // a late receipt
    hear("chatbot_reply_sent");
    expect(status()).toBe("read");
    // A page fetched before the receipt still says sent: what the socket told wins.
    const stale = withHeardDeliveries({ nextCursor: "", items: [toInboxMessage({ id: "m2", direction: "out",
      author: "bot", reply_id: "reply:2", status: "delivered", text: "Oi" })] });
    expect(stale.items[0]?.status).toBe("read");
  });

  it("moves the assignee and leaves another contact's thread alone", () => {
    const client = seeded();
    const refetch = vi.fn();
    applyInboxNotification(note("chatbot_conversation_assigned", { conversation_id: "c1", assignee_id: "u2",
      assignee_name: "bia@loja.test" }), client, "c1", refetch);
    expect(client.getQueryData<ListData>(inboxKeys.list("all", ""))?.pages[0]?.items[0]?.assigneeName).toBe("bia@loja.test");
    applyInboxNotification(note("chatbot_message_received", { contact_id: "whatsapp:77", channel: "whatsapp", text: "x" }),
      client, "c1", refetch);
    expect(refetch).not.toHaveBeenCalledWith(inboxKeys.thread("c1"));
  });
});

describe("mergeNewestPage", () => {
  it("puts the fresh page first and drops its rows from the pages already loaded (one request per update)", () => {
    const client = new QueryClient();
    const key = inboxKeys.list("all", "");
    const row = (id: string) => ({ id });
    client.setQueryData(key, { pageParams: ["", "c2"], pages: [
      { items: [row("a"), row("b")], nextCursor: "c2" }, { items: [row("c"), row("d")], nextCursor: "" }] });
    mergeNewestPage(client, key, { items: [row("c"), row("a")], nextCursor: "x" });
    const data = client.getQueryData<{ pages: { items: { id: string }[] }[] }>(key);
    expect(data?.pages.map((p) => p.items.map((i) => i.id))).toEqual([["c", "a"], ["b"], ["d"]]);
  });
});

describe("refreshNewestPage", () => {
  it("drops a response asked for before a newer one that was already merged (no stale state after a take-over)", async () => {
    const client = new QueryClient();
    const key = inboxKeys.thread("c1");
    client.setQueryData(key, { pageParams: [""], pages: [{ items: [{ id: "m1", state: "bot" }], nextCursor: "" }] });
    type StatePage = { items: { id: string; state: string }[]; nextCursor: string };
    let answerOld: (page: StatePage) => void = () => undefined;
    const old = refreshNewestPage(client, key, () => new Promise<StatePage>((resolve) => { answerOld = resolve; }));
    await refreshNewestPage(client, key, async () => ({ items: [{ id: "m1", state: "waiting_human" }], nextCursor: "" }));
    answerOld({ items: [{ id: "m1", state: "bot" }], nextCursor: "" });
    await old;
    const data = client.getQueryData<{ pages: { items: { state: string }[] }[] }>(key);
    expect(data?.pages[0]?.items[0]?.state).toBe("waiting_human");
    await refreshNewestPage(client, key, async () => ({ items: [{ id: "m1", state: "bot" }], nextCursor: "" }));
    expect(client.getQueryData<{ pages: { items: { state: string }[] }[] }>(key)?.pages[0]?.items[0]?.state).toBe("bot");
  });
});

describe("throttle", () => {
  it("runs at once, then once more after the window for a burst", () => {
    const timers: (() => void)[] = [];
    const fn = vi.fn();
    const run = throttle(fn, 2_000, (f) => { timers.push(f); return 0; });
    run(); run(); run();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(timers).toHaveLength(1);
    timers[0]?.();
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe("withHeardDeliveries", () => {
  it("keeps a delivery heard on the socket when a page fetched earlier still says sent", () => {
    applyInboxNotification(note("chatbot_reply_status", { reply_id: "human:early", status: "delivered" }),
      new QueryClient(), null, vi.fn());
    const page = { nextCursor: "", items: [toInboxMessage({ id: "m9", direction: "out", author: "human",
      reply_id: "human:early", status: "sent" })] };
    expect(withHeardDeliveries(page).items[0]?.status).toBe("delivered");
  });
});
