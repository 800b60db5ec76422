/** GET /bot/stats as cards: tasks, success rate, average duration, profiles, counts per status. */
import { ErrorBox } from "../../components/ErrorBox";
import { Panel, StatCard, StatsCards } from "../../components/ui";
import { useBotStats } from "../../hooks/queries";
import { formatDuration, formatInt, formatPercent } from "../../i18n/format";
import { TASK_STATUS_LABELS, TASK_TYPE_LABELS, label } from "../../i18n/labels";

export function BotStatsCards() {
  const stats = useBotStats();
  const s = stats.data;
  return (
    <Panel title="Estatísticas da automação">
      <ErrorBox error={stats.error} onRetry={() => void stats.refetch()} />
      <StatsCards>
        <StatCard label="Tarefas" value={s ? formatInt(s.totalTasks) : "—"} />
        <StatCard label="Taxa de sucesso" value={s ? formatPercent(s.successRate) : "—"} />
        <StatCard label="Duração média" value={s ? formatDuration(s.averageDurationSeconds) : "—"} />
        <StatCard label="Perfis ativos" value={s ? `${formatInt(s.activeProfiles)} / ${formatInt(s.totalProfiles)}` : "—"} />
      </StatsCards>
      {s && Object.keys(s.byStatus).length > 0 && (
        <div className="chips" aria-label="Tarefas por status">
          {Object.entries(s.byStatus).map(([status, count]) => (
            <span key={status} className={`chip status-${status}`}>{label(TASK_STATUS_LABELS, status)}: {formatInt(count)}</span>
          ))}
        </div>
      )}
      {s && Object.keys(s.byType).length > 0 && (
        <div className="chips" aria-label="Tarefas por tipo">
          {Object.entries(s.byType).map(([type, count]) => (
            <span key={type} className="chip">{label(TASK_TYPE_LABELS, type)}: {formatInt(count)}</span>
          ))}
        </div>
      )}
    </Panel>
  );
}
