/** Contatos: the shop's contacts (leads) with search and filters (stage, tag, owner), and a contact's page: score
 * and why, tags, notes, owner, opt-out, the bot's draft orders to confirm or drop, the timeline (messages,
 * handoffs and orders), merge (with undo) and LGPD erasure. Controls a role cannot use are disabled; the gateway enforces the same rules (README matrix). */
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useEffect, useState } from "react";
import { Contact, ContactDetail, ContactSearch, Order, orderItemsText, TimelineEntry } from "../../api/contacts";
import { ErrorBox } from "../../components/ErrorBox";
import { useToast } from "../../components/Toasts";
import { Badge, ConfirmButton, Empty, Loading, Panel } from "../../components/ui";
import { useTeamMembers } from "../../hooks/queries";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";
import { useAction } from "../../hooks/useAction";
import { useDebounced } from "../../hooks/useDebounced";
import { formatAgo, formatDateTime } from "../../i18n/format";
import { STAGE_LABELS, label } from "../../i18n/labels";
import { useContactsApi } from "./ContactLink";

const KEY = ["contacts"] as const;
const SORTS: [string, string][] = [["last_seen", "Mais recentes"], ["score", "Maior pontuação"], ["name", "Nome"],
  ["created", "Mais novos"]];

/** The list API also filters by `owner` (a member's user id). */
type Search = ContactSearch & { owner: string };

const TIMELINE_KINDS: Record<string, string> = {
  message_in: "Cliente", message_out: "Resposta", handoff: "Transferido para humano", order: "Pedido",
};
const ORDER_STATUS: Record<string, string> = { draft: "rascunho", confirmed: "confirmado", dropped: "descartado" };
/** The chatbot's handoff reasons (chatbot/domain/handoff.py HandoffReason), as the timeline says them. */
const HANDOFF_REASONS: Record<string, string> = {
  "customer asked for a human": "o cliente pediu um atendente", "repeated complaints": "reclamações repetidas",
  "the bot did not understand several times": "o bot não entendeu várias vezes",
  "the bot was repeating itself": "o bot estava se repetindo", "order ready to close": "pedido pronto para fechar",
  "a human agent replied": "um atendente respondeu",
  "customer asked about an existing order": "o cliente perguntou por um pedido",
};

/** The API's timeline (messages and handoffs, newest first) with the contact's orders folded in by date. */
export function contactTimeline(detail: ContactDetail): TimelineEntry[] {
  const orders = detail.orders.map((o): TimelineEntry => ({
    at: o.createdAt, kind: "order", channel: o.source === "tiktok_shop" ? "TikTok Shop" : "",
    text: `${ORDER_STATUS[o.status] ?? o.status} · ${orderItemsText(o)} · R$ ${o.total.replace(".", ",")}`,
  }));
  if (detail.timeline.some((t) => t.kind === "order")) return detail.timeline; // the API already lists them
  return [...detail.timeline, ...orders].sort((a, b) => Date.parse(b.at ?? "") - Date.parse(a.at ?? ""));
}

/** `openId`: a contact to open at once (a conversation's or an order's link from another tab). */
export function ContactsPage({ openId = null }: { openId?: string | null } = {}) {
  const [search, setSearch] = useState<Search>({ q: "", stage: "", tag: "", owner: "", sort: "last_seen" });
  const [selected, setSelected] = useState<string | null>(openId);
  const settled = useDebounced(search);
  return (
    <div className="contacts">
      <ContactList search={search} settled={settled} onSearch={setSearch} selected={selected} onSelect={setSelected} />
      {selected && <ContactPanel id={selected} onGone={() => setSelected(null)} />}
    </div>
  );
}

