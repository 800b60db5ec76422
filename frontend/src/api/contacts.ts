/** The CRM's routes (gateway api/routes/contacts.py): contacts with search and cursor pages, a contact's detail
 * (orders, timeline), edits, merge/undo, LGPD erase, and orders (drafts the bot collected, confirm or drop). */
import type { ApiClient } from "./client";
import { list, num, obj, optDate, pick, str, strList } from "./normalize";

const enc = encodeURIComponent;

export interface Contact {
  id: string;
  name: string;
  phone: string;
  stage: string;
  lastIntents: string[];
  tags: string[];
  notes: string;
  owner: string;
  score: number;
  scoreSignals: { signal: string; points: number }[];
  optedOut: boolean;
  messageCount: number;
  identities: string[];
  lastSeen: string | null;
}

export interface OrderLine {
  name: string;
  variant: string;
  quantity: number;
  unitPrice: string;
}

export interface Order {
  id: string;
  contact: string;
  /** The buyer's name when the API sends one (`contact_name` / `buyer_name`); "" otherwise. */
  contactName: string;
  conversationId: string;
  source: string;
  status: string;
  externalOrderId: string;
  lineItems: OrderLine[];
  cep: string;
  payment: string;
  total: string;
  currency: string;
  trackingNumber: string;
  carrier: string;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface OrderFilter {
  status: string;
  source: string;
  contact: string;
}

export interface TimelineEntry {
  at: string | null;
  kind: string;
  text: string;
  channel: string;
}

export interface ContactDetail {
  contact: Contact;
  orders: Order[];
  timeline: TimelineEntry[];
}

export interface ContactSearch {
  q: string;
  stage: string;
  tag: string;
  sort: string;
}

export function toContact(raw: unknown): Contact {
  const c = obj(raw);
  return {
    id: str(c.id), name: str(c.name), phone: str(c.phone), stage: str(c.stage), lastIntents: strList(c.last_intents),
    tags: strList(c.tags), notes: str(c.notes), owner: str(c.owner), score: num(c.score),
    scoreSignals: list(c.score_signals).map((s) => ({ signal: str(obj(s).signal), points: num(obj(s).points) })),
    optedOut: c.opted_out === true, messageCount: num(c.message_count),
    identities: list(c.identities).map((i) => str(obj(i).contact_id)), lastSeen: optDate(c.last_seen),
  };
}

export function toOrder(raw: unknown): Order {
  const o = obj(raw);
  return {
    id: str(o.id), contact: str(o.contact), contactName: str(pick(o, "contact_name", "buyer_name")),
    conversationId: str(o.conversation_id), source: str(o.source), status: str(o.status),
    externalOrderId: str(o.external_order_id), lineItems: list(o.line_items).map((raw) => {
      const i = obj(raw);
      return { name: str(i.name), variant: str(i.variant), quantity: num(i.quantity, 1), unitPrice: str(i.unit_price) };
    }),
    cep: str(o.cep), payment: str(o.payment), total: str(o.total), currency: str(o.currency, "BRL") || "BRL",
    trackingNumber: str(o.tracking_number), carrier: str(o.carrier), createdAt: optDate(o.created_at),
    updatedAt: optDate(o.updated_at),
  };
}

/** What a contact search can match of a channel address ("whatsapp:5511999999999"): the search folds
 * punctuation away, so the longest run of letters and digits after the channel name is asked for, and the
 * answer is then checked for the exact address. */
export function addressSearchTerm(address: string): string {
  const rest = address.includes(":") ? address.slice(address.indexOf(":") + 1) : address;
  const runs = rest.match(/[\p{L}\p{N}]+/gu) ?? [];
  return runs.reduce((best, run) => (run.length > best.length ? run : best), "");
}

export function orderItemsText(order: Order): string {
  return order.lineItems.map((i) => `${i.quantity}x ${i.name}${i.variant ? ` (${i.variant})` : ""}`).join(", ");
}

export function contactsApi(api: ApiClient) {
  return {
    search: async (search: ContactSearch, cursor = "") => {
      const page = obj(await api.get("/seller-bot/contacts", { query: { ...search, cursor, limit: 50 } }));
      return { items: list(page.contacts).map(toContact), nextCursor: str(page.next_cursor) };
    },
    detail: async (id: string): Promise<ContactDetail> => {
      const d = obj(await api.get(`/seller-bot/contacts/${enc(id)}`));
      return {
        contact: toContact(d.contact), orders: list(d.orders).map(toOrder),
        timeline: list(d.timeline).map((raw) => {
          const t = obj(raw);
          return { at: optDate(t.at), kind: str(t.kind), text: str(t.text), channel: str(t.channel) };
        }),
      };
    },
    update: async (id: string, patch: { tags?: string[]; notes?: string; owner?: string; opted_out?: boolean }) =>
      toContact(obj(await api.patch(`/seller-bot/contacts/${enc(id)}`, patch)).contact),
    merge: async (id: string, otherId: string) =>
      str(obj(await api.post(`/seller-bot/contacts/${enc(id)}/merge`, { other_id: otherId })).merge_id),
    undoMerge: (mergeId: string) => api.post(`/seller-bot/contacts/merges/${enc(mergeId)}/undo`),
    erase: (id: string) => api.delete(`/seller-bot/contacts/${enc(id)}`),
    /** The CRM contact behind a conversation's channel address, or null when the CRM does not know it (yet). */
    byAddress: async (address: string): Promise<Contact | null> => {
      const q = addressSearchTerm(address);
      if (!q) return null;
      const page = obj(await api.get("/seller-bot/contacts", { query: { q, limit: 20 } }));
      const wanted = address.toLowerCase();
      return list(page.contacts).map(toContact)
        .find((c) => c.identities.some((i) => i.toLowerCase() === wanted)) ?? null;
    },
    orders: async (filter: OrderFilter, cursor = "", limit = 50) => {
      const page = obj(await api.get("/seller-bot/orders", { query: { ...filter, cursor, limit } }));
      return { items: list(page.orders).map(toOrder), nextCursor: str(page.next_cursor) };
    },
    setOrderStatus: async (id: string, status: "confirmed" | "dropped") =>
      toOrder(await api.patch(`/seller-bot/orders/${enc(id)}`, { status })),
  };
}

export type ContactsApi = ReturnType<typeof contactsApi>;
