/** The Playwright worker: status (GET /bot/worker-status), start and stop (5 per minute per user). */
import { useState } from "react";
import { ApiError } from "../../api/errors";
import { useServices } from "../../api/services";
import { ErrorBox } from "../../components/ErrorBox";
import { Badge, Panel } from "../../components/ui";
import { useWorkerStatus } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { formatAgo, formatDateTime, formatInt } from "../../i18n/format";
import { useQueryClient } from "@tanstack/react-query";
import { useToast } from "../../components/Toasts";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";

export function WorkerPanel() {
  const { bot } = useServices();
  const status = useWorkerStatus();
  const client = useQueryClient();
  const toast = useToast();
  const [parallel, setParallel] = useState("");
  const canControl = useCan("control_bot");
  const refresh = [queryKeys.botWorkerStatus, queryKeys.botStats, queryKeys.botTasks] as const;
  const start = useAction((n: number) => bot.startWorker(n), {
    invalidate: refresh, success: "Worker iniciado", silentError: true,
  });
  const stop = useAction(() => bot.stopWorker("parado pelo painel"), {
    invalidate: refresh, success: "Worker parado", silentError: true,
  });

  function onStart() {
    start.mutate(Number(parallel) || 0, {
      onError: (error) => {
        if (error instanceof ApiError && error.status === 409) {
          toast.info("O worker já está em execução");
          void client.invalidateQueries({ queryKey: queryKeys.botWorkerStatus });
        }
      },
    });
  }

  const w = status.data;
  const actionError = start.error instanceof ApiError && start.error.status === 409 ? null : start.error ?? stop.error;
  return (
    <Panel title="Worker" actions={w && (w.running
      ? <Badge tone="ok">Em execução</Badge>
      : <Badge tone="muted">Parado</Badge>)}>
      <ErrorBox error={status.error} onRetry={() => void status.refetch()} />
      {w && (
        <dl className="facts">
          <dt>Tarefas ativas</dt><dd>{formatInt(w.activeTasks)}</dd>
          <dt>Na fila</dt><dd>{formatInt(w.queuedTasks)}</dd>
          <dt>Perfis em paralelo</dt><dd>{w.maxParallelProfiles || "padrão"}</dd>
          <dt>Iniciado em</dt><dd>{formatDateTime(w.startedAt)}</dd>
          <dt>Último sinal</dt><dd>{formatAgo(w.lastHeartbeatAt)}</dd>
          {w.workerId && <><dt>ID</dt><dd><code>{w.workerId}</code></dd></>}
        </dl>
      )}
      <div className="row">
        <label className="inline">
          Perfis em paralelo
          <input type="number" min={0} max={32} value={parallel} placeholder="padrão" className="narrow"
            onChange={(e) => setParallel(e.target.value)} />
        </label>
        <button type="button" className="primary" disabled={start.isPending || w?.running || !canControl}
          title={canControl ? undefined : NOT_ALLOWED} onClick={onStart}>
          {start.isPending ? "Iniciando…" : "Iniciar worker"}
        </button>
        <button type="button" className="danger" disabled={stop.isPending || (w !== undefined && !w.running) || !canControl}
          title={canControl ? undefined : NOT_ALLOWED}
          onClick={() => stop.mutate(undefined)}>
          {stop.isPending ? "Parando…" : "Parar worker"}
        </button>
      </div>
      <ErrorBox error={actionError} />
    </Panel>
  );
}
