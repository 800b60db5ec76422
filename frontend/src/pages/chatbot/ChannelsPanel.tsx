/** Channel accounts (WhatsApp via Evolution, Chatwoot, Instagram, Telegram): list, register, remove. */
import { FormEvent, useState } from "react";
import type { ChannelAccountInput } from "../../api/endpoints";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { ConfirmButton, Empty, Loading, Panel } from "../../components/ui";
import { useChannelAccounts } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { CHANNEL_LABELS, label } from "../../i18n/labels";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";

const CHANNELS = ["evolution", "chatwoot", "instagram", "telegram"] as const;
type ChannelId = (typeof CHANNELS)[number];

interface SettingField {
  key: string;
  label: string;
  kind: "url" | "bool" | "select";
  options?: string[];
}

/** What each platform takes (channel-adapter's accounts.py): the account key, settings and secrets. */
const CHANNEL_FIELDS: Record<ChannelId, { key: string; settings: SettingField[]; secrets: string[]; required: string[] }> = {
  evolution: {
    key: "Nome da instância",
    settings: [
      { key: "base_url", label: "URL do servidor Evolution", kind: "url" },
      { key: "api_version", label: "Versão da API", kind: "select", options: ["v2", "v1"] },
      { key: "accept_group_chats", label: "Responder em grupos", kind: "bool" },
    ],
    secrets: ["api_key", "webhook_secret"], required: ["api_key"],
  },
  chatwoot: {
    key: "ID da conta Chatwoot",
    settings: [
      { key: "base_url", label: "URL do Chatwoot", kind: "url" },
      { key: "require_signature", label: "Exigir assinatura do webhook", kind: "bool" },
      { key: "bot_mode", label: "Responder só conversas pendentes (modo bot)", kind: "bool" },
    ],
    secrets: ["api_token", "webhook_secret"], required: ["api_token"],
  },
  instagram: {
    key: "ID da conta do Instagram",
    settings: [{ key: "base_url", label: "URL da Graph API (com versão)", kind: "url" }],
    secrets: ["access_token", "app_secret", "verify_token"], required: ["access_token", "app_secret"],
  },
  telegram: {
    key: "ID do bot",
    settings: [{ key: "base_url", label: "URL da Bot API", kind: "url" }],
    secrets: ["bot_token", "secret_token"], required: ["bot_token", "secret_token"],
  },
};

