/** The CRM webhook's deliveries (gateway api/routes/contacts.py): the dead letters and their retry. */
import type { ApiClient } from "./client";
import { list, num, obj, optDate, str } from "./normalize";

/** One POST of the shop's CRM webhook (proto/EVENTS.md, CRM webhook); `dead` after every retry failed. */
export interface WebhookDelivery {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  lastError: string;
  payload: Record<string, unknown>;
  createdAt: string | null;
  updatedAt: string | null;
}

export function toWebhookDelivery(raw: unknown): WebhookDelivery {
  const d = obj(raw);
  return {
    id: str(d.id), kind: str(d.kind), status: str(d.status), attempts: num(d.attempts), lastError: str(d.last_error),
    payload: obj(d.payload), createdAt: optDate(d.created_at), updatedAt: optDate(d.updated_at),
  };
}

export function crmWebhookApi(api: ApiClient) {
  return {
    deliveries: async (status = "dead") =>
      list(await api.get("/seller-bot/crm-webhook/deliveries", { query: { status, limit: 100 } })).map(toWebhookDelivery),
    retry: async (id: string) =>
      toWebhookDelivery(await api.post(`/seller-bot/crm-webhook/deliveries/${encodeURIComponent(id)}/retry`)),
  };
}
