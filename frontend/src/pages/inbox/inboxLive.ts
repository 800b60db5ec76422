/**
 * What a live notification does to the Inbox's cached pages: a buyer message bumps the conversation's unread
 * count and last message at once (the refetch that follows makes it exact), a reply or a delivery status is
 * appended to or updated in the open thread, an assignment moves the conversation's owner. Pure, so it is tested
 * with a plain QueryClient.
 */
import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import type { InboxApi, InboxConversation, InboxMessage, Page } from "../../api/inbox";
import { str } from "../../api/normalize";
import type { Notification } from "../../realtime/notificationSocket";

export const inboxKeys = {
  all: ["inbox"] as const,
  list: (filter: string, channel: string) => ["inbox", "list", filter, channel] as const,
  thread: (id: string) => ["inbox", "thread", id] as const,
  notes: (id: string) => ["inbox", "notes", id] as const,
  quickReplies: ["inbox", "quickReplies"] as const,
};

export const INBOX_EVENTS = new Set([
  "chatbot_message_received", "chatbot_reply_queued", "chatbot_reply_sent", "chatbot_reply_status", "chatbot_reply_failed",
  "chatbot_conversation_updated", "chatbot_conversation_assigned", "chatbot_handoff_requested",
]);

type ListData = InfiniteData<Page<InboxConversation>, string>;
type ThreadPage = Page<InboxMessage> & { conversation: InboxConversation };
type ThreadData = InfiniteData<ThreadPage, string>;

export function patchConversations(client: QueryClient, matches: (c: InboxConversation) => boolean,
  change: (c: InboxConversation) => InboxConversation): void {
  client.setQueriesData<ListData>({ queryKey: ["inbox", "list"] }, (data) => data && {
    ...data,
    pages: data.pages.map((page) => ({ ...page, items: page.items.map((c) => (matches(c) ? change(c) : c)) })),
  });
}

/** The conversation a notification is about, as the list knows it (by id, else by contact id and channel). */
function concerns(n: Notification): (c: InboxConversation) => boolean {
  const id = str(n.payload.conversation_id);
  const contact = str(n.payload.contact_id);
  const channel = str(n.payload.channel);
  return (c) => (id !== "" && c.id === id) || (contact !== "" && c.contactId === contact && c.channel === channel);
}

function patchThread(client: QueryClient, change: (messages: InboxMessage[]) => InboxMessage[]): void {
  client.setQueriesData<ThreadData>({ queryKey: ["inbox", "thread"] }, (data) => {
    const newest = data?.pages[0];
    if (!data || !newest) return data;
    return { ...data, pages: [{ ...newest, items: change(newest.items) }, ...data.pages.slice(1)] };
  });
}

// Delivery outcomes heard live, by reply id: a page fetched before the chatbot recorded the outcome (both read
// the same event, each at its own pace) still says "sent"; what the socket already told wins over that.
const heardDeliveries = new Map<string, string>();
const HEARD_MAX = 5_000;

// A reply's status only moves forward (sent -> delivered -> read); failed is final unless a retry sends it again.
const STATUS_RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

/** The status to show: a receipt never moves a reply back ("delivered" arriving after "read" keeps "read"). */
export function laterStatus(shown: string, heard: string): string {
  if (heard === "failed" || shown === "failed") return heard;
  return (STATUS_RANK[heard] ?? 0) > (STATUS_RANK[shown] ?? 0) ? heard : shown;
}

export function withHeardDeliveries<P extends Page<InboxMessage>>(page: P): P {
  if (heardDeliveries.size === 0) return page;
  return { ...page, items: page.items.map((m) => {
    const heard = m.direction === "out" ? heardDeliveries.get(m.replyId) : undefined;
    return heard ? { ...m, status: laterStatus(m.status, heard) } : m;
  }) };
}

