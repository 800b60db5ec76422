/** GET /seller-bot/stats as cards, with the per-channel breakdown. */
import { ErrorBox } from "../../components/ErrorBox";
import { Panel, StatCard, StatsCards } from "../../components/ui";
import { useSellerBotStats } from "../../hooks/queries";
import { formatDuration, formatInt } from "../../i18n/format";
import { CHANNEL_LABELS, label } from "../../i18n/labels";

export function ChatStatsCards({ period, showChannels = false }: { period: string; showChannels?: boolean }) {
  const stats = useSellerBotStats(period);
  const s = stats.data;
  return (
    <Panel title="Estatísticas do chatbot">
      <ErrorBox error={stats.error} onRetry={() => void stats.refetch()} />
      <StatsCards>
        <StatCard label="Mensagens recebidas" value={s ? formatInt(s.messagesIn) : "—"} />
        <StatCard label="Respostas enviadas" value={s ? formatInt(s.messagesOut) : "—"} />
        <StatCard label="Conversas ativas" value={s ? formatInt(s.activeConversations) : "—"} />
        <StatCard label="Transferências para humano" value={s ? formatInt(s.handoffs) : "—"} />
        <StatCard label="Tempo médio de resposta" value={s ? formatDuration(s.averageResponseSeconds) : "—"} />
      </StatsCards>
      {showChannels && s && s.perChannel.length > 0 && (
        <table className="table compact">
          <thead><tr><th>Canal</th><th>Recebidas</th><th>Enviadas</th><th>Ativas</th><th>Transferências</th><th>Tempo médio</th></tr></thead>
          <tbody>
            {s.perChannel.map((c) => (
              <tr key={c.channel}>
                <td>{label(CHANNEL_LABELS, c.channel)}</td><td>{formatInt(c.messagesIn)}</td><td>{formatInt(c.messagesOut)}</td>
                <td>{formatInt(c.activeConversations)}</td><td>{formatInt(c.handoffs)}</td><td>{formatDuration(c.averageResponseSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