export function ChannelsPanel() {
  const accounts = useChannelAccounts();
  const [creating, setCreating] = useState(false);
  const canEdit = useCan("edit_channels");
  return (
    <Panel title="Canais de atendimento" actions={
      <button type="button" className={creating ? "secondary" : "primary"} disabled={!canEdit}
        title={canEdit ? undefined : NOT_ALLOWED} onClick={() => setCreating(!creating)}>
        {creating ? "Cancelar" : "Conectar canal"}
      </button>}>
      {creating && <ChannelForm onDone={() => setCreating(false)} />}
      <ErrorBox error={accounts.error} onRetry={() => void accounts.refetch()} />
      {accounts.isPending && <Loading />}
      {accounts.data?.length === 0 && <Empty>Nenhum canal conectado.</Empty>}
      {accounts.data && accounts.data.length > 0 && (
        <table className="table">
          <thead><tr><th>Canal</th><th>Conta</th><th>Configuração</th><th>Segredos guardados</th><th>Criado em</th><th /></tr></thead>
          <tbody>
            {accounts.data.map((a) => <AccountRow key={a.id} id={a.id} channel={a.channel} name={a.displayName || a.accountKey}
              accountKey={a.accountKey} settings={a.settings} secrets={a.secretFields} createdAt={a.createdAt} />)}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function AccountRow({ id, channel, name, accountKey, settings, secrets, createdAt }: {
  id: string; channel: string; name: string; accountKey: string; settings: Record<string, unknown>; secrets: string[]; createdAt: string | null;
}) {
  const { chatbot } = useServices();
  const canEdit = useCan("edit_channels");
  const remove = useAction(() => chatbot.deleteChannel(id), { invalidate: [queryKeys.sellerBotChannels], success: `${name} desconectado` });
  return (
    <tr>
      <td>{label(CHANNEL_LABELS, channel)}</td>
      <td><strong>{name}</strong>{name !== accountKey && <div className="muted small">{accountKey}</div>}</td>
      <td className="small">{Object.entries(settings).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" · ") || "—"}</td>
      <td className="small">{secrets.length ? secrets.map((s) => <code key={s} className="chip">{s}</code>) : "—"}</td>
      <td>{formatDateTime(createdAt)}</td>
      <td className="actions"><ConfirmButton label="Remover" confirmLabel="Desconectar" onConfirm={() => remove.mutate(undefined)} disabled={remove.isPending || !canEdit} /></td>
    </tr>
  );
}

function ChannelForm({ onDone }: { onDone: () => void }) {
  const { chatbot } = useServices();
  const [channel, setChannel] = useState<ChannelId>("evolution");
  const [accountKey, setAccountKey] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [settings, setSettings] = useState<Record<string, string | boolean>>({});
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const register = useAction((input: ChannelAccountInput) => chatbot.registerChannel(input), {
    invalidate: [queryKeys.sellerBotChannels], success: (a) => `${label(CHANNEL_LABELS, a.channel)} conectado`, silentError: true,
  });
  const fields = CHANNEL_FIELDS[channel];

  function submit(event: FormEvent) {
    event.preventDefault();
    // Only what the seller filled in: empty settings keep the server's defaults.
    const chosenSettings = Object.fromEntries(fields.settings
      .map((f) => [f.key, settings[f.key]] as const)
      .filter(([, v]) => v === true || (typeof v === "string" && v.trim() !== ""))
      .map(([k, v]) => [k, typeof v === "string" ? v.trim() : v]));
    const chosenSecrets = Object.fromEntries(fields.secrets
      .filter((k) => (secrets[k] ?? "").trim()).map((k) => [k, (secrets[k] ?? "").trim()]));
    register.mutate({
      channel, account_key: accountKey.trim(), display_name: displayName.trim(), settings: chosenSettings, secrets: chosenSecrets,
    }, { onSuccess: onDone });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Conectar canal">
      <div className="form-grid">
        <label>Canal
          <select value={channel} onChange={(e) => { setChannel(e.target.value as ChannelId); setSettings({}); setSecrets({}); }}>
            {CHANNELS.map((c) => <option key={c} value={c}>{label(CHANNEL_LABELS, c)}</option>)}
          </select>
        </label>
        <label>{fields.key}<input required maxLength={200} value={accountKey} onChange={(e) => setAccountKey(e.target.value)} /></label>
        <label>Nome de exibição<input maxLength={200} value={displayName} onChange={(e) => setDisplayName(e.target.value)} /></label>
        {fields.settings.map((f) => {
          if (f.kind === "bool") {
            return (
              <label key={f.key} className="inline checkbox">
                <input type="checkbox" checked={settings[f.key] === true} onChange={(e) => setSettings({ ...settings, [f.key]: e.target.checked })} /> {f.label}
              </label>
            );
          }
          if (f.kind === "select") {
            return (
              <label key={f.key}>{f.label}
                <select value={String(settings[f.key] ?? "")} onChange={(e) => setSettings({ ...settings, [f.key]: e.target.value })}>
                  <option value="">padrão do servidor</option>
                  {f.options?.map((o) => <option key={o} value={o}>{o}</option>)}
                </select>
              </label>
            );
          }
          return (
            <label key={f.key}>{f.label}
              <input type="url" value={String(settings[f.key] ?? "")} placeholder="padrão do servidor"
                onChange={(e) => setSettings({ ...settings, [f.key]: e.target.value })} />
            </label>
          );
        })}
        {fields.secrets.map((k) => (
          <label key={k}><span><code>{k}</code>{fields.required.includes(k) ? " (obrigatório)" : " (opcional)"}</span>
            <input type="password" autoComplete="off" required={fields.required.includes(k)} value={secrets[k] ?? ""}
              onChange={(e) => setSecrets({ ...secrets, [k]: e.target.value })} />
          </label>
        ))}
      </div>
      <p className="muted small">Os segredos são guardados criptografados e nunca voltam para o painel.</p>
      <ErrorBox error={register.error} />
      <div className="row"><button type="submit" className="primary" disabled={register.isPending}>{register.isPending ? "Salvando…" : "Conectar"}</button></div>
    </form>
  );
}
