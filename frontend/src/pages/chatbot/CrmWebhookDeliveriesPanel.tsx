/** The CRM webhook's dead letters (deliveries that failed every retry), beside the configuration where the
 * webhook (`crm_webhook`: url, secret, events) is set; each can be sent again. Owners and admins only
 * (`manage_contact_data`): for other roles the panel is not shown, as the gateway would answer 403. */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { crmWebhookApi, WebhookDelivery } from "../../api/crmWebhook";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, Empty, Loading, Panel } from "../../components/ui";
import { useMe } from "../../hooks/queries";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";

export const crmDeliveriesKey = ["crmWebhookDeliveries"] as const;

const KIND_LABELS: Record<string, string> = {
  "lead.created": "Novo lead", "lead.stage_changed": "Mudança de etapa", "order.drafted": "Pedido rascunho",
  "order.confirmed": "Pedido confirmado", "conversation.handoff": "Transferência para humano",
  "contact.erased": "Contato apagado (LGPD)",
};

const STATUS: Record<string, { text: string; tone: "ok" | "bad" | "info" | "muted" }> = {
  dead: { text: "falhou", tone: "bad" }, pending: { text: "na fila", tone: "info" },
  sending: { text: "enviando", tone: "info" }, delivered: { text: "entregue", tone: "ok" },
};

function useCrmWebhook() {
  const { api } = useServices();
  return useMemo(() => crmWebhookApi(api), [api]);
}

export function CrmWebhookDeliveriesPanel() {
  const me = useMe();
  const allowed = me.data?.permissions.includes("manage_contact_data") ?? false;
  const webhook = useCrmWebhook();
  const dead = useQuery({ queryKey: crmDeliveriesKey, queryFn: () => webhook.deliveries("dead"), enabled: allowed });
  if (!allowed) return null;
  return (
    <Panel title="Webhook do CRM: falhas de entrega" actions={
      <button type="button" className="secondary" onClick={() => void dead.refetch()}>Atualizar</button>}>
      <p className="muted small">Eventos que o webhook do CRM (<code>crm_webhook</code> acima: URL, segredo e eventos)
        não conseguiu entregar depois de todas as tentativas.</p>
      <ErrorBox error={dead.error} onRetry={() => void dead.refetch()} />
      {dead.isPending && <Loading />}
      {dead.data?.length === 0 && <Empty>Nenhuma entrega do webhook falhou.</Empty>}
      {dead.data && dead.data.length > 0 && (
        <table className="table">
          <thead><tr><th>Evento</th><th>Erro</th><th>Tentativas</th><th>Última tentativa</th><th>Status</th><th /></tr></thead>
          <tbody>{dead.data.map((d) => <DeliveryRow key={d.id} delivery={d} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function DeliveryRow({ delivery: d }: { delivery: WebhookDelivery }) {
  const webhook = useCrmWebhook();
  const retry = useAction(() => webhook.retry(d.id), {
    invalidate: [crmDeliveriesKey], success: (r) => `Reenvio do webhook: ${STATUS[r.status]?.text ?? r.status}`,
  });
  const status = STATUS[d.status] ?? { text: d.status, tone: "muted" as const };
  return (
    <tr data-testid="crm-delivery-row">
      <td>{KIND_LABELS[d.kind] ?? d.kind}<div className="muted small"><code>{d.kind}</code></div></td>
      <td className="wrap small text-bad">{d.lastError}</td>
      <td>{d.attempts}</td>
      <td>{formatDateTime(d.updatedAt ?? d.createdAt)}</td>
      <td><Badge tone={status.tone}>{status.text}</Badge></td>
      <td className="actions">
        <button type="button" className="primary" disabled={retry.isPending || d.status !== "dead"}
          onClick={() => retry.mutate(undefined)}>{retry.isPending ? "Reenviando…" : "Reenviar"}</button>
      </td>
    </tr>
  );
}
