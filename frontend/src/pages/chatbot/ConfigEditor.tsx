/** GET/PATCH /seller-bot/config: a form over the current settings plus a raw JSON patch for new keys. */
import { FormEvent, useEffect, useState } from "react";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Empty, Loading, Panel } from "../../components/ui";
import { useBotConfig } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../i18n/format";
import { humanize } from "../../i18n/labels";
import { CONFIG_LABELS, buildPatch, kindOf, toDraft } from "./configForm";

export function ConfigEditor() {
  const { chatbot } = useServices();
  const config = useBotConfig();
  const [drafts, setDrafts] = useState<Record<string, string | boolean>>({});
  const [rawPatch, setRawPatch] = useState("");
  const [formError, setFormError] = useState<unknown>(null);
  const save = useAction((patch: Record<string, unknown>) => chatbot.updateConfig(patch), {
    invalidate: [queryKeys.sellerBotConfig], success: (c) => `Configuração salva (versão ${c.version})`, silentError: true,
  });
  const settings = config.data?.settings;

  useEffect(() => {
    if (settings) setDrafts(Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, toDraft(v)])));
  }, [settings]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    try {
      const patch = buildPatch(settings ?? {}, drafts);
      if (rawPatch.trim()) {
        const extra: unknown = JSON.parse(rawPatch);
        if (!extra || typeof extra !== "object" || Array.isArray(extra)) throw new Error("o JSON extra deve ser um objeto");
        Object.assign(patch, extra);
      }
      if (Object.keys(patch).length === 0) {
        setFormError(new Error("Nada mudou."));
        return;
      }
      save.mutate(patch, { onSuccess: () => setRawPatch("") });
    } catch (error) {
      setFormError(error instanceof SyntaxError ? new Error(`JSON extra inválido: ${error.message}`) : error);
    }
  }

  const c = config.data;
  return (
    <Panel title="Configuração do bot" actions={c && (
      <span className="muted small">versão {c.version} · {formatDateTime(c.updatedAt)}{c.updatedBy && ` · por ${c.updatedBy}`}</span>
    )}>
      <ErrorBox error={config.error} onRetry={() => void config.refetch()} />
      {config.isPending && <Loading />}
      {c && (
        <form className="form-card" onSubmit={submit} aria-label="Configuração do bot">
          {Object.keys(c.settings).length === 0 && <Empty>O bot ainda usa a configuração padrão. Adicione chaves no JSON abaixo.</Empty>}
          <div className="form-grid">
            {Object.entries(c.settings).map(([key, original]) => {
              const kind = kindOf(original);
              const name = CONFIG_LABELS[key] ?? humanize(key);
              const draft = drafts[key];
              const update = (v: string | boolean) => setDrafts({ ...drafts, [key]: v });
              if (kind === "bool") {
                return (
                  <label key={key} className="inline checkbox">
                    <input type="checkbox" checked={draft === true} onChange={(e) => update(e.target.checked)} /> {name}
                  </label>
                );
              }
              return (
                <label key={key} className={kind === "json" || kind === "longtext" ? "span-2" : undefined}>
                  {name} <code className="muted small">{key}</code>
                  {kind === "number" && <input type="number" step="any" value={String(draft ?? "")} onChange={(e) => update(e.target.value)} />}
                  {kind === "text" && <input value={String(draft ?? "")} onChange={(e) => update(e.target.value)} />}
                  {(kind === "longtext" || kind === "json") && (
                    <textarea rows={kind === "json" ? 5 : 3} className={kind === "json" ? "mono" : undefined}
                      value={String(draft ?? "")} onChange={(e) => update(e.target.value)} />
                  )}
                </label>
              );
            })}
            <label className="span-2">
              Alterações extras em JSON (opcional)
              <textarea rows={3} className="mono" value={rawPatch} onChange={(e) => setRawPatch(e.target.value)}
                placeholder='{"greeting": "Olá! Como posso ajudar?"}' />
            </label>
          </div>
          <ErrorBox error={formError ?? save.error} />
          <div className="row">
            <button type="submit" className="primary" disabled={save.isPending}>{save.isPending ? "Salvando…" : "Salvar configuração"}</button>
            <button type="button" className="secondary" onClick={() => { setDrafts(Object.fromEntries(Object.entries(c.settings).map(([k, v]) => [k, toDraft(v)]))); setRawPatch(""); }}>
              Descartar alterações
            </button>
          </div>
        </form>
      )}
    </Panel>
  );
}
