import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App, createQueryClient } from "../App";
import { fakeFetch } from "../test/fakeApi";
import { ApiClient } from "../api/client";
import { memorySessionStorage } from "../api/tokens";
import { socketFactory } from "../test/fakeSocket";

// No artificial delay between keystrokes: the suite must stay fast on a busy 2-core machine.
const user = userEvent.setup({ delay: null });

function app(routes: Parameters<typeof fakeFetch>[0]) {
  const { fetchImpl, calls } = fakeFetch(routes);
  const api = new ApiClient({ storage: memorySessionStorage(null), fetchImpl, setTimer: () => 0, clearTimer: () => undefined });
  const sockets = socketFactory();
  return { api, calls, sockets, queryClient: createQueryClient() };
}

describe("LoginPage", () => {
  it("shows the server's error detail when the login is refused", async () => {
    const { api, queryClient } = app({
      "POST /auth/login": () => ({ status: 401, body: { error: "unauthorized", detail: "incorrect e-mail or password" } }),
    });
    const { render } = await import("@testing-library/react");
    render(<App api={api} queryClient={queryClient} />);
    await user.type(screen.getByLabelText("E-mail"), "vendedor@loja.com");
    await user.type(screen.getByLabelText("Senha"), "errada");
    await user.click(screen.getByRole("button", { name: "Entrar" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Sessão inválida ou expirada — incorrect e-mail or password");
  });

  it("logs in and opens the dashboard with the Automação tab and a live connection", async () => {
    const { api, queryClient, sockets, calls } = app({
      "POST /auth/login": () => ({ access_token: "acc", refresh_token: "ref", expires_in: 900 }),
      "GET /auth/me": () => ({ id: "u1", email: "vendedor@loja.com", is_admin: false }),
      "GET /bot/worker-status": () => ({ running: false, active_tasks: 0, queued_tasks: "3" }),
      "GET /bot/stats": () => ({ total_tasks: "12", success_rate: 0.75, by_status: { completed: 9 } }),
      "GET /bot/profiles": () => [],
      "GET /bot/tasks": () => [],
    });
    const { render } = await import("@testing-library/react");
    render(<App api={api} queryClient={queryClient} socketOptions={{ createSocket: sockets.create, endpoint: "ws://x/ws/notifications" }} />);
    await user.type(screen.getByLabelText("E-mail"), "vendedor@loja.com");
    await user.type(screen.getByLabelText("Senha"), "segredo123");
    await user.click(screen.getByRole("button", { name: "Entrar" }));
    expect(await screen.findByRole("tab", { name: "Automação", selected: true })).toBeInTheDocument();
    expect(await screen.findByText("vendedor@loja.com")).toBeInTheDocument();
    expect(await screen.findByText("75%")).toBeInTheDocument();
    expect(await screen.findByText("Nenhum perfil ainda. Cadastre a conta do Seller Center para começar.")).toBeInTheDocument();
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    expect(sockets.sockets[0]?.token).toBe("acc");
    sockets.sockets[0]?.open();
    expect(await screen.findByText("Ao vivo")).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/bot/tasks")?.headers.Authorization).toBe("Bearer acc");

    await user.click(screen.getByRole("button", { name: "Sair" }));
    expect(await screen.findByRole("button", { name: "Entrar" })).toBeInTheDocument();
    expect(sockets.sockets[0]?.closedByClient).toBe(1000);
  });
});
