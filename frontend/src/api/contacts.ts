/** The CRM's routes (gateway api/routes/contacts.py): contacts with search and cursor pages, a contact's detail
 * (orders, timeline), edits, merge/undo, LGPD erase, and orders (drafts the bot collected, confirm or drop). */
import type { ApiClient } from "./client";
import { list, num, obj, optDate, str, strList } from "./normalize";

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
  source: string;
  status: string;
  lineItems: OrderLine[];
  cep: string;
  payment: string;
  total: string;
  createdAt: string | null;
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
    id: str(o.id), contact: str(o.contact), source: str(o.source), status: str(o.status),
    lineItems: list(o.line_items).map((raw) => {
      const i = obj(raw);
      return { name: str(i.name), variant: str(i.variant), quantity: num(i.quantity, 1), unitPrice: str(i.unit_price) };
    }),
    cep: str(o.cep), payment: str(o.payment), total: str(o.total), createdAt: optDate(o.created_at),
  };
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
    setOrderStatus: async (id: string, status: "confirmed" | "dropped") =>
      toOrder(await api.patch(`/seller-bot/orders/${enc(id)}`, { status })),
  };
}

export type ContactsApi = ReturnType<typeof contactsApi>;
