/** The task queue: create a task with its per-type config, follow its progress, cancel or delete it. */
import { FormEvent, useMemo, useState } from "react";
import type { TaskInput } from "../../api/endpoints";
import { describeError } from "../../api/errors";
import { useServices } from "../../api/services";
import { BotTask, TASK_TYPES, TaskType } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { useToast } from "../../components/Toasts";
import { Badge, ConfirmButton, Empty, Loading, Panel, Progress, Tone } from "../../components/ui";
import { useBotProfiles, useBotTasks } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatDateTime, formatDuration } from "../../i18n/format";
import { PROFILE_STATUS_LABELS, TASK_STATUS_LABELS, TASK_TYPE_LABELS, label } from "../../i18n/labels";
import { FormValues, ReplyMode, TASK_FORMS, buildConfig, defaultValues, visibleFields } from "./taskConfig";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";

const STATUS_TONE: Record<string, Tone> = {
  queued: "muted", running: "info", completed: "ok", failed: "bad", needs_attention: "warn", cancelled: "muted",
};
const ACTIVE = new Set(["queued", "running"]);

export function TasksPanel() {
  const tasks = useBotTasks();
  const profiles = useBotProfiles();
  const [creating, setCreating] = useState(false);
  const [filter, setFilter] = useState("");
  const canEdit = useCan("edit_tasks");
  const names = useMemo(() => new Map((profiles.data ?? []).map((p) => [p.id, p.name])), [profiles.data]);
  const shown = (tasks.data ?? []).filter((t) => !filter || t.status === filter);

  return (
    <Panel title="Tarefas" actions={<>
      <select aria-label="Filtrar por status" value={filter} onChange={(e) => setFilter(e.target.value)}>
        <option value="">Todos os status</option>
        {Object.entries(TASK_STATUS_LABELS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
      </select>
      <button type="button" className={creating ? "secondary" : "primary"} disabled={!canEdit}
        title={canEdit ? undefined : NOT_ALLOWED} onClick={() => setCreating(!creating)}>
        {creating ? "Cancelar" : "Nova tarefa"}
      </button>
    </>}>
      {creating && <TaskForm onDone={() => setCreating(false)} />}
      <ErrorBox error={tasks.error} onRetry={() => void tasks.refetch()} />
      {tasks.isPending && <Loading />}
      {tasks.data && shown.length === 0 && <Empty>{filter ? "Nenhuma tarefa com esse status." : "Nenhuma tarefa ainda."}</Empty>}
      {shown.length > 0 && (
        <table className="table">
          <thead>
            <tr><th>Tarefa</th><th>Perfil</th><th>Status</th><th>Progresso</th><th>Criada</th><th>Duração</th><th>Resultado</th><th /></tr>
          </thead>
          <tbody>{shown.map((t) => <TaskRow key={t.id} task={t} profileName={names.get(t.profileId)} />)}</tbody>
        </table>
      )}
    </Panel>
  );
}

const RESULT_LABELS: Record<string, string> = {
  replied: "respondidas", invited: "convites enviados", already_answered: "já respondidas", skipped: "puladas",
  left_to_human: "deixadas para humano", step_retries: "novas tentativas", partial: "parcial", stopped_by: "parou por",
  no_more_items: "sem mais itens", quota_exhausted: "cota esgotada", failed_items: "itens com falha",
};

/** The result's scalar fields in pt-BR, leaving out empty and false values. */
export function summary(result: Record<string, unknown>): string {
  const order = Object.keys(RESULT_LABELS);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(result)
    .sort(([a], [b]) => rank(a) - rank(b))
    .filter(([, v]) => v !== null && v !== "" && v !== false && typeof v !== "object")
    .map(([k, v]) => `${RESULT_LABELS[k] ?? k.replace(/_/g, " ")}: ${v === true ? "sim" : String(v)}`)
    .join(" · ");
}

function TaskRow({ task: t, profileName }: { task: BotTask; profileName?: string }) {
  const { bot } = useServices();
  const toast = useToast();
  const active = ACTIVE.has(t.status);
  const canEdit = useCan("edit_tasks");
  const remove = useAction(() => bot.deleteTask(t.id), {
    invalidate: [queryKeys.botTasks, queryKeys.botStats, queryKeys.botWorkerStatus],
    success: (r) => (r.cancelled ? "Tarefa cancelada" : "Tarefa excluída"),
  });

  async function download(name: string) {
    try {
      const blob = await bot.taskArtifact(t.id, name);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      const { title, detail } = describeError(error);
      toast.error(title, detail);
    }
  }

  return (
    <tr>
      <td><strong>{label(TASK_TYPE_LABELS, t.taskType)}</strong><div className="muted small"><code>{t.id.slice(0, 8)}</code></div></td>
      <td>{profileName ?? <code>{t.profileId.slice(0, 8)}</code>}</td>
      <td>
        <Badge tone={STATUS_TONE[t.status] ?? "muted"}>{label(TASK_STATUS_LABELS, t.status)}</Badge>
        {t.retryCount > 0 && <div className="muted small">tentativas: {t.retryCount}</div>}
      </td>
      <td><Progress done={t.progressDone} total={t.progressTotal} /></td>
      <td>{formatDateTime(t.createdAt)}</td>
      <td>{formatDuration(t.durationSeconds)}</td>
      <td className="wrap">
        {summary(t.result) && <div className="small">{summary(t.result)}</div>}
        {t.error && <div className="small text-bad">{t.error}</div>}
        {t.artifacts.map((name) => (
          <button key={name} type="button" className="link-button small" onClick={() => void download(name)}>⬇ {name}</button>
        ))}
      </td>
      <td className="actions">
        <ConfirmButton label={active ? "Cancelar" : "Excluir"} confirmLabel={active ? "Cancelar tarefa" : "Excluir tarefa"}
          onConfirm={() => remove.mutate(undefined)} disabled={remove.isPending || !canEdit} />
      </td>
    </tr>
  );
}

export function TaskForm({ onDone }: { onDone: () => void }) {
  const { bot } = useServices();
  const profiles = useBotProfiles();
  const [type, setType] = useState<TaskType>("reply_comments");
  const [profileId, setProfileId] = useState("");
  const [mode, setMode] = useState<ReplyMode>("template");
  const [values, setValues] = useState<FormValues>(() => defaultValues("reply_comments"));
  const create = useAction((input: TaskInput) => bot.createTask(input), {
    invalidate: [queryKeys.botTasks, queryKeys.botStats],
    success: (t) => `Tarefa criada: ${label(TASK_TYPE_LABELS, t.taskType)}`,
    silentError: true,
  });
  const profileList = profiles.data ?? [];
  const selected = profileId || profileList.find((p) => p.status === "verified")?.id || profileList[0]?.id || "";

  function changeType(next: TaskType) {
    setType(next);
    setValues(defaultValues(next));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ task_type: type, profile_id: selected, config: buildConfig(type, values, mode) },
      { onSuccess: onDone });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label="Nova tarefa">
      <div className="form-grid">
        <label>Tipo de tarefa
          <select value={type} onChange={(e) => changeType(e.target.value as TaskType)}>
            {TASK_TYPES.map((t) => <option key={t} value={t}>{TASK_TYPE_LABELS[t]}</option>)}
          </select>
        </label>
        <label>Perfil
          <select value={selected} onChange={(e) => setProfileId(e.target.value)} required>
            {profileList.length === 0 && <option value="">Cadastre um perfil primeiro</option>}
            {profileList.map((p) => (
              <option key={p.id} value={p.id}>{p.name} — {label(PROFILE_STATUS_LABELS, p.status)}</option>
            ))}
          </select>
        </label>
        {TASK_FORMS[type].replyMode && (
          <fieldset className="inline-fieldset">
            <legend>Como responder</legend>
            <label className="inline"><input type="radio" name="mode" checked={mode === "template"} onChange={() => setMode("template")} /> Modelo fixo</label>
            <label className="inline"><input type="radio" name="mode" checked={mode === "ai"} onChange={() => setMode("ai")} /> Resposta com IA</label>
          </fieldset>
        )}
        {visibleFields(type, mode).map((f) => (
          f.kind === "bool" ? (
            <label key={f.key} className="inline checkbox">
              <input type="checkbox" checked={values[f.key] === true}
                onChange={(e) => setValues({ ...values, [f.key]: e.target.checked })} /> {f.label}
            </label>
          ) : (
            <label key={f.key} className={f.kind === "textarea" ? "span-2" : undefined}>
              {f.label}
              {f.kind === "textarea" ? (
                <textarea rows={3} value={String(values[f.key] ?? "")} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} />
              ) : (
                <input type={f.kind === "text" ? "text" : "number"} min={f.min} max={f.max} step={f.step ?? (f.kind === "int" ? 1 : "any")}
                  value={String(values[f.key] ?? "")} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} />
              )}
              {f.help && <span className="muted small">{f.help}</span>}
            </label>
          )
        ))}
      </div>
      <ErrorBox error={create.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.isPending || !selected}>
          {create.isPending ? "Criando…" : "Criar tarefa"}
        </button>
      </div>
    </form>
  );
}
