import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { QuickRepliesPanel } from "./QuickRepliesPanel";

const user = userEvent.setup({ delay: null });

const me = (permissions: string[]) => ({ id: "u1", email: "a@loja.test", is_admin: false, shop_id: "s1", role: "admin",
  permissions });
const preco = { id: "q1", shortcut: "preco", text: "O {produto} sai por {preco}, {nome}!" };

describe("QuickRepliesPanel", () => {
  it("lists the quick replies with the variables explained, creates, edits and deletes one", async () => {
    let replies = [preco];
    const { calls } = renderWithApi(<QuickRepliesPanel />, {
      "GET /auth/me": () => me(["edit_quick_replies"]),
      "GET /seller-bot/quick-replies": () => replies,
      "POST /seller-bot/quick-replies": (c) => {
        const created = { id: "q2", ...(c.body as object) } as typeof preco;
        replies = [...replies, created];
        return { status: 201, body: created };
      },
      "PUT /seller-bot/quick-replies/q1": (c) => {
        replies = [{ id: "q1", ...(c.body as object) } as typeof preco, ...replies.slice(1)];
        return replies[0];
      },
      "DELETE /seller-bot/quick-replies/q2": () => { replies = replies.filter((r) => r.id !== "q2"); return { id: "q2" }; },
    });
    expect(await screen.findByText("O {produto} sai por {preco}, {nome}!")).toBeInTheDocument();
    for (const variable of ["{nome}", "{produto}", "{preco}", "{estoque}"]) {
      expect(screen.getByText(variable, { selector: "li code" })).toBeInTheDocument();
    }

    await user.click(screen.getByRole("button", { name: "Nova resposta" }));
    const form = screen.getByRole("form", { name: "Nova resposta rápida" });
    await user.type(within(form).getByLabelText(/Atalho/), "/Prazo");
    await user.type(within(form).getByLabelText("Texto"), "Entregamos em 3 dias úteis, {{nome}!");
    await user.click(within(form).getByRole("button", { name: "Salvar resposta" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body)
      .toEqual({ shortcut: "prazo", text: "Entregamos em 3 dias úteis, {nome}!" }));
    expect(await screen.findByText("/prazo")).toBeInTheDocument();

    const row = screen.getAllByTestId("quick-reply-row")[0]!;
    await user.click(within(row).getByRole("button", { name: "Editar" }));
    const edit = screen.getByRole("form", { name: "Editar resposta rápida" });
    const text = within(edit).getByLabelText("Texto");
    await user.clear(text);
    await user.type(text, "Sai por {{preco}");
    await user.click(within(edit).getByRole("button", { name: "Salvar resposta" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ shortcut: "preco", text: "Sai por {preco}" }));
    expect(await screen.findByText("Sai por {preco}")).toBeInTheDocument();

    const prazo = screen.getAllByTestId("quick-reply-row")[1]!;
    await user.click(within(prazo).getByRole("button", { name: "Excluir" }));
    await user.click(within(prazo).getByRole("button", { name: "Excluir /prazo" }));
    await waitFor(() => expect(screen.queryByText("/prazo")).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/seller-bot/quick-replies/q2")).toBe(true);
  });

  it("shows the server's 422 under the form", async () => {
    renderWithApi(<QuickRepliesPanel />, {
      "GET /auth/me": () => me(["edit_quick_replies"]),
      "GET /seller-bot/quick-replies": () => [],
      "POST /seller-bot/quick-replies": () => ({ status: 422, body: { error: "validation_error", detail: "invalid body",
        fields: [{ field: "shortcut", message: "already used" }] } }),
    });
    expect(await screen.findByText("Nenhuma resposta rápida ainda.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Nova resposta" }));
    await user.type(screen.getByLabelText(/Atalho/), "oi");
    await user.type(screen.getByLabelText("Texto"), "Oi!");
    await user.click(screen.getByRole("button", { name: "Salvar resposta" }));
    expect(await screen.findByText(/already used/)).toBeInTheDocument();
  });

  it("keeps editing away from a role without edit_quick_replies", async () => {
    renderWithApi(<QuickRepliesPanel />, {
      "GET /auth/me": () => me([]),
      "GET /seller-bot/quick-replies": () => [preco],
    });
    const row = await screen.findByTestId("quick-reply-row");
    await waitFor(() => expect(screen.getByRole("button", { name: "Nova resposta" })).toBeDisabled());
    expect(within(row).getByRole("button", { name: "Editar" })).toBeDisabled();
    expect(within(row).getByRole("button", { name: "Excluir" })).toBeDisabled();
  });
});
