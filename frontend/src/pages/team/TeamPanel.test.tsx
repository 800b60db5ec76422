import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { AcceptInvitationPage, invitationToken } from "../AcceptInvitationPage";
import { TeamPanel } from "./TeamPanel";

const user = userEvent.setup({ delay: null });

const PERMISSIONS: Record<string, string[]> = {
  owner: ["read_members", "manage_members", "manage_owners"],
  admin: ["read_members", "manage_members"],
  viewer: ["read_members"],
};

const me = (role: string, id: string) => ({ id, email: `${role}@loja.test`, is_admin: false, shop_id: "shop-1", role,
  permissions: PERMISSIONS[role] });

const members = [
  { user_id: "u-owner", email: "owner@loja.test", role: "owner", joined_at: "2026-12-01T10:00:00Z" },
  { user_id: "u-admin", email: "admin@loja.test", role: "admin", joined_at: "2026-12-01T11:00:00Z" },
  { user_id: "u-viewer", email: "viewer@loja.test", role: "viewer", joined_at: "2026-12-02T09:00:00Z" },
];

describe("TeamPanel", () => {
  it("lets an owner invite a member and shows the link the server returns only once", async () => {
    const { calls } = renderWithApi(<TeamPanel />, {
      "GET /auth/me": () => me("owner", "u-owner"),
      "GET /team/members": () => members,
      "GET /team/invitations": () => [],
      "POST /team/invitations": () => ({ status: 201, body: { id: "i1", email: "nova@loja.test", role: "agent",
        status: "pending", invited_by: "u-owner", created_at: "2026-12-03T08:00:00Z", expires_at: "2026-12-06T08:00:00Z",
        token: "tok_123456789012345678901234", accept_path: "/#/accept-invitation?token=tok_123456789012345678901234" } }),
    });
    const form = await screen.findByRole("form", { name: "Convidar membro" });
    expect(within(form).getByRole("option", { name: "Proprietário" })).toBeInTheDocument();
    await user.type(within(form).getByLabelText("E-mail"), "nova@loja.test");
    await user.click(within(form).getByRole("button", { name: "Convidar" }));
    const link = await within(form).findByLabelText("Link do convite");
    expect((link as HTMLInputElement).value).toBe(`${window.location.origin}/#/accept-invitation?token=tok_123456789012345678901234`);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ email: "nova@loja.test", role: "agent" });
    await user.type(within(form).getByLabelText("E-mail"), "outra@loja.test");
    await user.click(within(form).getByRole("button", { name: "Convidar" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(2));
    expect(screen.getByLabelText("Papel de viewer@loja.test")).toBeEnabled();
  });

  it("lets an admin manage everyone but the owners, and never hand out ownership", async () => {
    const { calls } = renderWithApi(<TeamPanel />, {
      "GET /auth/me": () => me("admin", "u-admin"),
      "GET /team/members": () => members,
      "GET /team/invitations": () => [],
      "PATCH /team/members/u-viewer": (call) => ({ ...members[2], role: (call.body as { role: string }).role }),
    });
    const viewerRole = await screen.findByLabelText("Papel de viewer@loja.test");
    expect(screen.queryByLabelText("Papel de owner@loja.test")).not.toBeInTheDocument();
    expect(within(viewerRole).queryByRole("option", { name: "Proprietário" })).not.toBeInTheDocument();
    const ownerRow = screen.getByText("owner@loja.test").closest("tr") as HTMLElement;
    expect(within(ownerRow).queryByRole("button", { name: "Remover" })).not.toBeInTheDocument();
    await user.selectOptions(viewerRole, "agent");
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ role: "agent" });
  });

  it("shows a viewer the team without any control and never asks for the invitations", async () => {
    const { calls } = renderWithApi(<TeamPanel />, {
      "GET /auth/me": () => me("viewer", "u-viewer"),
      "GET /team/members": () => members,
    });
    expect(await screen.findByText("admin@loja.test")).toBeInTheDocument();
    expect(screen.queryByRole("combobox")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remover" })).not.toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Convidar membro" })).not.toBeInTheDocument();
    expect(calls.some((c) => c.path === "/team/invitations")).toBe(false);
  });
});

describe("AcceptInvitationPage", () => {
  it("reads the token from the link, accepts without a session and logs the new member in", async () => {
    expect(invitationToken("#/accept-invitation?token=abc_DEF-123")).toBe("abc_DEF-123");
    expect(invitationToken("#/other")).toBeNull();
    let done = false;
    const { calls } = renderWithApi(<AcceptInvitationPage token="abc_DEF-123" onDone={() => { done = true; }} />, {
      "POST /team/invitations/accept": () => ({ status: 201, body: { user_id: "u-new", email: "nova@loja.test",
        role: "agent", joined_at: null } }),
      "POST /auth/login": () => ({ access_token: "a", refresh_token: "r", expires_in: 900 }),
    });
    await user.type(screen.getByLabelText("Senha"), "senha-nova-1");
    await user.type(screen.getByLabelText("Repita a senha"), "senha-nova-1");
    await user.click(screen.getByRole("button", { name: "Entrar na equipe" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/auth/login")).toBe(true));
    const accept = calls.find((c) => c.path === "/team/invitations/accept");
    expect(accept?.body).toEqual({ token: "abc_DEF-123", password: "senha-nova-1" });
    expect(accept?.headers.Authorization).toBeUndefined();
    expect(calls.find((c) => c.path === "/auth/login")?.body).toEqual({ email: "nova@loja.test", password: "senha-nova-1" });
    expect(done).toBe(true);
  });
});
