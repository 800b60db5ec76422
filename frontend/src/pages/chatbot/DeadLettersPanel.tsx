/** Replies that could not be delivered after every retry; the seller can send them again. */
import { useServices } from "../../api/services";
import type { DeadLetter } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, Empty, Loading, Panel } from "../../components/ui";
import { useDeadLetters } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { CHANNEL_LABELS, DEAD_LETTER_STATUS_LABELS, label } from "../../i18n/labels";

export function DeadLettersPanel() {
  const letters = useDeadLetters();
  return (
    <Panel title="Falhas de entrega" actions={<button type="button" className="secondary" onClick={() => void letters.refetch()}>Atualizar</button>}>
      <ErrorBox error={letters.error} onRetry={() => void letters.refetch()} />
      {letters.isPending && <Loading />}
      {letters.data?.length === 0 && <Empty>Nenhuma resposta pendente de entrega.</Empty>}
      {letters.data && letters.data.length > 0 && (
        <table className="table">
          <thead><tr><th>Cliente</th><th>Canal</th><th>Resposta</th><th>Erro</th><th>Tentativas</th><th>Falhou em</th><th>Status</th><th /></tr></thead>
          <tbody>{letters.data.map((d) => <DeadLetterRow key={d.id} letter={d} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function DeadLetterRow({ letter: d }: { letter: DeadLetter }) {
  const { chatbot } = useServices();
  const retry = useAction(() => chatbot.retryDeadLetter(d.id), {
    invalidate: [queryKeys.sellerBotDeadLetters],
    success: (r) => `Reenvio: ${label(DEAD_LETTER_STATUS_LABELS, r.status)}`,
  });
  return (
    <tr>
      <td>{d.contactId}</td>
      <td>{label(CHANNEL_LABELS, d.channel)}</td>
      <td className="wrap" title={d.text}><div className="clamp">{d.text}</div></td>
      <td className="wrap small text-bad">{d.error}</td>
      <td>{d.attempts}</td>
      <td>{formatDateTime(d.failedAt)}</td>
      <td><Badge tone={d.status === "delivered" ? "ok" : d.status === "retried" ? "info" : "bad"}>{label(DEAD_LETTER_STATUS_LABELS, d.status)}</Badge></td>
      <td className="actions">
        <button type="button" className="primary" disabled={retry.isPending || d.status === "delivered"} onClick={() => retry.mutate(undefined)}>
          {retry.isPending ? "Reenviando…" : "Reenviar"}
        </button>
      </td>
    </tr>
  );
}
