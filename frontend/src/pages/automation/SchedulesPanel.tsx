/** Recurring tasks: what runs every N minutes per profile (within its active hours), last and next run. */
import { useQuery } from "@tanstack/react-query";
import { FormEvent, useMemo, useState } from "react";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, ConfirmButton, Empty, Loading, Panel } from "../../components/ui";
import { useBotProfiles } from "../../hooks/queries";
import { useAction } from "../../hooks/useAction";
import { formatAgo, formatDateTime } from "../../i18n/format";
import { TASK_TYPE_LABELS, label } from "../../i18n/labels";
import { OUTCOME_LABELS, SCHEDULE_TASK_TYPES, everyLabel, schedulesApi } from "./schedules";

const SCHEDULES_KEY = ["bot", "schedules"] as const;

export function SchedulesPanel() {
  const { api } = useServices();
  const schedules = useMemo(() => schedulesApi(api), [api]);
  const list = useQuery({ queryKey: SCHEDULES_KEY, queryFn: schedules.list, refetchInterval: 30_000 });
  const profiles = useBotProfiles();
  const [creating, setCreating] = useState(false);
  const profileName = (id: string) => profiles.data?.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  const pause = useAction((id: string) => schedules.pause(id), { invalidate: [SCHEDULES_KEY], success: "Agendamento pausado" });
  const resume = useAction((id: string) => schedules.resume(id), { invalidate: [SCHEDULES_KEY], success: "Agendamento retomado" });
  const remove = useAction((id: string) => schedules.remove(id), { invalidate: [SCHEDULES_KEY], success: "Agendamento excluído" });

  return (
    <Panel title="Agendamentos" actions={
      <button type="button" className={creating ? "secondary" : "primary"} onClick={() => setCreating(!creating)}>
        {creating ? "Cancelar" : "Novo agendamento"}
      </button>}>
      {creating && <ScheduleForm onDone={() => setCreating(false)} create={schedules.create} />}
      <ErrorBox error={list.error} onRetry={() => void list.refetch()} />
      {list.isPending && <Loading />}
      {list.data?.length === 0 && <Empty>Nenhum agendamento. Sincronize catálogo e pedidos a cada poucos minutos.</Empty>}
      {list.data && list.data.length > 0 && (
        <table className="table" aria-label="Agendamentos">
          <thead>
            <tr><th>Tarefa</th><th>Perfil</th><th>Frequência</th><th>Última execução</th><th>Próxima execução</th><th>Status</th><th /></tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.id}>
                <td>{label(TASK_TYPE_LABELS, s.taskType)}</td>
                <td>{profileName(s.profileId)}</td>
                <td>{everyLabel(s.everyMinutes)}</td>
                <td>{formatAgo(s.lastRunAt)}{s.lastOutcome && <small> ({OUTCOME_LABELS[s.lastOutcome] ?? s.lastOutcome})</small>}</td>
                <td>{s.paused ? "—" : formatDateTime(s.nextRunAt)}</td>
                <td>{s.paused ? <Badge tone="muted">Pausado</Badge> : <Badge tone="ok">Ativo</Badge>}</td>
                <td className="actions">
                  {s.paused
                    ? <button type="button" className="secondary" onClick={() => resume.mutate(s.id)}>Retomar</button>
                    : <button type="button" className="secondary" onClick={() => pause.mutate(s.id)}>Pausar</button>}
                  <ConfirmButton label="Excluir" onConfirm={() => remove.mutate(s.id)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function ScheduleForm({ onDone, create }: {
  onDone: () => void; create: ReturnType<typeof schedulesApi>["create"];
}) {
  const profiles = useBotProfiles();
  const [taskType, setTaskType] = useState<string>("sync_catalog");
  const [profileId, setProfileId] = useState("");
  const [every, setEvery] = useState("30");
  const action = useAction(create, { invalidate: [SCHEDULES_KEY], success: "Agendamento criado", silentError: true });
  const chosenProfile = profileId || profiles.data?.[0]?.id || "";

  function submit(event: FormEvent) {
    event.preventDefault();
    action.mutate({ task_type: taskType, profile_id: chosenProfile, every_minutes: Number(every) },
      { onSuccess: onDone });
  }

  return (
    <form aria-label="Novo agendamento" className="form" onSubmit={submit}>
      <label>Tarefa
        <select value={taskType} onChange={(e) => setTaskType(e.target.value)}>
          {SCHEDULE_TASK_TYPES.map((t) => <option key={t} value={t}>{TASK_TYPE_LABELS[t]}</option>)}
        </select>
      </label>
      <label>Perfil
        <select value={chosenProfile} onChange={(e) => setProfileId(e.target.value)}>
          {profiles.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      <label>A cada (minutos)
        <input type="number" min={1} max={10080} value={every} onChange={(e) => setEvery(e.target.value)} required />
      </label>
      <ErrorBox error={action.error} />
      <button type="submit" className="primary" disabled={action.isPending || !chosenProfile}>Criar agendamento</button>
    </form>
  );
}
