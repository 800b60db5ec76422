/** Try the bot as a customer would (POST /seller-bot/message) without going through a channel. */
import { FormEvent, useState } from "react";
import type { MessageInput } from "../../api/endpoints";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Panel } from "../../components/ui";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatPercent } from "../../i18n/format";
import { HANDOFF_LABELS, INTENT_LABELS, STAGE_LABELS, label } from "../../i18n/labels";

export function TestMessagePanel() {
  const { chatbot } = useServices();
  const [contact, setContact] = useState("api:teste-painel");
  const [message, setMessage] = useState("");
  const send = useAction((input: MessageInput) => chatbot.sendMessage(input), {
    invalidate: [queryKeys.sellerBotConversations, queryKeys.sellerBotStats], silentError: true,
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    send.mutate({ contact_id: contact.trim(), message: message.trim(), channel: "api" }, { onSuccess: () => setMessage("") });
  }

  const r = send.data;
  return (
    <Panel title="Testar o bot">
      <form className="row" onSubmit={submit} aria-label="Testar o bot">
        <input aria-label="Contato" value={contact} onChange={(e) => setContact(e.target.value)} required className="medium" />
        <input aria-label="Mensagem" value={message} onChange={(e) => setMessage(e.target.value)} required maxLength={4096}
          placeholder="Ex.: Qual o preço do produto X?" className="grow" />
        <button type="submit" className="primary" disabled={send.isPending}>{send.isPending ? "Enviando…" : "Enviar"}</button>
      </form>
      <ErrorBox error={send.error} />
      {r && (
        <div className="bot-reply">
          <p>{r.reply || <em>(o bot não respondeu — conversa com atendente?)</em>}</p>
          <div className="muted small">
            Intenção: {label(INTENT_LABELS, r.intent)} ({formatPercent(r.confidence)})
            {r.stage && <> · Etapa: {label(STAGE_LABELS, r.stage)}</>}
            {r.handoffState && <> · Atendimento: {label(HANDOFF_LABELS, r.handoffState)}</>}
          </div>
        </div>
      )}
    </Panel>
  );
}
