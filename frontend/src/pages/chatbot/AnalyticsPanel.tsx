/** Intents (chart + table), the sales funnel (overall, per channel, per prompt variant) and channel stats. */
import { useState } from "react";
import type { FunnelBreakdown, FunnelStage } from "../../api/types";
import { BarChart } from "../../components/BarChart";
import { ErrorBox } from "../../components/ErrorBox";
import { Empty, Loading, Panel } from "../../components/ui";
import { useFunnel, useIntentStats } from "../../hooks/queries";
import { formatInt, formatPercent } from "../../i18n/format";
import { CHANNEL_LABELS, INTENT_LABELS, STAGE_LABELS, label } from "../../i18n/labels";
import { ChatStatsCards } from "./ChatStatsCards";

export function AnalyticsPanel({ period }: { period: string }) {
  return (
    <>
      <ChatStatsCards period={period} showChannels />
      <div className="grid-2">
        <IntentsPanel period={period} />
        <FunnelPanel period={period} />
      </div>
    </>
  );
}

export function IntentsPanel({ period }: { period: string }) {
  const intents = useIntentStats(period);
  const data = intents.data;
  return (
    <Panel title="Intenções dos clientes">
      <ErrorBox error={intents.error} onRetry={() => void intents.refetch()} />
      {intents.isPending && <Loading />}
      {data && data.intents.length === 0 && <Empty>Nenhuma mensagem no período.</Empty>}
      {data && data.intents.length > 0 && <>
        <BarChart label="Mensagens por intenção" bars={data.intents.map((i) => ({
          key: i.intent, label: label(INTENT_LABELS, i.intent), value: i.count, text: formatPercent(i.share),
        }))} />
        <table className="table compact">
          <thead><tr><th>Intenção</th><th>Mensagens</th><th>Participação</th></tr></thead>
          <tbody>
            {data.intents.map((i) => (
              <tr key={i.intent}><td>{label(INTENT_LABELS, i.intent)}</td><td>{formatInt(i.count)}</td><td>{formatPercent(i.share)}</td></tr>
            ))}
          </tbody>
          <tfoot><tr><th>Total</th><th>{formatInt(data.total)}</th><th /></tr></tfoot>
        </table>
      </>}
    </Panel>
  );
}

function FunnelBars({ stages }: { stages: FunnelStage[] }) {
  return (
    <BarChart label="Funil de vendas" bars={stages.map((s) => ({
      key: s.stage, label: label(STAGE_LABELS, s.stage), value: s.count,
      text: `${formatInt(s.count)} · ${formatPercent(s.conversionRate)}`,
    }))} />
  );
}

function BreakdownTable({ title, rows, keyLabel }: { title: string; rows: FunnelBreakdown[]; keyLabel: (k: string) => string }) {
  if (rows.length === 0) return null;
  const stages = rows[0]?.stages.map((s) => s.stage) ?? [];
  return (
    <>
      <h3>{title}</h3>
      <table className="table compact">
        <thead><tr><th />{stages.map((s) => <th key={s}>{label(STAGE_LABELS, s)}</th>)}</tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{keyLabel(r.key)}</td>
              {stages.map((stage) => {
                const s = r.stages.find((x) => x.stage === stage);
                return <td key={stage}>{s ? `${formatInt(s.count)} (${formatPercent(s.conversionRate)})` : "—"}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function FunnelPanel({ period }: { period: string }) {
  const [channel, setChannel] = useState("");
  const funnel = useFunnel(period, channel);
  const f = funnel.data;
  return (
    <Panel title="Funil de vendas" actions={
      <select aria-label="Canal do funil" value={channel} onChange={(e) => setChannel(e.target.value)}>
        <option value="">Todos os canais</option>
        {["whatsapp", "instagram", "chatwoot", "telegram", "tiktok_shop", "api"].map((c) => (
          <option key={c} value={c}>{label(CHANNEL_LABELS, c)}</option>
        ))}
      </select>}>
      <ErrorBox error={funnel.error} onRetry={() => void funnel.refetch()} />
      {funnel.isPending && <Loading />}
      {f && f.stages.length === 0 && <Empty>Sem dados de funil no período.</Empty>}
      {f && f.stages.length > 0 && <FunnelBars stages={f.stages} />}
      {f && <BreakdownTable title="Por canal" rows={f.perChannel} keyLabel={(k) => label(CHANNEL_LABELS, k)} />}
      {f && <BreakdownTable title="Por variante de prompt (A/B)" rows={f.perPromptVariant} keyLabel={(k) => k || "padrão"} />}
    </Panel>
  );
}
