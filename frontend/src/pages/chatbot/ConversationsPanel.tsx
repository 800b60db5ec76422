/** Active conversations with intent, funnel stage and handoff state; hand off, release or mark a sale. */
import { useState } from "react";
import { useServices } from "../../api/services";
import type { Conversation } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, ConfirmButton, Empty, Loading, Panel, Tone } from "../../components/ui";
import { useSellerBotConversations } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatAgo, formatCount } from "../../i18n/format";
import { CHANNEL_LABELS, HANDOFF_LABELS, INTENT_LABELS, STAGE_LABELS, label } from "../../i18n/labels";
import { useCan } from "../../hooks/useCan";

const HANDOFF_TONE: Record<string, Tone> = { bot: "ok", waiting_human: "warn", human: "info" };
const refresh = [queryKeys.sellerBotConversations, queryKeys.sellerBotStats, queryKeys.sellerBotFunnel] as const;

export function ConversationsPanel() {
  const { chatbot } = useServices();
  const [channel, setChannel] = useState("");
  const conversations = useSellerBotConversations(channel);
  const canDelete = useCan("delete_conversations");
  const clear = useAction(() => chatbot.clearConversations(), {
    invalidate: refresh, success: (r) => `${formatCount(Number(r.cleared ?? 0), "conversa removida", "conversas removidas")}`,
  });
  const waiting = (conversations.data ?? []).filter((c) => c.handoffState === "waiting_human").length;

  return (
    <Panel title={<>Conversas {waiting > 0 && <Badge tone="warn">{waiting} aguardando atendente</Badge>}</>} actions={<>
      <select aria-label="Filtrar por canal" value={channel} onChange={(e) => setChannel(e.target.value)}>
        <option value="">Todos os canais</option>
        {["whatsapp", "instagram", "chatwoot", "telegram", "tiktok_shop", "api"].map((c) => (
          <option key={c} value={c}>{label(CHANNEL_LABELS, c)}</option>
        ))}
      </select>
      <ConfirmButton label="Limpar todas" confirmLabel="Apagar todas as conversas" onConfirm={() => clear.mutate(undefined)}
        disabled={clear.isPending || !canDelete} />
    </>}>
      <ErrorBox error={conversations.error} onRetry={() => void conversations.refetch()} />
      {conversations.isPending && <Loading />}
      {conversations.data?.length === 0 && <Empty>Nenhuma conversa ativa.</Empty>}
      {conversations.data && conversations.data.length > 0 && (
        <table className="table">
          <thead>
            <tr><th>Cliente</th><th>Canal</th><th>Última mensagem</th><th>Intenção</th><th>Etapa</th><th>Atendimento</th><th>Atividade</th><th /></tr>
          </thead>
          <tbody>{conversations.data.map((c) => <ConversationRow key={c.id || c.contactId} conversation={c} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function ConversationRow({ conversation: c }: { conversation: Conversation }) {
  const { chatbot } = useServices();
  const id = c.id || c.contactId;
  const who = c.contactName || c.contactId;
  const handoff = useAction(() => chatbot.handoff(id, "transferido pelo painel"), {
    invalidate: refresh, success: `${who}: transferido para atendimento humano`,
  });
  const release = useAction(() => chatbot.release(id), { invalidate: refresh, success: `${who}: devolvido ao bot` });
  const convert = useAction(() => chatbot.convert(id, "", 0), { invalidate: refresh, success: `${who}: venda registrada` });
  const canTakeOver = useCan("take_over_conversations");
  const busy = handoff.isPending || release.isPending || convert.isPending || !canTakeOver;

  return (
    <tr className={c.handoffState === "waiting_human" ? "row-attention" : undefined}>
      <td><strong>{who}</strong>{c.contactName && <div className="muted small">{c.contactId}</div>}</td>
      <td>{label(CHANNEL_LABELS, c.channel)}</td>
      <td className="wrap" title={c.lastMessage}>
        <div className="clamp">{c.lastMessage || "—"}</div>
        <div className="muted small">{formatCount(c.messageCount, "mensagem", "mensagens")}</div>
      </td>
      <td>{c.lastIntent ? label(INTENT_LABELS, c.lastIntent) : "—"}</td>
      <td>{c.stage ? label(STAGE_LABELS, c.stage) : "—"}{c.converted && <> <Badge tone="ok">Venda</Badge></>}</td>
      <td><Badge tone={HANDOFF_TONE[c.handoffState] ?? "muted"}>{label(HANDOFF_LABELS, c.handoffState)}</Badge></td>
      <td>{formatAgo(c.updatedAt)}</td>
      <td className="actions">
        {c.handoffState === "bot" ? (
          <button type="button" className="secondary" disabled={busy} onClick={() => handoff.mutate(undefined)}>Transferir para humano</button>
        ) : (
          <button type="button" className="secondary" disabled={busy} onClick={() => release.mutate(undefined)}>Devolver ao bot</button>
        )}
        {!c.converted && (
          <button type="button" className="link-button" disabled={busy} onClick={() => convert.mutate(undefined)}>Marcar venda</button>
        )}
      </td>
    </tr>
  );
}
