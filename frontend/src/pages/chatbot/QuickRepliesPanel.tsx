/** The shop's quick replies (saved answers an agent picks with / in the Atendimento composer): list, create,
 * edit and delete, with the variables the inbox fills in explained. Editing needs `edit_quick_replies`. */
import { useQuery } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { QuickReply } from "../../api/inbox";
import { ErrorBox } from "../../components/ErrorBox";
import { ConfirmButton, Empty, Loading, Panel } from "../../components/ui";
import { useAction } from "../../hooks/useAction";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";
import { useInboxApi } from "../inbox/InboxPage";
import { inboxKeys } from "../inbox/inboxLive";

/** What the gateway fills in when the agent picks the reply (`GET /seller-bot/quick-replies/{id}/render`). */
export const QUICK_REPLY_VARIABLES: [string, string][] = [
  ["{nome}", "o nome do cliente da conversa"],
  ["{produto}", "o nome do produto colado do catálogo no atendimento"],
  ["{preco}", "o preço desse produto (R$ 49,90)"],
  ["{estoque}", "as unidades em estoque desse produto"],
];

export function QuickRepliesPanel() {
  const inbox = useInboxApi();
  const canEdit = useCan("edit_quick_replies");
  const replies = useQuery({ queryKey: inboxKeys.quickReplies, queryFn: inbox.quickReplies });
  const [editing, setEditing] = useState<QuickReply | "new" | null>(null);
  return (
    <Panel title="Respostas rápidas" actions={
      <button type="button" className="primary" disabled={!canEdit} title={canEdit ? undefined : NOT_ALLOWED}
        onClick={() => setEditing(editing ? null : "new")}>{editing ? "Fechar formulário" : "Nova resposta"}</button>}>
      <p className="muted small">No Atendimento, digite <code>/</code> e o atalho para usar uma resposta. Variáveis
        preenchidas na hora:</p>
      <ul className="variables small">
        {QUICK_REPLY_VARIABLES.map(([name, meaning]) => <li key={name}><code>{name}</code> — {meaning}</li>)}
      </ul>
      <p className="muted small">Sem produto escolhido (ou sem nome do cliente), a variável fica como foi escrita.</p>
      {editing && <QuickReplyForm key={editing === "new" ? "new" : editing.id} reply={editing === "new" ? null : editing}
        onDone={() => setEditing(null)} />}
      <ErrorBox error={replies.error} onRetry={() => void replies.refetch()} />
      {replies.isPending && <Loading />}
      {replies.data?.length === 0 && <Empty>Nenhuma resposta rápida ainda.</Empty>}
      {replies.data && replies.data.length > 0 && (
        <table className="table">
          <thead><tr><th>Atalho</th><th>Texto</th><th /></tr></thead>
          <tbody>{replies.data.map((r) => <QuickReplyRow key={r.id} reply={r} onEdit={() => setEditing(r)} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

function QuickReplyRow({ reply, onEdit }: { reply: QuickReply; onEdit: () => void }) {
  const inbox = useInboxApi();
  const canEdit = useCan("edit_quick_replies");
  const remove = useAction(() => inbox.deleteQuickReply(reply.id), {
    invalidate: [inboxKeys.quickReplies], success: `/${reply.shortcut} excluída`,
  });
  return (
    <tr data-testid="quick-reply-row">
      <td><code>/{reply.shortcut}</code></td>
      <td className="wrap">{reply.text}</td>
      <td className="actions">
        <button type="button" className="secondary" disabled={!canEdit} onClick={onEdit}>Editar</button>
        <ConfirmButton label="Excluir" confirmLabel={`Excluir /${reply.shortcut}`} onConfirm={() => remove.mutate(undefined)}
          disabled={!canEdit || remove.isPending} />
      </td>
    </tr>
  );
}

function QuickReplyForm({ reply, onDone }: { reply: QuickReply | null; onDone: () => void }) {
  const inbox = useInboxApi();
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? "");
  const [text, setText] = useState(reply?.text ?? "");
  const save = useAction(inbox.saveQuickReply, {
    invalidate: [inboxKeys.quickReplies], success: (r) => `/${r.shortcut} salva`, silentError: true,
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ id: reply?.id, shortcut: shortcut.trim().replace(/^\//, "").toLowerCase(), text: text.trim() },
      { onSuccess: onDone });
  }
  return (
    <form className="form-card" onSubmit={submit} aria-label={reply ? "Editar resposta rápida" : "Nova resposta rápida"}>
      <div className="form-grid">
        <label>Atalho (letras minúsculas, números, - e _)
          <input required maxLength={40} value={shortcut} placeholder="preco"
            onChange={(e) => setShortcut(e.target.value)} /></label>
        <label className="span-2">Texto
          <textarea required rows={3} maxLength={4096} value={text} placeholder="O {produto} sai por {preco}, {nome}!"
            onChange={(e) => setText(e.target.value)} /></label>
      </div>
      <ErrorBox error={save.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>{save.isPending ? "Salvando…" : "Salvar resposta"}</button>
      </div>
    </form>
  );
}
