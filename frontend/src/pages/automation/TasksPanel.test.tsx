import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { TasksPanel } from "./TasksPanel";
import { buildConfig, defaultValues } from "./taskConfig";

// No artificial delay between keystrokes: the suite must stay fast on a busy 2-core machine.
const user = userEvent.setup({ delay: null });

describe("task config", () => {
  it("builds each type's config from the form values", () => {
    expect(buildConfig("reply_comments", { ...defaultValues("reply_comments"), max_replies: "50", delay_seconds: "5" }, "ai"))
      .toEqual({ max_replies: 50, delay_seconds: 5, skip_replied: true, use_ai: true });
    expect(buildConfig("reply_reviews", { ...defaultValues("reply_reviews"), reply_template: "Obrigado!" }, "template"))
      .toMatchObject({ min_rating: 1, max_rating: 5, reply_template: "Obrigado!", use_ai: false });
    expect(buildConfig("reply_messages", defaultValues("reply_messages"))).toEqual({ max_replies: 50, delay_seconds: 5 });
    const invite = buildConfig("invite_creators", { ...defaultValues("invite_creators"), category: "Beleza", commission_rate: "12,5" });
    expect(invite).toMatchObject({ max_invites: 20, category: "Beleza", min_followers: 1000, commission_rate: 12.5 });
    expect(invite).not.toHaveProperty("max_followers");
    expect(invite).not.toHaveProperty("use_ai");
    expect(buildConfig("sync_orders", defaultValues("sync_orders"))).toEqual({ full: false, fetch_tracking: true });
    expect(buildConfig("sync_catalog", { full: true })).toEqual({ full: true });
  });
});

describe("TasksPanel", () => {
  it("lists tasks with pt-BR status and progress, and creates a reply_comments task", async () => {
    const { calls } = renderWithApi(<TasksPanel />, {
      "GET /bot/profiles": () => [{ id: "p1", name: "Loja Centro", status: "verified" }],
      "GET /bot/tasks": () => [{ id: "t-123456789", task_type: "reply_reviews", profile_id: "p1", status: "running",
        progress_done: 3, progress_total: 10, result: {}, error: "", retry_count: 0, artifacts: [] }],
      "POST /bot/tasks": (call) => ({ status: 201, body: { id: "t2", ...(call.body as object), status: "queued" } }),
    });
    const table = await screen.findByRole("table");
    expect(within(table).getByText("Em execução")).toBeInTheDocument();
    expect(within(table).getByRole("progressbar")).toHaveTextContent("3/10");
    expect(await screen.findByText("Loja Centro")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Nova tarefa" }));
    const form = screen.getByRole("form", { name: "Nova tarefa" });
    const max = within(form).getByLabelText("Máximo de respostas");
    await user.clear(max);
    await user.type(max, "25");
    await user.click(within(form).getByLabelText("Resposta com IA"));
    await user.click(within(form).getByRole("button", { name: "Criar tarefa" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      task_type: "reply_comments", profile_id: "p1",
      config: { max_replies: 25, delay_seconds: 5, skip_replied: true, use_ai: true },
    });
    expect(await screen.findByText("Tarefa criada: Responder comentários")).toBeInTheDocument();
  });
});
