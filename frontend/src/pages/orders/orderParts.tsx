/** Pieces every order list shares (the Pedidos tab, the inbox's buyer context): status badge, total, tracking,
 * and the confirm/drop buttons of a draft, disabled for a role without `edit_orders`. */
import type { Order } from "../../api/contacts";
import { Badge, Tone } from "../../components/ui";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";
import { useAction } from "../../hooks/useAction";
import { formatMoney } from "../../i18n/format";
import { ORDER_SOURCE_LABELS, ORDER_STATUS_LABELS, label } from "../../i18n/labels";
import { useContactsApi } from "../contacts/ContactLink";

/** Every query an order's change can show up in: the orders lists, the contacts (detail, inbox context). */
export const ORDERS_KEY = ["orders"] as const;
const CONTACTS_KEY = ["contacts"] as const;

const STATUS_TONE: Record<string, Tone> = {
  draft: "warn", confirmed: "ok", dropped: "muted", DELIVERED: "ok", COMPLETED: "ok", CANCELLED: "muted",
  UNPAID: "warn", IN_TRANSIT: "info", AWAITING_SHIPMENT: "info", AWAITING_COLLECTION: "info",
};

export function OrderStatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? "muted"}>{label(ORDER_STATUS_LABELS, status)}</Badge>;
}

export function orderSourceLabel(source: string): string {
  return label(ORDER_SOURCE_LABELS, source);
}

export function orderTotal(order: Order): string {
  const value = Number(order.total);
  return order.total && Number.isFinite(value) ? formatMoney(value, order.currency) : "—";
}

/** "Correios · BR123" or "—". */
export function orderTracking(order: Order): string {
  return [order.carrier, order.trackingNumber].filter(Boolean).join(" · ") || "—";
}

/** The order's number as the seller knows it: the platform's id when it has one. */
export function orderNumber(order: Order): string {
  return order.externalOrderId || order.id.slice(0, 8);
}

export function DraftActions({ order }: { order: Order }) {
  const contacts = useContactsApi();
  const canEdit = useCan("edit_orders");
  const act = useAction((status: "confirmed" | "dropped") => contacts.setOrderStatus(order.id, status), {
    invalidate: [ORDERS_KEY, CONTACTS_KEY],
    success: (o) => (o.status === "confirmed" ? `Pedido ${orderNumber(o)} confirmado` : `Pedido ${orderNumber(o)} descartado`),
  });
  if (order.status !== "draft") return null;
  const title = canEdit ? undefined : NOT_ALLOWED;
  return (
    <span className="order-actions">
      <button type="button" className="primary" disabled={!canEdit || act.isPending} title={title}
        onClick={() => act.mutate("confirmed")}>Confirmar</button>
      <button type="button" className="secondary" disabled={!canEdit || act.isPending} title={title}
        onClick={() => act.mutate("dropped")}>Descartar</button>
    </span>
  );
}