function ContactList({ search, settled, onSearch, selected, onSelect }: {
  search: Search; settled: Search; onSearch: (s: Search) => void;
  selected: string | null; onSelect: (id: string) => void;
}) {
  const contacts = useContactsApi();
  const pages = useInfiniteQuery({
    queryKey: [...KEY, "list", settled],
    queryFn: ({ pageParam }) => contacts.search(settled, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor || undefined,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const members = useTeamMembers();
  const emails = new Map((members.data ?? []).map((m) => [m.userId, m.email]));
  return (
    <Panel title="Contatos">
      <div className="filters">
        <input aria-label="Buscar contatos" placeholder="Nome, telefone, canal ou etiqueta" value={search.q}
          onChange={(e) => onSearch({ ...search, q: e.target.value })} />
        <select aria-label="Etapa" value={search.stage} onChange={(e) => onSearch({ ...search, stage: e.target.value })}>
          <option value="">Todas as etapas</option>
          {Object.entries(STAGE_LABELS).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
        <input aria-label="Etiqueta" placeholder="Etiqueta" value={search.tag}
          onChange={(e) => onSearch({ ...search, tag: e.target.value })} />
        <select aria-label="Responsável" value={search.owner} onChange={(e) => onSearch({ ...search, owner: e.target.value })}>
          <option value="">Todos os responsáveis</option>
          {(members.data ?? []).map((m) => <option key={m.userId} value={m.userId}>{m.email}</option>)}
        </select>
        <select aria-label="Ordem" value={search.sort} onChange={(e) => onSearch({ ...search, sort: e.target.value })}>
          {SORTS.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
      </div>
      <ErrorBox error={pages.error} onRetry={() => void pages.refetch()} />
      {pages.isPending && <Loading />}
      {pages.data && items.length === 0 && <Empty>Nenhum contato encontrado.</Empty>}
      {items.length > 0 && (
        <table className="table">
          <thead><tr><th>Nome</th><th>Telefone</th><th>Etapa</th><th>Pontuação</th><th>Etiquetas</th><th>Responsável</th><th>Visto</th></tr></thead>
          <tbody>{items.map((c) => (
            <tr key={c.id} className={c.id === selected ? "selected" : ""} onClick={() => onSelect(c.id)}
              data-testid="contact-row">
              <td><button type="button" className="link" onClick={() => onSelect(c.id)}>{c.name || "(sem nome)"}</button>
                {c.optedOut && <> <Badge tone="muted">não contatar</Badge></>}</td>
              <td>{c.phone}</td>
              <td>{label(STAGE_LABELS, c.stage)}</td>
              <td>{c.score}</td>
              <td>{c.tags.join(", ")}</td>
              <td className="small">{c.owner ? emails.get(c.owner) ?? c.owner : "—"}</td>
              <td title={formatDateTime(c.lastSeen)}>{formatAgo(c.lastSeen)}</td>
            </tr>))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <button type="button" className="secondary" disabled={pages.isFetchingNextPage}
          onClick={() => void pages.fetchNextPage()}>Carregar mais</button>
      )}
    </Panel>
  );
}

function ContactPanel({ id, onGone }: { id: string; onGone: () => void }) {
  const contacts = useContactsApi();
  const detail = useQuery({ queryKey: [...KEY, "detail", id], queryFn: () => contacts.detail(id) });
  if (!detail.data) {
    return <Panel title="Contato"><ErrorBox error={detail.error} onRetry={() => void detail.refetch()} />
      {detail.isPending && <Loading />}</Panel>;
  }
  return <ContactView detail={detail.data} onGone={onGone} />;
}

function ContactView({ detail, onGone }: { detail: ContactDetail; onGone: () => void }) {
  const { contact, orders } = detail;
  const timeline = contactTimeline(detail);
  return (
    <Panel title={contact.name || contact.phone || "Contato"} actions={<EraseButton contact={contact} onGone={onGone} />}>
      <p className="muted small">{contact.identities.join(" · ")}</p>
      <p>
        Etapa: <strong>{label(STAGE_LABELS, contact.stage)}</strong> · Pontuação: <strong>{contact.score}</strong>
        {" "}<span className="muted small">({contact.scoreSignals.map((s) => `${s.signal} ${s.points > 0 ? "+" : ""}${s.points}`)
          .join(", ") || "sem sinais"})</span>
      </p>
      <ContactEditor contact={contact} />
      <MergeBox contact={contact} />
      <h3>Pedidos</h3>
      {orders.length === 0 ? <Empty>Nenhum pedido.</Empty> : (
        <table className="table">
          <thead><tr><th>Origem</th><th>Itens</th><th>CEP</th><th>Pagamento</th><th>Total</th><th>Situação</th><th /></tr></thead>
          <tbody>{orders.map((o) => <OrderRow key={o.id} order={o} contactId={contact.id} />)}</tbody>
        </table>
      )}
      <h3>Linha do tempo</h3>
      {timeline.length === 0 ? <Empty>Sem mensagens.</Empty> : (
        <ul className="timeline" aria-label="Linha do tempo">{timeline.map((t, i) => (
          <li key={i} data-kind={t.kind}><span className="muted small">{formatDateTime(t.at)} · {TIMELINE_KINDS[t.kind] ?? t.kind}
            {t.channel && ` · ${t.channel}`}</span> {t.kind === "handoff" ? HANDOFF_REASONS[t.text] ?? t.text : t.text}</li>))}
        </ul>
      )}
    </Panel>
  );
}

function ContactEditor({ contact }: { contact: Contact }) {
  const contacts = useContactsApi();
  const canEdit = useCan("edit_contacts");
  const [tags, setTags] = useState(contact.tags.join(", "));
  const [notes, setNotes] = useState(contact.notes);
  const [owner, setOwner] = useState(contact.owner);
  const members = useTeamMembers();
  useEffect(() => { setTags(contact.tags.join(", ")); setNotes(contact.notes); setOwner(contact.owner); }, [contact]);
  const save = useAction((patch: Parameters<typeof contacts.update>[1]) => contacts.update(contact.id, patch),
    { invalidate: [KEY], success: "Contato salvo" });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ tags: tags.split(",").map((t) => t.trim()).filter(Boolean), notes, owner });
  }
  return (
    <form onSubmit={submit} className="form-grid" title={canEdit ? undefined : NOT_ALLOWED}>
      <label>Etiquetas <input aria-label="Etiquetas" value={tags} disabled={!canEdit} onChange={(e) => setTags(e.target.value)} /></label>
      <label>Responsável
        <select aria-label="Responsável pelo contato" value={owner} disabled={!canEdit} onChange={(e) => setOwner(e.target.value)}>
          <option value="">Ninguém</option>
          {owner && !(members.data ?? []).some((m) => m.userId === owner) && <option value={owner}>{owner}</option>}
          {(members.data ?? []).map((m) => <option key={m.userId} value={m.userId}>{m.email}</option>)}
        </select></label>
      <label>Notas <textarea aria-label="Notas" value={notes} disabled={!canEdit} onChange={(e) => setNotes(e.target.value)} /></label>
      <label className="inline">
        <input type="checkbox" checked={contact.optedOut} disabled={!canEdit}
          onChange={(e) => save.mutate({ opted_out: e.target.checked })} /> Não quer receber mensagens do bot
      </label>
      <button type="submit" disabled={!canEdit || save.isPending}>Salvar</button>
    </form>
  );
}

function MergeBox({ contact }: { contact: Contact }) {
  const contacts = useContactsApi();
  const toast = useToast();
  const client = useQueryClient();
  const canEdit = useCan("edit_contacts");
  const [other, setOther] = useState("");
  const [lastMerge, setLastMerge] = useState("");
  const merge = useAction((otherId: string) => contacts.merge(contact.id, otherId),
    { invalidate: [KEY], success: "Contatos unidos (pode desfazer até o fim do dia)" });
  const undo = useAction((mergeId: string) => contacts.undoMerge(mergeId), { invalidate: [KEY], success: "União desfeita" });
  return (
    <form className="inline-form" onSubmit={(e) => {
      e.preventDefault();
      merge.mutate(other.trim(), { onSuccess: (id) => { setLastMerge(id); setOther(""); } });
    }}>
      <input aria-label="Unir com o contato (id)" placeholder="id do outro contato" value={other} disabled={!canEdit}
        onChange={(e) => setOther(e.target.value)} />
      <button type="submit" className="secondary" disabled={!canEdit || !other.trim()}>Unir a este</button>
      {lastMerge && <button type="button" className="secondary" onClick={() => undo.mutate(lastMerge, {
        onSuccess: () => { setLastMerge(""); void client.invalidateQueries({ queryKey: KEY }); toast.success("Pronto"); },
      })}>Desfazer união</button>}
    </form>
  );
}

function OrderRow({ order, contactId }: { order: Order; contactId: string }) {
  const contacts = useContactsApi();
  const canEdit = useCan("edit_orders");
  const act = useAction((status: "confirmed" | "dropped") => contacts.setOrderStatus(order.id, status),
    { invalidate: [KEY, [...KEY, "detail", contactId]], success: (o) => (o.status === "confirmed" ? "Pedido confirmado" : "Pedido descartado") });
  const items = orderItemsText(order);
  return (
    <tr data-testid="order-row">
      <td>{order.source === "bot_draft" ? "Bot" : order.source === "manual" ? "Manual" : "TikTok Shop"}</td>
      <td>{items}</td><td>{order.cep}</td><td>{order.payment}</td><td>R$ {order.total.replace(".", ",")}</td>
      <td>{order.status === "draft" ? <Badge tone="warn">rascunho</Badge> : order.status === "confirmed"
        ? <Badge tone="ok">confirmado</Badge> : <Badge tone="muted">{order.status}</Badge>}</td>
      <td>{order.status === "draft" && (<>
        <button type="button" disabled={!canEdit || act.isPending} onClick={() => act.mutate("confirmed")}>Confirmar</button>{" "}
        <button type="button" className="secondary" disabled={!canEdit || act.isPending} onClick={() => act.mutate("dropped")}>Descartar</button>
      </>)}</td>
    </tr>
  );
}

function EraseButton({ contact, onGone }: { contact: Contact; onGone: () => void }) {
  const contacts = useContactsApi();
  const canErase = useCan("manage_contact_data");
  const erase = useAction(() => contacts.erase(contact.id), { invalidate: [KEY], success: "Dados do contato apagados (LGPD)" });
  return (
    <ConfirmButton label="Apagar dados (LGPD)" confirmLabel="Apagar tudo deste contato" disabled={!canErase || erase.isPending}
      onConfirm={() => erase.mutate(undefined, { onSuccess: onGone })} />
  );
}
