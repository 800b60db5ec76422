import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { SchedulesPanel } from "./SchedulesPanel";
import { everyLabel } from "./schedules";

const user = userEvent.setup({ delay: null });

const schedule = (paused: boolean) => ({
  id: "s1", task_type: "sync_orders", profile_id: "p1", config: {}, every_minutes: 30, paused,
  next_run_at: "2026-12-03T10:30:00Z", last_run_at: "2026-12-03T10:00:00Z", last_task_id: "t1",
  last_outcome: "enqueued", created_at: "2026-12-03T09:00:00Z",
});

describe("SchedulesPanel", () => {
  it("shows last and next run, pauses, resumes and deletes a schedule", async () => {
    let paused = false;
    let deleted = false;
    const { calls } = renderWithApi(<SchedulesPanel />, {
      "GET /bot/profiles": () => [{ id: "p1", name: "Loja Centro", status: "verified" }],
      "GET /bot/schedules": () => (deleted ? [] : [schedule(paused)]),
      "POST /bot/schedules/s1/pause": () => { paused = true; return schedule(true); },
      "POST /bot/schedules/s1/resume": () => { paused = false; return schedule(false); },
      "DELETE /bot/schedules/s1": () => { deleted = true; return { id: "s1" }; },
    });
    const table = await screen.findByRole("table", { name: "Agendamentos" });
    expect(within(table).getByText("Sincronizar pedidos")).toBeInTheDocument();
    expect(await within(table).findByText("Loja Centro")).toBeInTheDocument();
    expect(within(table).getByText("a cada 30 min")).toBeInTheDocument();
    expect(within(table).getByText("(tarefa criada)")).toBeInTheDocument();
    expect(within(table).getByText("Ativo")).toBeInTheDocument();

    await user.click(within(table).getByRole("button", { name: "Pausar" }));
    expect(await within(table).findByText("Pausado")).toBeInTheDocument();
    await user.click(within(table).getByRole("button", { name: "Retomar" }));
    expect(await within(table).findByText("Ativo")).toBeInTheDocument();
    await user.click(within(table).getByRole("button", { name: "Excluir" }));
    await user.click(within(table).getByRole("button", { name: "Confirmar" }));
    expect(await screen.findByText(/Nenhum agendamento/)).toBeInTheDocument();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(expect.arrayContaining([
      "POST /bot/schedules/s1/pause", "POST /bot/schedules/s1/resume", "DELETE /bot/schedules/s1"]));
  });

  it("creates a catalog sync schedule for the chosen profile", async () => {
    const { calls } = renderWithApi(<SchedulesPanel />, {
      "GET /bot/profiles": () => [{ id: "p1", name: "Loja Centro", status: "verified" }],
      "GET /bot/schedules": () => [],
      "POST /bot/schedules": (call) => ({ status: 201, body: { ...schedule(false), ...(call.body as object) } }),
    });
    await user.click(await screen.findByRole("button", { name: "Novo agendamento" }));
    const form = screen.getByRole("form", { name: "Novo agendamento" });
    await within(form).findByRole("option", { name: "Loja Centro" });
    const every = within(form).getByLabelText("A cada (minutos)");
    await user.clear(every);
    await user.type(every, "15");
    await user.click(within(form).getByRole("button", { name: "Criar agendamento" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      task_type: "sync_catalog", profile_id: "p1", every_minutes: 15 });
  });

  it("words intervals the way sellers say them", () => {
    expect(everyLabel(15)).toBe("a cada 15 min");
    expect(everyLabel(60)).toBe("a cada hora");
    expect(everyLabel(180)).toBe("a cada 3 h");
    expect(everyLabel(1440)).toBe("todo dia");
  });
});
