/** Seller Center profiles: list, create, verify the login (with the 2FA code when asked), delete. */
import { FormEvent, useState } from "react";
import type { ProfileInput } from "../../api/endpoints";
import { useServices } from "../../api/services";
import { BotProfile, CAPPED_TASK_TYPES } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, ConfirmButton, Empty, Loading, Panel, Tone } from "../../components/ui";
import { useBotProfiles } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { PROFILE_STATUS_LABELS, TASK_TYPE_LABELS, label } from "../../i18n/labels";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";
import { ShopApiCell } from "./ShopApiCell";

const STATUS_TONE: Record<string, Tone> = {
  verified: "ok", verifying: "info", unverified: "muted", needs_2fa: "warn", captcha: "warn",
  expired: "warn", blocked: "bad", failed: "bad",
};

export function profileTone(status: string): Tone {
  return STATUS_TONE[status] ?? "muted";
}

export function ProfilesPanel() {
  const profiles = useBotProfiles();
  const [creating, setCreating] = useState(false);
  const canEdit = useCan("edit_profiles");
  return (
    <Panel title="Perfis do TikTok Shop" actions={
      <button type="button" className={creating ? "secondary" : "primary"} disabled={!canEdit}
        title={canEdit ? undefined : NOT_ALLOWED} onClick={() => setCreating(!creating)}>
        {creating ? "Cancelar" : "Novo perfil"}
      </button>}>
      {creating && <ProfileForm onDone={() => setCreating(false)} />}
      <ErrorBox error={profiles.error} onRetry={() => void profiles.refetch()} />
      {profiles.isPending && <Loading />}
      {profiles.data?.length === 0 && <Empty>Nenhum perfil ainda. Cadastre a conta do Seller Center para começar.</Empty>}
      {profiles.data && profiles.data.length > 0 && (
        <table className="table">
          <thead>
            <tr><th>Perfil</th><th>Login</th><th>Região</th><th>Status</th><th>Verificado em</th><th>Horário</th><th>API TikTok Shop</th><th /></tr>
          </thead>
          <tbody>
            {profiles.data.map((p) => <ProfileRow key={p.id} profile={p} />)}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function ProfileRow({ profile: p }: { profile: BotProfile }) {
  const { bot } = useServices();
  const [code, setCode] = useState("");
  const canEdit = useCan("edit_profiles");
  const refresh = [queryKeys.botProfiles, queryKeys.botStats] as const;
  const verify = useAction((c: string) => bot.verifyProfile(p.id, c || undefined), {
    invalidate: refresh,
    success: (r) => `Perfil ${r.name || p.name}: ${label(PROFILE_STATUS_LABELS, r.status)}`,
  });
  const remove = useAction(() => bot.deleteProfile(p.id), { invalidate: refresh, success: `Perfil ${p.name} removido` });
  const needsCode = p.status === "needs_2fa";

  function sendCode(event: FormEvent) {
    event.preventDefault();
    verify.mutate(code.trim(), { onSuccess: () => setCode("") });
  }

  return (
    <tr>
      <td>
        <strong>{p.name || p.id}</strong>
        {p.hasProxy && <span className="muted small"> · proxy</span>}
        {Object.keys(p.dailyCaps).length > 0 && (
          <div className="muted small">
            Limites/dia: {Object.entries(p.dailyCaps).map(([k, v]) => `${label(TASK_TYPE_LABELS, k)} ${v}`).join(", ")}
          </div>
        )}
      </td>
      <td>{p.login}</td>
      <td>{p.region}</td>
      <td>
        <Badge tone={profileTone(p.status)}>{label(PROFILE_STATUS_LABELS, p.status)}</Badge>
        {p.statusReason && <div className="muted small">{p.statusReason}</div>}
      </td>
      <td>{formatDateTime(p.lastVerifiedAt)}</td>
      <td>{p.activeHours || "24 h"}</td>
      <td><ShopApiCell profileId={p.id} name={p.name} canEdit={canEdit} /></td>
      <td className="actions">
        {needsCode ? (
          <form className="inline-form" onSubmit={sendCode} aria-label={`Código 2FA de ${p.name}`}>
            <input inputMode="numeric" pattern="\d{4,8}" maxLength={8} required placeholder="Código 2FA"
              aria-label="Código de verificação" value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ""))}
              className="narrow" />
            <button type="submit" className="primary" disabled={verify.isPending}>Enviar código</button>
          </form>
        ) : (
          <button type="button" className="secondary" disabled={verify.isPending || p.status === "verifying" || !canEdit}
            onClick={() => verify.mutate("")}>
            {verify.isPending ? "Verificando…" : "Verificar login"}
          </button>
        )}
        <ConfirmButton label="Excluir" confirmLabel="Excluir perfil" onConfirm={() => remove.mutate(undefined)}
          disabled={remove.isPending || !canEdit} />
      </td>
    </tr>
  );
}

const EMPTY_PROFILE = {
  name: "", login: "", password: "", region: "BR", seller_center_url: "", proxy: "",
  timezone: "America/Sao_Paulo", active_start: "", active_end: "",
};

function ProfileForm({ onDone }: { onDone: () => void }) {
  const { bot } = useServices();
  const [form, setForm] = useState(EMPTY_PROFILE);
  const [caps, setCaps] = useState<Record<string, string>>({});
  const create = useAction((input: ProfileInput) => bot.createProfile(input), {
    invalidate: [queryKeys.botProfiles, queryKeys.botStats],
    success: (p) => `Perfil ${p.name} criado. Clique em “Verificar login”.`,
    silentError: true,
  });
  const set = (key: keyof typeof EMPTY_PROFILE) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });

  function submit(event: FormEvent) {
    event.preventDefault();
    const dailyCaps = Object.fromEntries(Object.entries(caps).filter(([, v]) => v.trim() !== "").map(([k, v]) => [k, Number(v)]));
    const activeHours = form.active_start && form.active_end ? `${form.active_start}-${form.active_end}` : "";
    create.mutate({
      name: form.name.trim(), login: form.login.trim(), password: form.password, region: form.region.trim() || "BR",
      seller_center_url: form.seller_center_url.trim(), proxy: form.proxy.trim(), timezone: form.timezone.trim(),
      active_hours: activeHours, daily_caps: dailyCaps,
    }, { onSuccess: () => { setForm(EMPTY_PROFILE); setCaps({}); onDone(); } });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Novo perfil">
      <div className="form-grid">
        <label>Nome do perfil<input required maxLength={120} value={form.name} onChange={set("name")} placeholder="Loja principal" /></label>
        <label>E-mail ou telefone do Seller Center<input required minLength={3} value={form.login} onChange={set("login")} autoComplete="off" /></label>
        <label>Senha<input required type="password" value={form.password} onChange={set("password")} autoComplete="new-password" /></label>
        <label>Região<input maxLength={8} value={form.region} onChange={set("region")} /></label>
        <label>URL do Seller Center<input type="url" value={form.seller_center_url} onChange={set("seller_center_url")} placeholder="padrão do servidor" /></label>
        <label>Proxy<input value={form.proxy} onChange={set("proxy")} placeholder="http://usuario:senha@host:porta" /></label>
        <label>Fuso horário<input value={form.timezone} onChange={set("timezone")} /></label>
        <fieldset className="inline-fieldset">
          <legend>Horário ativo (vazio = 24 h)</legend>
          <input type="time" aria-label="Início do horário ativo" value={form.active_start} onChange={set("active_start")} />
          <span>até</span>
          <input type="time" aria-label="Fim do horário ativo" value={form.active_end} onChange={set("active_end")} />
        </fieldset>
      </div>
      <fieldset className="caps">
        <legend>Limite diário por tipo de tarefa (opcional)</legend>
        {CAPPED_TASK_TYPES.map((t) => (
          <label key={t} className="inline">
            {TASK_TYPE_LABELS[t]}
            <input type="number" min={0} className="narrow" value={caps[t] ?? ""} onChange={(e) => setCaps({ ...caps, [t]: e.target.value })} />
          </label>
        ))}
      </fieldset>
      <p className="muted small">A senha e a sessão do navegador ficam criptografadas no servidor e nunca voltam para o painel.</p>
      <ErrorBox error={create.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? "Salvando…" : "Criar perfil"}</button>
      </div>
    </form>
  );
}
