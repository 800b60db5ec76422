/** Chatbot IA: conversations, analytics, catalog, quick replies, configuration (with the CRM webhook's failed
 * deliveries), channels and failed deliveries. */
import { useState } from "react";
import { Tabs } from "../../components/ui";
import { AnalyticsPanel } from "./AnalyticsPanel";
import { ChannelsPanel } from "./ChannelsPanel";
import { ConfigEditor } from "./ConfigEditor";
import { ConversationsPanel } from "./ConversationsPanel";
import { CrmWebhookDeliveriesPanel } from "./CrmWebhookDeliveriesPanel";
import { DeadLettersPanel } from "./DeadLettersPanel";
import { ProductsPanel } from "./ProductsPanel";
import { QuickRepliesPanel } from "./QuickRepliesPanel";
import { ChatStatsCards } from "./ChatStatsCards";
import { TestMessagePanel } from "./TestMessagePanel";

type Section = "conversations" | "analytics" | "catalog" | "quickReplies" | "config" | "channels" | "failures";
const SECTIONS: { id: Section; label: string }[] = [
  { id: "conversations", label: "Conversas" },
  { id: "analytics", label: "Análises" },
  { id: "catalog", label: "Catálogo" },
  { id: "quickReplies", label: "Respostas rápidas" },
  { id: "config", label: "Configuração" },
  { id: "channels", label: "Canais" },
  { id: "failures", label: "Falhas de entrega" },
];

export function ChatbotDashboard() {
  const [section, setSection] = useState<Section>("conversations");
  const [period, setPeriod] = useState("7d");
  return (
    <div className="dashboard">
      <div className="subnav">
        <Tabs<Section> label="Seções do chatbot" tabs={SECTIONS} active={section} onChange={setSection} />
        {(section === "conversations" || section === "analytics") && (
          <label className="inline">
            Período
            <select value={period} onChange={(e) => setPeriod(e.target.value)}>
              <option value="24h">Últimas 24 h</option>
              <option value="7d">Últimos 7 dias</option>
              <option value="30d">Últimos 30 dias</option>
            </select>
          </label>
        )}
      </div>
      {section === "conversations" && <>
        <ChatStatsCards period={period} />
        <ConversationsPanel />
        <TestMessagePanel />
      </>}
      {section === "analytics" && <AnalyticsPanel period={period} />}
      {section === "catalog" && <ProductsPanel />}
      {section === "quickReplies" && <QuickRepliesPanel />}
      {section === "config" && <><ConfigEditor /><CrmWebhookDeliveriesPanel /></>}
      {section === "channels" && <ChannelsPanel />}
      {section === "failures" && <DeadLettersPanel />}
    </div>
  );
}
