/** The human inbox's routes (gateway api/routes/inbox.py): pages of conversations and messages, replies, notes,
 * assignment and quick replies, read into the shapes the Inbox view uses. */
import type { ApiClient } from "./client";
import { Json, list, num, obj, optDate, str, strList } from "./normalize";

const enc = encodeURIComponent;

export type InboxFilter = "all" | "waiting" | "mine";

export interface InboxConversation {
  id: string;
  contactId: string;
  channel: string;
  contactName: string;
  lastMessage: string;
  lastIntent: string;
  stage: string;
  handoffState: string;
  handoffReason: string;
  messageCount: number;
  unread: number;
  assigneeId: string;
  assigneeName: string;
  converted: boolean;
  updatedAt: string | null;
  /** false: an agent's reply cannot be delivered on this conversation's channel (TikTok Shop, the API channel).
   * Absent in the API (older gateway) reads as true: the server refuses what it cannot send anyway. */
  canReply: boolean;
}

export interface InboxMessage {
  id: string;
  direction: "in" | "out";
  author: "buyer" | "bot" | "human";
  authorId: string;
  authorName: string;
  text: string;
  intent: string;
  confidence: number;
  status: string;
  replyId: string;
  createdAt: string | null;
}

export interface InboxNote {
  id: string;
  authorId: string;
  authorName: string;
  text: string;
  createdAt: string | null;
}

export interface QuickReply {
  id: string;
  shortcut: string;
  text: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string;
}

export function toInboxConversation(raw: unknown): InboxConversation {
  const c = obj(raw);
  return {
    id: str(c.id), contactId: str(c.contact_id), channel: str(c.channel), contactName: str(c.contact_name),
    lastMessage: str(c.last_message), lastIntent: str(c.last_intent), stage: str(c.stage),
    handoffState: str(c.handoff_state, "bot") || "bot", handoffReason: str(c.handoff_reason),
    messageCount: num(c.message_count), unread: num(c.unread), assigneeId: str(c.assignee_id),
    assigneeName: str(c.assignee_name), converted: c.converted === true, updatedAt: optDate(c.updated_at),
    canReply: c.can_reply !== false,
  };
}

export function toInboxMessage(raw: unknown): InboxMessage {
  const m = obj(raw);
  const author = str(m.author);
  return {
    id: str(m.id), direction: str(m.direction) === "in" ? "in" : "out",
    author: author === "buyer" || author === "human" ? author : "bot", authorId: str(m.author_id),
    authorName: str(m.author_name), text: str(m.text), intent: str(m.intent), confidence: num(m.confidence),
    status: str(m.status), replyId: str(m.reply_id), createdAt: optDate(m.created_at),
  };
}

function toNote(raw: unknown): InboxNote {
  const n = obj(raw);
  return { id: str(n.id), authorId: str(n.author_id), authorName: str(n.author_name), text: str(n.text),
    createdAt: optDate(n.created_at) };
}

function toQuickReply(raw: unknown): QuickReply {
  const q = obj(raw);
  return { id: str(q.id), shortcut: str(q.shortcut), text: str(q.text) };
}

export function inboxApi(api: ApiClient) {
  return {
    conversations: async (filter: InboxFilter, channel: string, cursor = "", limit = 100): Promise<Page<InboxConversation>> => {
      const page = obj(await api.get("/seller-bot/inbox", { query: { filter, channel, cursor, limit } }));
      return { items: list(page.conversations).map(toInboxConversation), nextCursor: str(page.next_cursor) };
    },
    messages: async (id: string, cursor = "", limit = 100) => {
      const page = obj(await api.get(`/seller-bot/conversations/${enc(id)}/messages`, { query: { cursor, limit } }));
      return { items: list(page.messages).map(toInboxMessage), nextCursor: str(page.next_cursor),
        conversation: toInboxConversation(page.conversation) };
    },
    reply: async (id: string, text: string) =>
      toInboxMessage(await api.post(`/seller-bot/conversations/${enc(id)}/messages`, { text })),
    assign: async (id: string, userId: string) =>
      toInboxConversation(await api.post(`/seller-bot/conversations/${enc(id)}/assign`, { user_id: userId })),
    markRead: async (id: string) => toInboxConversation(await api.post(`/seller-bot/conversations/${enc(id)}/read`)),
    notes: async (id: string) => list(await api.get(`/seller-bot/conversations/${enc(id)}/notes`)).map(toNote),
    addNote: async (id: string, text: string) =>
      toNote(await api.post(`/seller-bot/conversations/${enc(id)}/notes`, { text })),
    quickReplies: async () => list(await api.get("/seller-bot/quick-replies")).map(toQuickReply),
    saveQuickReply: async (input: { id?: string; shortcut: string; text: string }) => toQuickReply(input.id
      ? await api.put(`/seller-bot/quick-replies/${enc(input.id)}`, { shortcut: input.shortcut, text: input.text })
      : await api.post("/seller-bot/quick-replies", { shortcut: input.shortcut, text: input.text })),
    deleteQuickReply: (id: string) => api.delete<Json>(`/seller-bot/quick-replies/${enc(id)}`),
    renderQuickReply: async (id: string, conversationId: string, productId = "") => {
      const r = obj(await api.get(`/seller-bot/quick-replies/${enc(id)}/render`,
        { query: { conversation_id: conversationId, product_id: productId } }));
      return { text: str(r.text), missing: strList(r.missing) };
    },
  };
}

export type InboxApi = ReturnType<typeof inboxApi>;
