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
import { useMe } from "../../hooks/queries";
import { Draft, buildPatch, configLabel, draftsOf, kindOf, orderedEntries, setDraft } from "./configForm";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";

function ConfigField({ path, original, draft, onChange }: {
  path: string[]; original: unknown; draft: Draft | undefined; onChange: (path: string[], value: Draft) => void;
}) {
  const key = path[path.length - 1] ?? "";
  const kind = kindOf(original, key);
  const name = configLabel(path, humanize);
  const text = typeof draft === "string" ? draft : "";
  if (kind === "bool") {
    return (
      <label className="inline checkbox">
        <input type="checkbox" checked={draft === true} onChange={(e) => onChange(path, e.target.checked)} /> {name}
      </label>
    );
  }
  if (kind === "group") {
    const group = typeof draft === "object" ? draft : {};
    return (
      <fieldset className="config-group span-2">
        <legend>{name}</legend>
        <div className="form-grid">
          {orderedEntries(original as Record<string, unknown>).map(([k, v]) => (
            <ConfigField key={k} path={[...path, k]} original={v} draft={group[k]} onChange={onChange} />
          ))}
        </div>
      </fieldset>
    );
  }
  const wide = kind === "json" || kind === "longtext";
  return (
    <label className={wide ? "span-2" : undefined}>
      <span>{name} <code className="muted small">{key}</code></span>
      {kind === "number" && <input type="number" step="any" value={text} onChange={(e) => onChange(path, e.target.value)} />}
      {(kind === "text" || kind === "list") && (
        <input value={text} onChange={(e) => onChange(path, e.target.value)} placeholder={kind === "list" ? "separe por vírgula" : undefined} />
      )}
      {kind === "secret" && (
        <input type="password" autoComplete="off" value={text} onChange={(e) => onChange(path, e.target.value)} placeholder="não alterada" />
      )}
      {wide && (
        <textarea rows={kind === "json" ? 5 : 3} className={kind === "json" ? "mono" : undefined} value={text}
          onChange={(e) => onChange(path, e.target.value)} />
      )}
    </label>
  );
}

export function ConfigEditor() {
  const { chatbot } = useServices();
  const config = useBotConfig();
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [rawPatch, setRawPatch] = useState("");
  const [formError, setFormError] = useState<unknown>(null);
  const canEdit = useCan("edit_config");
  const save = useAction((patch: Record<string, unknown>) => chatbot.updateConfig(patch), {
    invalidate: [queryKeys.sellerBotConfig], success: (c) => `Configuração salva (versão ${c.version})`, silentError: true,
  });
  const settings = config.data?.settings;
  const me = useMe();

  useEffect(() => {
    if (settings) setDrafts(draftsOf(settings));
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
        setFormError(new Error("Nenhuma alteração para salvar."));
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
      <span className="muted small">versão {c.version}{c.updatedAt && ` · ${formatDateTime(c.updatedAt)}`}{c.updatedBy && ` · por ${c.updatedBy === me.data?.id ? "você" : c.updatedBy}`}</span>
    )}>
      <ErrorBox error={config.error} onRetry={() => void config.refetch()} />
      {config.isPending && <Loading />}
      {c && (
        <form className="form-card" onSubmit={submit} aria-label="Configuração do bot">
          {Object.keys(c.settings).length === 0 && <Empty>O bot ainda usa a configuração padrão. Adicione chaves no JSON abaixo.</Empty>}
          <div className="form-grid">
            {orderedEntries(c.settings).map(([key, original]) => (
              <ConfigField key={key} path={[key]} original={original} draft={drafts[key]}
                onChange={(path, value) => setDrafts((d) => setDraft(d, path, value))} />
            ))}
            <label className="span-2">
              Alterações extras em JSON (opcional)
              <textarea rows={3} className="mono" value={rawPatch} onChange={(e) => setRawPatch(e.target.value)}
                placeholder='{"greeting": "Olá! Como posso ajudar?"}' />
            </label>
          </div>
          <ErrorBox error={formError ?? save.error} />
          <div className="row">
            <button type="submit" className="primary" disabled={save.isPending || !canEdit}
              title={canEdit ? undefined : NOT_ALLOWED}>{save.isPending ? "Salvando…" : "Salvar configuração"}</button>
            <button type="button" className="secondary" onClick={() => { setDrafts(draftsOf(c.settings)); setRawPatch(""); setFormError(null); }}>
              Descartar alterações
            </button>
          </div>
        </form>
      )}
    </Panel>
  );
}
