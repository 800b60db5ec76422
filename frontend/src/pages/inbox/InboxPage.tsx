/**
 * Atendimento (the human inbox): the shop's conversations with unread counts and filters, the open thread with
 * who wrote each message (buyer, bot with its intent and confidence, or the agent), the buyer's context beside
 * it (stage, handoff, last intents, the contact's cart/draft order and recent orders, assignee, notes, catalog search;
 * a drawer behind "Contexto" on narrow screens) and a composer with quick replies, disabled with the reason when the
 * channel cannot deliver an agent's reply (`can_reply: false`).
 * Long lists are virtualised (10,000 conversations, 5,000-message threads). Keys: j/k next/previous, r reply,
 * t take over, b give back to the bot, Ctrl+Enter send, "/" in the composer for quick replies.
 */
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { KeyboardEvent as ReactKeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { inboxApi, InboxApi, InboxConversation, InboxFilter, InboxMessage, QuickReply } from "../../api/inbox";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, Empty, Loading, Tone } from "../../components/ui";
import { useMe } from "../../hooks/queries";
import { useAction } from "../../hooks/useAction";
import { formatAgo, formatMoney, formatPercent } from "../../i18n/format";
import { CHANNEL_LABELS, HANDOFF_LABELS, INTENT_LABELS, STAGE_LABELS, label } from "../../i18n/labels";
import { useLive } from "../../realtime/LiveProvider";
import { orderItemsText } from "../../api/contacts";
import { ContactLink, useContactOf, useContactsApi } from "../contacts/ContactLink";
import { DraftActions, ORDERS_KEY, OrderStatusBadge, orderNumber, orderTotal, orderTracking } from "../orders/orderParts";
import {
  applyInboxNotification, INBOX_EVENTS, inboxKeys, notifyHandoff, patchConversations, refreshNewestPage, refreshThread, throttle,
  withHeardDeliveries,
} from "./inboxLive";

const HANDOFF_TONE: Record<string, Tone> = { bot: "ok", waiting_human: "warn", human: "info" };
const CHANNELS = ["whatsapp", "instagram", "chatwoot", "telegram", "tiktok_shop", "api"];
const FILTERS: { id: InboxFilter; label: string }[] = [
  { id: "all", label: "Todas" }, { id: "waiting", label: "Aguardando humano" }, { id: "mine", label: "Minhas" },
];
const ROW_HEIGHT = 64;

export function useInboxApi(): InboxApi {
  const { api } = useServices();
  return useMemo(() => inboxApi(api), [api]);
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.tagName === "TEXTAREA" || element.tagName === "INPUT" || element.tagName === "SELECT"
    || element.isContentEditable);
}

