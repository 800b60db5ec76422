/** Active conversations with intent, funnel stage and handoff state; hand off, release, record a sale made outside
 * the bot (order number and amount), and open the buyer's contact page. */
import { FormEvent, useState } from "react";
import { useServices } from "../../api/services";
import type { Conversation } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, ConfirmButton, Empty, Loading, Panel, Tone } from "../../components/ui";
import { useSellerBotConversations } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatAgo, formatCount, parseMoney } from "../../i18n/format";
import { CHANNEL_LABELS, HANDOFF_LABELS, INTENT_LABELS, STAGE_LABELS, label } from "../../i18n/labels";
import { useCan } from "../../hooks/useCan";
import { ContactLink } from "../contacts/ContactLink";

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
  const [recording, setRecording] = useState(false);
  const canTakeOver = useCan("take_over_conversations");
  const busy = handoff.isPending || release.isPending || !canTakeOver;

  return (<>
    <tr className={c.handoffState === "waiting_human" ? "row-attention" : undefined}>
      <td><ContactLink address={c.contactId}><strong>{who}</strong></ContactLink>
        {c.contactName && <div className="muted small">{c.contactId}</div>}</td>
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
          <button type="button" className="link-button" disabled={busy} aria-expanded={recording}
            onClick={() => setRecording(!recording)}>Registrar venda</button>
        )}
      </td>
    </tr>
    {recording && !c.converted && (
      <tr className="form-row"><td colSpan={8}>
        <SaleForm conversation={c} onDone={() => setRecording(false)} />
      </td></tr>
    )}
  </>);
}

/** A sale closed outside the bot's draft orders (paid by Pix in the chat, say): its order number and amount
 * count as this conversation's conversion. A draft the bot collected is confirmed on the contact's page. */
function SaleForm({ conversation: c, onDone }: { conversation: Conversation; onDone: () => void }) {
  const { chatbot } = useServices();
  const id = c.id || c.contactId;
  const who = c.contactName || c.contactId;
  const [orderId, setOrderId] = useState("");
  const [amount, setAmount] = useState("");
  const value = parseMoney(amount);
  const valid = Number.isFinite(value) && value > 0 && value <= 1_000_000_000;
  const convert = useAction((input: { orderId: string; amount: number }) => chatbot.convert(id, input.orderId, input.amount),
    { invalidate: refresh, success: `${who}: venda registrada`, silentError: true });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!valid) return;
    convert.mutate({ orderId: orderId.trim(), amount: value }, { onSuccess: onDone });
  }

  return (
    <form className="inline-form sale-form" aria-label={`Registrar venda de ${who}`} onSubmit={submit}>
      <label className="inline">Nº do pedido
        <input className="medium" maxLength={100} value={orderId} onChange={(e) => setOrderId(e.target.value)}
          placeholder="opcional" />
      </label>
      <label className="inline">Valor (R$)
        <input className="narrow" required inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)}
          placeholder="79,90" aria-invalid={amount !== "" && !valid} />
      </label>
      {amount !== "" && !valid && <span className="text-bad small">Valor inválido: use 79,90</span>}
      <button type="submit" className="primary" disabled={!valid || convert.isPending}>
        {convert.isPending ? "Salvando…" : "Salvar venda"}</button>
      <button type="button" className="secondary" onClick={onDone}>Cancelar</button>
      <span className="muted small">Pedido montado pelo bot? Confirme o rascunho em{" "}
        <ContactLink address={c.contactId}>Contatos</ContactLink> ou na aba Pedidos.</span>
      <ErrorBox error={convert.error} />
    </form>
  );
}
