/** SellerBot: the unified dashboard with its tabs (Automação, Chatbot IA, Atendimento, Contatos, Pedidos, Equipe),
 * live status and toasts. */
import { Logo } from "../components/Logo";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useServices } from "../api/services";
import { useToast } from "../components/Toasts";
import { Tabs } from "../components/ui";
import { useMe } from "../hooks/queries";
import { useLive } from "../realtime/LiveProvider";
import { applyNotification, createThrottledInvalidator } from "../realtime/notificationEffects";
import type { SocketStatus } from "../realtime/notificationSocket";
import { BotDashboard } from "./automation/BotDashboard";
import { ChatbotDashboard } from "./chatbot/ChatbotDashboard";
import { ContactsPage } from "./contacts/ContactsPage";
import { InboxPage } from "./inbox/InboxPage";
import { NavigationProvider } from "./navigation";
import { OrdersPage } from "./orders/OrdersPage";
import { TeamPanel } from "./team/TeamPanel";

type TabId = "automation" | "chatbot" | "inbox" | "contacts" | "orders" | "team";
const TAB_KEY = "sellerbot.tab";

const LIVE_TEXT: Record<SocketStatus, string> = {
  idle: "Conectando…",
  connecting: "Conectando…",
  open: "Ao vivo",
  reconnecting: "Reconectando (atualizando a cada 15 s)",
  unauthorized: "Sessão expirada",
  stopped: "Desconectado",
};

function LiveIndicator({ status }: { status: SocketStatus }) {
  return (
    <span className={`live live-${status === "open" ? "on" : "off"}`} title="Notificações em tempo real">
      <span className="live-dot" aria-hidden="true" /> {LIVE_TEXT[status]}
    </span>
  );
}

/** Wires live notifications to toasts and query refreshes for as long as the dashboard is shown. */
function useNotificationEffects() {
  const { socket } = useLive();
  const client = useQueryClient();
  const toast = useToast();
  const invalidate = useMemo(() => createThrottledInvalidator(client), [client]);
  useEffect(() => {
    if (!socket) return undefined;
    return socket.subscribe("*", (n) => applyNotification(n, client, toast, invalidate));
  }, [socket, client, toast, invalidate]);
}

export function SellerBot() {
  const { api } = useServices();
  const { status } = useLive();
  const me = useMe();
  const [tab, setTab] = useState<TabId>(() => (sessionStorage.getItem(TAB_KEY) as TabId | null) ?? "automation");
  // A link from a conversation or an order: the Contatos tab opens (afresh, `key`) on that contact.
  const [contactTarget, setContactTarget] = useState<{ id: string | null; n: number }>({ id: null, n: 0 });
  useNotificationEffects();

  const changeTab = useCallback((next: TabId) => {
    setTab(next);
    sessionStorage.setItem(TAB_KEY, next);
  }, []);
  const navigation = useMemo(() => ({
    openContact: (id: string) => {
      setContactTarget((t) => ({ id, n: t.n + 1 }));
      changeTab("contacts");
    },
  }), [changeTab]);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand"><Logo /> Seller Bot</div>
        <Tabs<TabId> label="Módulos" active={tab} onChange={changeTab}
          tabs={[{ id: "automation", label: "Automação" }, { id: "chatbot", label: "Chatbot IA" },
            { id: "inbox", label: "Atendimento" }, { id: "contacts", label: "Contatos" },
            { id: "orders", label: "Pedidos" }, { id: "team", label: "Equipe" }]} />
        <div className="topbar-right">
          <LiveIndicator status={status} />
          <span className="user" title={me.data?.id}>{me.data?.email ?? ""}</span>
          <button type="button" className="secondary" onClick={() => api.logout()}>Sair</button>
        </div>
      </header>
      <main className="content">
        <NavigationProvider value={navigation}>
          {tab === "automation" ? <BotDashboard /> : tab === "chatbot" ? <ChatbotDashboard />
            : tab === "inbox" ? <InboxPage />
              : tab === "contacts" ? <ContactsPage key={contactTarget.n} openId={contactTarget.id} />
                : tab === "orders" ? <OrdersPage /> : <TeamPanel />}
        </NavigationProvider>
      </main>
    </div>
  );
}