export function InboxPage() {
  const inbox = useInboxApi();
  const client = useQueryClient();
  const { socket, isConnected } = useLive();
  const me = useMe();
  const can = (permission: string) => me.data?.permissions.includes(permission) ?? false;
  const [filter, setFilter] = useState<InboxFilter>("all");
  const [channel, setChannel] = useState("");
  const [selectedId, setSelectedId] = useState<string | null>(null);
  // Below 1100 px the context column is a drawer opened from the thread's header.
  const [contextOpen, setContextOpen] = useState(false);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selectedId;

  const conversations = useInfiniteQuery({
    queryKey: inboxKeys.list(filter, channel),
    queryFn: ({ pageParam }) => inbox.conversations(filter, channel, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor || undefined,
    // Live events keep it current; without the WebSocket it is polled (every loaded page: the degraded mode).
    refetchInterval: isConnected ? false : 15_000,
  });
  // Pages are ordered by last activity: a conversation updated while the agent scrolls can come back on a later
  // page; it is shown once, where it was first seen (the live merge moves it to the top).
  const rows = useMemo(() => {
    const seen = new Set<string>();
    return (conversations.data?.pages.flatMap((p) => p.items) ?? []).filter((c) => !seen.has(c.id) && seen.add(c.id));
  }, [conversations.data]);
  const selected = rows.find((c) => c.id === selectedId) ?? null;

  // Live: the open thread's newest page is fetched at once, the list's at most every 2 s (the API limit is per
  // IP); each is merged in front of the pages already loaded.
  const refreshList = useMemo(() => throttle(() => {
    const key = inboxKeys.list(filter, channel);
    void refreshNewestPage(client, key, () => inbox.conversations(filter, channel));
  }, 2_000), [client, inbox, filter, channel]);
  useEffect(() => {
    if (!socket) return undefined;
    return socket.subscribe("*", (n) => {
      if (!INBOX_EVENTS.has(n.type)) return;
      notifyHandoff(n);
      applyInboxNotification(n, client, selectedRef.current, (key) => {
        const open = selectedRef.current;
        if (key[1] !== "thread" || !open) {
          refreshList();
          return;
        }
        void refreshThread(client, inbox, open);
      });
    });
  }, [socket, client, inbox, refreshList]);

  const move = useCallback((step: number) => {
    if (rows.length === 0) return;
    const index = rows.findIndex((c) => c.id === selectedRef.current);
    const next = rows[Math.min(rows.length - 1, Math.max(0, index + step))];
    if (next) setSelectedId(next.id);
  }, [rows]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (event.key === "j") move(1);
      else if (event.key === "k") move(-1);
      else if (event.key === "r" && composerRef.current) { event.preventDefault(); composerRef.current.focus(); }
      else return;
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move]);

  return (
    <div className={contextOpen ? "inbox context-open" : "inbox"}>
      <section className="inbox-list" aria-label="Conversas">
        <div className="inbox-filters">
          <div role="tablist" aria-label="Filtro">
            {FILTERS.map((f) => (
              <button key={f.id} type="button" role="tab" aria-selected={filter === f.id}
                className={filter === f.id ? "chip active" : "chip"} onClick={() => setFilter(f.id)}>{f.label}</button>
            ))}
          </div>
          <select aria-label="Canal" value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value="">Todos os canais</option>
            {CHANNELS.map((c) => <option key={c} value={c}>{label(CHANNEL_LABELS, c)}</option>)}
          </select>
          <NotificationPermission />
        </div>
        <ErrorBox error={conversations.error} onRetry={() => void conversations.refetch()} />
        {conversations.isPending && <Loading />}
        {conversations.data && rows.length === 0 && <Empty>Nenhuma conversa aqui.</Empty>}
        <ConversationList rows={rows} selectedId={selectedId} onSelect={setSelectedId}
          onEnd={() => { if (conversations.hasNextPage && !conversations.isFetchingNextPage) void conversations.fetchNextPage(); }} />
      </section>
      {selectedId ? (
        <ConversationView key={selectedId} id={selectedId} listed={selected} composerRef={composerRef} can={can}
          contextOpen={contextOpen} onToggleContext={() => setContextOpen(!contextOpen)} />
      ) : (
        <section className="inbox-thread inbox-empty"><Empty>Escolha uma conversa (j/k para navegar).</Empty></section>
      )}
    </div>
  );
}

function NotificationPermission() {
  const supported = typeof window.Notification !== "undefined";
  const [permission, setPermission] = useState(supported ? window.Notification.permission : "denied");
  if (!supported || permission !== "default") return null;
  return (
    <button type="button" className="link-button" onClick={() => {
      void window.Notification.requestPermission().then(setPermission);
    }}>Avisar novos atendimentos</button>
  );
}

