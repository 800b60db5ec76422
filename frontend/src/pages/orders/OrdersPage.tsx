/** Pedidos: the shop's orders in one list (TikTok Shop orders synced from the platform, the drafts the bot
 * collected in conversations, manual ones), filtered by status and source; a draft is confirmed (the funnel
 * converts) or dropped here. `GET /seller-bot/orders` (gateway api/routes/contacts.py), newest first. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Order, OrderFilter } from "../../api/contacts";
import { orderItemsText } from "../../api/contacts";
import { ErrorBox } from "../../components/ErrorBox";
import { Empty, Loading, Panel } from "../../components/ui";
import { formatAgo, formatDateTime } from "../../i18n/format";
import { ORDER_SOURCE_LABELS, ORDER_STATUS_LABELS } from "../../i18n/labels";
import { usePollInterval } from "../../realtime/LiveProvider";
import { ContactLink, useContactsApi } from "../contacts/ContactLink";
import {
  DraftActions, ORDERS_KEY, OrderStatusBadge, orderNumber, orderSourceLabel, orderTotal, orderTracking,
} from "./orderParts";

export function OrdersPage() {
  const contacts = useContactsApi();
  const [filter, setFilter] = useState<OrderFilter>({ status: "", source: "", contact: "" });
  // Orders change on a sync or a conversation, not second by second: polled 4× slower than the lists.
  const poll = usePollInterval() * 4;
  const pages = useInfiniteQuery({
    queryKey: [...ORDERS_KEY, "list", filter],
    queryFn: ({ pageParam }) => contacts.orders(filter, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor || undefined,
    refetchInterval: poll,
  });
  const orders = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const drafts = orders.filter((o) => o.status === "draft").length;
  return (
    <Panel title={<>Pedidos {drafts > 0 && <span className="muted small">({drafts} rascunhos a confirmar)</span>}</>}
      actions={<>
        <select aria-label="Situação" value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.target.value })}>
          <option value="">Todas as situações</option>
          {Object.entries(ORDER_STATUS_LABELS).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
        <select aria-label="Origem" value={filter.source} onChange={(e) => setFilter({ ...filter, source: e.target.value })}>
          <option value="">Todas as origens</option>
          {Object.entries(ORDER_SOURCE_LABELS).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
      </>}>
      <p className="muted small">
        Pedidos do TikTok Shop (sincronizados), rascunhos que o bot montou na conversa e pedidos manuais. Confirmar um
        rascunho conta como venda da conversa.
      </p>
      <ErrorBox error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.isPending && <Loading />}
      {pages.data && orders.length === 0 && <Empty>Nenhum pedido{filter.status || filter.source ? " com estes filtros" : ""}.</Empty>}
      {orders.length > 0 && (
        <table className="table">
          <thead><tr><th>Pedido</th><th>Origem</th><th>Cliente</th><th>Itens</th><th>Total</th><th>Situação</th><th>Rastreio</th><th /></tr></thead>
          <tbody>{orders.map((o) => <OrderRow key={o.id} order={o} />)}</tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <button type="button" className="secondary" disabled={pages.isFetchingNextPage}
          onClick={() => void pages.fetchNextPage()}>Carregar mais</button>
      )}
    </Panel>
  );
}

function OrderRow({ order }: { order: Order }) {
  return (
    <tr data-testid="order" className={order.status === "draft" ? "row-attention" : undefined}>
      <td><code>{orderNumber(order)}</code><div className="muted small" title={formatDateTime(order.createdAt)}>{formatAgo(order.createdAt)}</div></td>
      <td>{orderSourceLabel(order.source)}</td>
      <td>{order.contact
        ? <ContactLink contactId={order.contact}>{order.contactName || "Ver contato"}</ContactLink>
        : <span className="muted">{order.contactName || "—"}</span>}</td>
      <td className="wrap">{orderItemsText(order) || "—"}{order.cep && <div className="muted small">CEP {order.cep}{order.payment && ` · ${order.payment}`}</div>}</td>
      <td>{orderTotal(order)}</td>
      <td><OrderStatusBadge status={order.status} /></td>
      <td className="small">{orderTracking(order)}</td>
      <td className="actions"><DraftActions order={order} /></td>
    </tr>
  );
}
