import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { ProfilesPanel } from "./ProfilesPanel";

// No artificial delay between keystrokes: the suite must stay fast on a busy 2-core machine.
const user = userEvent.setup({ delay: null });

const profile = (status: string) => ({
  id: "p1", name: "Loja Centro", region: "BR", login: "s***@example.com", has_proxy: false, status,
  status_reason: status === "needs_2fa" ? "código enviado por e-mail" : "", last_verified_at: null, daily_caps: {}, active_hours: "",
});

describe("ProfilesPanel", () => {
  it("asks for the 2FA code when the profile needs it and posts it to /verify", async () => {
    let status = "needs_2fa";
    const { calls } = renderWithApi(<ProfilesPanel />, {
      "GET /bot/profiles": () => [profile(status)],
      "POST /bot/profiles/p1/verify": () => { status = "verified"; return profile("verified"); },
    });
    expect(await screen.findByText("Aguardando código 2FA")).toBeInTheDocument();
    expect(screen.getByText("código enviado por e-mail")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Código de verificação"), "12a3456");
    await user.click(screen.getByRole("button", { name: "Enviar código" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/bot/profiles/p1/verify")).toBe(true));
    expect(calls.find((c) => c.path === "/bot/profiles/p1/verify")?.body).toEqual({ code: "123456" });
    expect(await screen.findByText("Verificado")).toBeInTheDocument();
    expect(screen.queryByLabelText("Código de verificação")).not.toBeInTheDocument();
  });

  it("creates a profile and shows 422 field errors from the API", async () => {
    const { calls } = renderWithApi(<ProfilesPanel />, {
      "GET /bot/profiles": () => [],
      "POST /bot/profiles": () => ({ status: 422, body: {
        error: "validation_error", detail: "active_hours: invalid", fields: [{ field: "active_hours", message: "invalid" }],
      } }),
    });
    await user.click(await screen.findByRole("button", { name: "Novo perfil" }));
    const form = screen.getByRole("form", { name: "Novo perfil" });
    await user.type(within(form).getByLabelText("Nome do perfil"), "Loja 2");
    await user.type(within(form).getByLabelText("E-mail ou telefone do Seller Center"), "seller@example.com");
    await user.type(within(form).getByLabelText("Senha"), "seller123");
    await user.type(within(form).getByLabelText("Responder comentários"), "40");
    await user.click(within(form).getByRole("button", { name: "Criar perfil" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("Dados inválidos — active_hours: invalid");
    const body = calls.find((c) => c.method === "POST")?.body as Record<string, unknown>;
    expect(body).toMatchObject({ name: "Loja 2", login: "seller@example.com", password: "seller123", region: "BR",
      timezone: "America/Sao_Paulo", daily_caps: { reply_comments: 40 } });
  });
});