function ConversationList({ rows, selectedId, onSelect, onEnd }: {
  rows: InboxConversation[]; selectedId: string | null; onSelect: (id: string) => void; onEnd: () => void;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const items = virtual.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => { if (last && last.index >= rows.length - 10) onEnd(); }, [last, rows.length, onEnd]);
  return (
    <div ref={parent} className="inbox-scroll" role="listbox" aria-label="Lista de conversas">
      <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
        {items.map((item) => {
          const c = rows[item.index];
          if (!c) return null;
          return (
            <div key={c.id} role="option" aria-selected={c.id === selectedId} data-conversation={c.id}
              className={`inbox-row${c.id === selectedId ? " selected" : ""}${c.handoffState === "waiting_human" ? " attention" : ""}`}
              style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              onClick={() => onSelect(c.id)}>
              <div className="inbox-row-top">
                <strong className="ellipsis">{c.contactName || c.contactId}</strong>
                <span className="muted small">{formatAgo(c.updatedAt)}</span>
              </div>
              <div className="inbox-row-bottom">
                <span className="ellipsis muted" title={c.lastMessage}>{c.lastMessage || "—"}</span>
                <span className="inbox-row-badges">
                  <span className="muted small">{label(CHANNEL_LABELS, c.channel)}</span>
                  {c.handoffState !== "bot" && <Badge tone={HANDOFF_TONE[c.handoffState] ?? "muted"}>{label(HANDOFF_LABELS, c.handoffState)}</Badge>}
                  {c.unread > 0 && <span className="unread" aria-label={`${c.unread} não lidas`}>{c.unread}</span>}
                </span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function ConversationView({ id, listed, composerRef, can, contextOpen, onToggleContext }: {
  id: string; listed: InboxConversation | null; composerRef: React.RefObject<HTMLTextAreaElement | null>;
  can: (permission: string) => boolean; contextOpen: boolean; onToggleContext: () => void;
}) {
  const inbox = useInboxApi();
  const { chatbot } = useServices();
  const client = useQueryClient();
  const { isConnected } = useLive();
  const thread = useInfiniteQuery({
    queryKey: inboxKeys.thread(id),
    queryFn: async ({ pageParam }) => withHeardDeliveries(await inbox.messages(id, pageParam)),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor || undefined,
    staleTime: 0,
    refetchInterval: isConnected ? false : 15_000,
  });
  const conversation = thread.data?.pages[0]?.conversation ?? listed;
  const messages = useMemo(() => (thread.data?.pages.flatMap((p) => p.items) ?? []).slice().reverse(), [thread.data]);
  const [productHint, setProductHint] = useState<{ id: string; text: string } | null>(null);
  // The list follows from the live conversation update; the thread's newest page is fetched here.
  const newest = useCallback(() => void refreshThread(client, inbox, id), [inbox, client, id]);
  const takeOver = useAction(() => chatbot.handoff(id, "assumido no atendimento"), {
    success: () => { newest(); return "Conversa assumida: o bot ficou em silêncio"; } });
  const giveBack = useAction(() => chatbot.release(id), {
    success: () => { newest(); return "Conversa devolvida ao bot"; } });
  const withBot = conversation?.handoffState === "bot";
  const canTakeOver = can("take_over_conversations");

  // Opening a conversation reads it for the whole shop (members who may answer; a viewer only looks).
  const unread = listed?.unread ?? conversation?.unread ?? 0;
  const canAnswer = can("answer_conversations");
  const marked = useRef(-1);
  useEffect(() => {
    if (unread === 0) marked.current = 0;  // read: the next buyer message is new again
    if (unread === 0 || !canAnswer || marked.current === unread) return;
    marked.current = unread;
    void inbox.markRead(id).then((read) => patchConversations(client, (c) => c.id === id, (c) => ({ ...c, unread: read.unread })))
      .catch(() => undefined);
  }, [id, unread, canAnswer, inbox, client]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target) || !canTakeOver) return;
      if (event.key === "t" && withBot) takeOver.mutate(undefined);
      else if (event.key === "b" && !withBot) giveBack.mutate(undefined);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [withBot, canTakeOver, takeOver, giveBack]);

  return (
    <>
      <section className="inbox-thread" aria-label="Mensagens">
        <header className="inbox-thread-head">
          <div>
            <ContactLink address={conversation?.contactId ?? ""}>
              <strong>{conversation?.contactName || conversation?.contactId || id}</strong>
            </ContactLink>
            <div className="muted small">{conversation && label(CHANNEL_LABELS, conversation.channel)} · {conversation?.contactId}</div>
          </div>
          <div className="actions">
            <button type="button" className="secondary context-toggle" aria-expanded={contextOpen}
              aria-controls="inbox-context" onClick={onToggleContext}>Contexto</button>
            {conversation && <Badge tone={HANDOFF_TONE[conversation.handoffState] ?? "muted"}>{label(HANDOFF_LABELS, conversation.handoffState)}</Badge>}
            {canTakeOver && (withBot ? (
              <button type="button" className="secondary" disabled={takeOver.isPending} onClick={() => takeOver.mutate(undefined)}
                title="Atalho: t">Assumir conversa</button>
            ) : (
              <button type="button" className="secondary" disabled={giveBack.isPending} onClick={() => giveBack.mutate(undefined)}
                title="Atalho: b">Devolver ao bot</button>
            ))}
          </div>
        </header>
        <ErrorBox error={thread.error} onRetry={() => void thread.refetch()} />
        {thread.isPending && <Loading />}
        <MessageList messages={messages} hasOlder={!!thread.hasNextPage}
          onTop={() => { if (thread.hasNextPage && !thread.isFetchingNextPage) void thread.fetchNextPage(); }} />
        {can("answer_conversations") && conversation && (
          <Composer conversation={conversation} composerRef={composerRef} productHint={productHint}
            onSent={newest} />
        )}
      </section>
      {conversation && (
        <ContextPanel conversation={conversation} messages={messages} can={can} onClose={onToggleContext}
          onPaste={(hint) => { setProductHint(hint); composerRef.current?.focus(); }} />
      )}
    </>
  );
}

const AUTHOR_LABEL = { buyer: "Cliente", bot: "Bot", human: "Atendente" } as const;
const STATUS_LABEL: Record<string, string> = { sent: "enviada", delivered: "entregue", read: "lida", failed: "falhou",
  pending: "aguardando", answered: "respondida", silenced: "sem resposta do bot" };

function MessageList({ messages, hasOlder, onTop }: { messages: InboxMessage[]; hasOlder: boolean; onTop: () => void }) {
  const parent = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: messages.length, getScrollElement: () => parent.current,
    estimateSize: () => 72, overscan: 6, getItemKey: (index) => messages[index]?.id ?? index });
  const newest = messages[messages.length - 1]?.id;
  const count = messages.length;
  const pinned = useRef(true);
  useEffect(() => {
    // Follow new messages while the agent is at the bottom; keep the place while they read older ones.
    if (count > 0 && pinned.current) virtual.scrollToIndex(count - 1, { align: "end" });
  }, [newest, count, virtual]);
  const items = virtual.getVirtualItems();
  const first = items[0];
  useEffect(() => { if (first && first.index === 0 && hasOlder) onTop(); }, [first, hasOlder, onTop]);
  return (
    <div ref={parent} className="inbox-scroll inbox-messages" role="log" aria-label="Histórico da conversa"
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}>
      <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
        {items.map((item) => {
          const m = messages[item.index];
          if (!m) return null;
          return (
            <div key={item.key} data-index={item.index} ref={virtual.measureElement}
              style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
              <div className={`bubble bubble-${m.author}`} data-author={m.author} data-message={m.id}>
                <div className="bubble-meta">
                  <strong>{m.author === "human" ? m.authorName || AUTHOR_LABEL.human : AUTHOR_LABEL[m.author]}</strong>
                  {m.intent && <span title="Intenção detectada">{label(INTENT_LABELS, m.intent)}{m.confidence > 0 && ` · ${formatPercent(m.confidence)}`}</span>}
                  <span>{formatAgo(m.createdAt)}</span>
                  {m.direction === "out" && <span className={`status status-${m.status}`}>{STATUS_LABEL[m.status] ?? m.status}</span>}
                </div>
                <div className="bubble-text">{m.text}</div>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function Composer({ conversation, composerRef, productHint, onSent }: {
  conversation: InboxConversation; composerRef: React.RefObject<HTMLTextAreaElement | null>;
  productHint: { id: string; text: string } | null; onSent: () => void;
}) {
  const inbox = useInboxApi();
  const [text, setText] = useState("");
  const [picked, setPicked] = useState(0);
  const quickReplies = useQuery({ queryKey: inboxKeys.quickReplies, queryFn: inbox.quickReplies, staleTime: 60_000 });
  const send = useAction((body: string) => inbox.reply(conversation.id, body));
  const blocked = !conversation.canReply;
  useEffect(() => {
    if (productHint) setText((current) => (current ? `${current} ${productHint.text}` : productHint.text));
  }, [productHint]);

  const query = text.startsWith("/") && !text.includes(" ") ? text.slice(1).toLowerCase() : null;
  const suggestions: QuickReply[] = query === null ? []
    : (quickReplies.data ?? []).filter((q) => q.shortcut.startsWith(query)).slice(0, 6);

  async function applyQuickReply(quick: QuickReply) {
    try {
      const rendered = await inbox.renderQuickReply(quick.id, conversation.id, productHint?.id ?? "");
      setText(rendered.text);
    } catch {
      setText(quick.text);
    }
    composerRef.current?.focus();
  }

  function submit() {
    const body = text.trim();
    if (!body || send.isPending || blocked) return;
    send.mutate(body, { onSuccess: () => { setText(""); onSent(); } });
  }

  function onKeyDown(event: ReactKeyboardEvent<HTMLTextAreaElement>) {
    if (suggestions.length > 0) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setPicked((p) => (p + (event.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        const quick = suggestions[Math.min(picked, suggestions.length - 1)];
        if (quick) void applyQuickReply(quick);
        return;
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(); }
    if (event.key === "Escape") event.currentTarget.blur();
  }

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      {suggestions.length > 0 && (
        <ul className="quick-replies" role="listbox" aria-label="Respostas rápidas">
          {suggestions.map((q, i) => (
            <li key={q.id} role="option" aria-selected={i === picked} className={i === picked ? "active" : undefined}
              onMouseDown={(e) => { e.preventDefault(); void applyQuickReply(q); }}>
              <strong>/{q.shortcut}</strong> <span className="muted ellipsis">{q.text}</span>
            </li>
          ))}
        </ul>
      )}
      {blocked && <p className="notice small" role="note">{cannotReplyText(conversation.channel)}</p>}
      <textarea ref={composerRef} aria-label="Responder ao cliente" rows={3} value={text} maxLength={4096}
        disabled={blocked}
        placeholder={blocked ? "Respostas por este canal não podem ser enviadas daqui" : conversation.handoffState === "bot"
          ? "Responder assume a conversa (o bot fica em silêncio). / para respostas rápidas"
          : "Escreva a resposta… / para respostas rápidas, Ctrl+Enter envia"}
        onChange={(e) => { setText(e.target.value); setPicked(0); }} onKeyDown={onKeyDown} />
      <div className="composer-actions">
        <span className="muted small">Enviado por {label(CHANNEL_LABELS, conversation.channel)}</span>
        <button type="submit" disabled={blocked || !text.trim() || send.isPending}>Enviar</button>
      </div>
    </form>
  );
}

/** Why the composer is off: the channel cannot carry an agent's message (the API says `can_reply: false`). */
export function cannotReplyText(channel: string): string {
  if (channel === "tiktok_shop") {
    return "O Seller Bot não consegue entregar respostas de atendente no chat do TikTok Shop: responda pela central "
      + "de mensagens do Seller Center. Você ainda pode assumir a conversa para o bot ficar em silêncio.";
  }
  if (channel === "api") {
    return "Conversas do canal API não têm para onde enviar a resposta de um atendente: quem chama a API recebe só "
      + "as respostas do bot.";
  }
  return `Este canal (${label(CHANNEL_LABELS, channel)}) não entrega respostas de atendente enviadas daqui.`;
}

function ContextPanel({ conversation, messages, can, onPaste, onClose }: {
  conversation: InboxConversation; messages: InboxMessage[]; can: (permission: string) => boolean;
  onPaste: (hint: { id: string; text: string }) => void; onClose: () => void;
}) {
  const lastIntents = useMemo(() => {
    const seen: string[] = [];
    for (let i = messages.length - 1; i >= 0 && seen.length < 5; i -= 1) {
      const m = messages[i];
      if (m && m.direction === "in" && m.intent && !seen.includes(m.intent)) seen.push(m.intent);
    }
    return seen;
  }, [messages]);
  return (
    <aside id="inbox-context" className="inbox-context" aria-label="Contexto do cliente">
      <div className="inbox-context-head">
        <h3>Cliente</h3>
        <button type="button" className="link-button context-toggle" onClick={onClose}>Fechar</button>
      </div>
      <dl className="facts">
        <dt>Etapa</dt><dd>{conversation.stage ? label(STAGE_LABELS, conversation.stage) : "—"}{conversation.converted && <> <Badge tone="ok">Venda</Badge></>}</dd>
        <dt>Atendimento</dt><dd>{label(HANDOFF_LABELS, conversation.handoffState)}{conversation.handoffReason && <div className="muted small">{conversation.handoffReason}</div>}</dd>
        <dt>Últimas intenções</dt><dd>{lastIntents.length ? lastIntents.map((i) => label(INTENT_LABELS, i)).join(", ") : "—"}</dd>
        <dt>Mensagens</dt><dd>{conversation.messageCount}</dd>
      </dl>
      <BuyerOrders address={conversation.contactId} />
      <Assignee conversation={conversation} canAssign={can("assign_conversations")} />
      <CatalogSearch onPaste={onPaste} />
      <Notes conversationId={conversation.id} canWrite={can("write_notes")} />
    </aside>
  );
}

const RECENT_ORDERS = 5;

/** The contact behind the conversation (CRM), its cart (the draft order the bot collected, to confirm or drop)
 * and its latest orders with status and tracking. */
function BuyerOrders({ address }: { address: string }) {
  const contact = useContactOf(address);
  const contacts = useContactsApi();
  const contactId = contact.data?.id ?? "";
  const orders = useQuery({
    queryKey: [...ORDERS_KEY, "contact", contactId],
    queryFn: () => contacts.orders({ contact: contactId, status: "", source: "" }, "", 20),
    enabled: !!contactId, staleTime: 30_000, refetchInterval: 60_000,
  });
  if (contact.isPending) return null;
  if (contact.error) return <ErrorBox error={contact.error} onRetry={() => void contact.refetch()} />;
  if (!contact.data) return <p className="muted small">Cliente ainda não está em Contatos.</p>;
  const all = orders.data?.items ?? [];
  const drafts = all.filter((o) => o.status === "draft");
  const recent = all.filter((o) => o.status !== "draft").slice(0, RECENT_ORDERS);
  return (
    <div className="stack buyer-orders">
      <ContactLink contactId={contact.data.id}>Abrir contato</ContactLink>
      <h3>Carrinho</h3>
      <ErrorBox error={orders.error} onRetry={() => void orders.refetch()} />
      {orders.data && drafts.length === 0 && <span className="muted small">Nenhum pedido em rascunho.</span>}
      <ul className="orders-mini" aria-label="Carrinho">
        {drafts.map((o) => (
          <li key={o.id} data-testid="cart-order">
            <div>{orderItemsText(o) || "—"}</div>
            <div className="muted small">{orderTotal(o)}{o.cep && ` · CEP ${o.cep}`}{o.payment && ` · ${o.payment}`}</div>
            <DraftActions order={o} />
          </li>
        ))}
      </ul>
      <h3>Pedidos recentes</h3>
      {orders.data && recent.length === 0 && <span className="muted small">Nenhum pedido.</span>}
      <ul className="orders-mini" aria-label="Pedidos recentes">
        {recent.map((o) => (
          <li key={o.id} data-testid="recent-order">
            <div className="row-between"><code>{orderNumber(o)}</code> <OrderStatusBadge status={o.status} /></div>
            <div className="muted small">{orderItemsText(o) || "—"} · {orderTotal(o)}</div>
            {(o.carrier || o.trackingNumber) && <div className="small">Rastreio: {orderTracking(o)}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Assignee({ conversation, canAssign }: { conversation: InboxConversation; canAssign: boolean }) {
  const inbox = useInboxApi();
  const { team } = useServices();
  const members = useQuery({ queryKey: ["teamMembers"], queryFn: team.members, staleTime: 5 * 60_000, enabled: canAssign });
  const client = useQueryClient();
  // The list row follows from the live assignment event; the thread's header from its newest page.
  const assign = useAction((userId: string) => inbox.assign(conversation.id, userId), {
    success: () => {
      void refreshThread(client, inbox, conversation.id);
      return "Responsável atualizado";
    } });
  const answerers = (members.data ?? []).filter((m) => m.role !== "viewer");
  return (
    <label className="stack">
      Responsável
      {canAssign ? (
        <select value={conversation.assigneeId} disabled={assign.isPending} onChange={(e) => assign.mutate(e.target.value)}>
          <option value="">Ninguém</option>
          {conversation.assigneeId && !answerers.some((m) => m.userId === conversation.assigneeId) && (
            <option value={conversation.assigneeId}>{conversation.assigneeName}</option>
          )}
          {answerers.map((m) => <option key={m.userId} value={m.userId}>{m.email}</option>)}
        </select>
      ) : <span>{conversation.assigneeName || "Ninguém"}</span>}
    </label>
  );
}

function CatalogSearch({ onPaste }: { onPaste: (hint: { id: string; text: string }) => void }) {
  const { chatbot } = useServices();
  const [q, setQ] = useState("");
  const products = useQuery({ queryKey: ["inbox", "catalog", q], queryFn: () => chatbot.listProducts(q), enabled: q.trim().length >= 2,
    staleTime: 60_000 });
  return (
    <div className="stack">
      <label className="stack">Catálogo
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Buscar produto para colar" />
      </label>
      <ul className="catalog-results">
        {(products.data ?? []).slice(0, 5).map((p) => (
          <li key={p.id}>
            <span className="ellipsis">{p.name} · {formatMoney(p.price, p.currency)} · {p.stock} em estoque</span>
            <button type="button" className="link-button" onClick={() => onPaste({ id: p.id,
              text: `${p.name} por ${formatMoney(p.price, p.currency)}` })}>Colar</button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Notes({ conversationId, canWrite }: { conversationId: string; canWrite: boolean }) {
  const inbox = useInboxApi();
  const notes = useQuery({ queryKey: inboxKeys.notes(conversationId), queryFn: () => inbox.notes(conversationId) });
  const [text, setText] = useState("");
  const add = useAction((body: string) => inbox.addNote(conversationId, body), {
    invalidate: [inboxKeys.notes(conversationId)], success: "Nota salva (não é enviada ao cliente)" });
  return (
    <div className="stack">
      <h3>Notas internas</h3>
      <ul className="notes">
        {(notes.data ?? []).map((n) => (
          <li key={n.id}><div className="muted small">{n.authorName} · {formatAgo(n.createdAt)}</div>{n.text}</li>
        ))}
      </ul>
      {canWrite && (
        <form onSubmit={(e) => { e.preventDefault(); if (text.trim()) add.mutate(text.trim(), { onSuccess: () => setText("") }); }}>
          <textarea aria-label="Nova nota interna" rows={2} value={text} onChange={(e) => setText(e.target.value)} maxLength={4096} />
          <button type="submit" className="secondary" disabled={!text.trim() || add.isPending}>Adicionar nota</button>
        </form>
      )}
    </div>
  );
}