export function applyInboxNotification(n: Notification, client: QueryClient, openConversationId: string | null,
  refetch: (key: readonly unknown[]) => void): void {
  const match = concerns(n);
  switch (n.type) {
    case "chatbot_message_received":
      patchConversations(client, match, (c) => ({ ...c, unread: c.unread + 1, lastMessage: str(n.payload.text),
        messageCount: c.messageCount + 1, updatedAt: n.ts || c.updatedAt }));
      break;
    case "chatbot_reply_queued":
      patchConversations(client, match, (c) => ({ ...c, lastMessage: str(n.payload.text), updatedAt: n.ts || c.updatedAt }));
      break;
    case "chatbot_reply_sent":  // the channel's API took it: "sent" (only a receipt says delivered or read)
    case "chatbot_reply_status":
    case "chatbot_reply_failed": {
      const replyId = str(n.payload.reply_id);
      const heard = n.type === "chatbot_reply_failed" ? "failed"
        : n.type === "chatbot_reply_sent" ? "sent" : str(n.payload.status, "delivered");
      if (heardDeliveries.size >= HEARD_MAX) heardDeliveries.clear();
      const status = laterStatus(heardDeliveries.get(replyId) ?? "", heard);
      heardDeliveries.set(replyId, status);
      patchThread(client, (messages) => messages.map((m) => (m.replyId === replyId
        ? { ...m, status: laterStatus(m.status, status) } : m)));
      return;
    }
    case "chatbot_conversation_assigned":
      patchConversations(client, match, (c) => ({ ...c, assigneeId: str(n.payload.assignee_id),
        assigneeName: str(n.payload.assignee_name) }));
      break;
    case "chatbot_conversation_updated":
      patchConversations(client, match, (c) => ({ ...c, handoffState: str(n.payload.handoff_state, c.handoffState),
        stage: str(n.payload.stage, c.stage), lastIntent: str(n.payload.intent, c.lastIntent) }));
      break;
    default:
      break;
  }
  refetch(["inbox", "list"]);
  if (openConversationId && n.type !== "chatbot_conversation_assigned") {
    const open = client.getQueryData<ThreadData>(inboxKeys.thread(openConversationId))?.pages[0]?.conversation;
    if (!open || match(open) || str(n.payload.conversation_id) === openConversationId) {
      refetch(inboxKeys.thread(openConversationId));
    }
  }
}

/**
 * Put a freshly fetched newest page in front of the cached pages, dropping its rows from the older pages, so a
 * live update costs one request however many pages the agent has scrolled through (an invalidation would
 * refetch every page: 100 for 10,000 conversations).
 */
export function mergeNewestPage<T extends { id: string }, P extends Page<T>>(client: QueryClient,
  key: readonly unknown[], fresh: P): void {
  client.setQueryData<InfiniteData<P, string>>(key, (data) => {
    if (!data) return data;
    const seen = new Set(fresh.items.map((item) => item.id));
    const older = data.pages.map((page) => ({ ...page, items: page.items.filter((item) => !seen.has(item.id)) }));
    const [first, ...rest] = older;
    // The old first page keeps what is older than the fresh page; its rows now follow the fresh ones.
    const pages = first && first.items.length > 0 ? [fresh, first, ...rest] : [fresh, ...rest];
    const params = first && first.items.length > 0 ? ["", ...data.pageParams] : data.pageParams;
    return { pages, pageParams: params };
  });
}

const newestRequests = new WeakMap<QueryClient, Map<string, { started: number; applied: number }>>();

/**
 * Fetch a list's or thread's newest page and merge it (see mergeNewestPage), in the order the fetches were
 * started: a slow response that was asked for before a newer one has been merged is dropped, so an update asked
 * for before a take-over cannot overwrite the conversation's state after it.
 */
export function refreshNewestPage<T extends { id: string }, P extends Page<T>>(client: QueryClient,
  key: readonly unknown[], load: () => Promise<P>): Promise<void> {
  const perClient = newestRequests.get(client) ?? new Map<string, { started: number; applied: number }>();
  newestRequests.set(client, perClient);
  const id = JSON.stringify(key);
  const order = perClient.get(id) ?? { started: 0, applied: 0 };
  perClient.set(id, order);
  const sequence = ++order.started;
  return load().then((fresh) => {
    if (sequence < order.applied) return;
    order.applied = sequence;
    mergeNewestPage(client, key, fresh);
  }).catch(() => undefined);
}

/** The open thread's newest page, with the deliveries heard on the socket, merged in request order. */
export function refreshThread(client: QueryClient, inbox: Pick<InboxApi, "messages">, id: string): Promise<void> {
  return refreshNewestPage(client, inboxKeys.thread(id), async () => withHeardDeliveries(await inbox.messages(id)));
}

/** Runs `fn` at once, then at most once per `ms` (the last call of a burst is not lost). */
export function throttle(fn: () => void, ms: number,
  setTimer: (f: () => void, t: number) => unknown = (f, t) => globalThis.setTimeout(f, t)) {
  let last = -Infinity;
  let pending = false;
  return () => {
    const since = Date.now() - last;
    if (since >= ms) {
      last = Date.now();
      fn();
      return;
    }
    if (pending) return;
    pending = true;
    setTimer(() => { pending = false; last = Date.now(); fn(); }, ms - since);
  };
}

/** A handoff while the page is in the background: a browser notification, when the member allowed them. */
export function notifyHandoff(n: Notification): void {
  if (n.type !== "chatbot_handoff_requested" || typeof window.Notification === "undefined") return;
  if (window.Notification.permission !== "granted" || document.visibilityState === "visible") return;
  const who = str(n.payload.contact_id);
  new window.Notification("Seller Bot: cliente aguardando atendente", {
    body: `${who}: ${str(n.payload.reason)}`, tag: `handoff-${who}`,
  });
}
