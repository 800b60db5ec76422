import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { ConfigEditor } from "./ConfigEditor";
import { buildPatch, draftsOf, setDraft } from "./configForm";

// No artificial delay between keystrokes: the suite must stay fast on a busy 2-core machine.
const user = userEvent.setup({ delay: null });

const settings = {
  store_name: "nossa loja",
  business_hours: { open: "09:00", close: "18:00", weekdays: [0, 1, 2, 3, 4], enabled: false },
  enabled_channels: ["whatsapp", "api"],
  llm: { model: "", temperature: 0.4, api_key: "" },
  prompt_variants: [],
};

describe("config form", () => {
  it("sends only the changed top-level keys, whole, with list and number types kept", () => {
    let drafts = draftsOf(settings);
    expect(buildPatch(settings, drafts)).toEqual({});
    drafts = setDraft(drafts, ["business_hours", "weekdays"], "0, 1, 2, 3, 4, 5");
    drafts = setDraft(drafts, ["enabled_channels"], "whatsapp");
    drafts = setDraft(drafts, ["llm", "temperature"], "0,7");
    expect(buildPatch(settings, drafts)).toEqual({
      business_hours: { open: "09:00", close: "18:00", weekdays: [0, 1, 2, 3, 4, 5], enabled: false },
      enabled_channels: ["whatsapp"],
      llm: { model: "", temperature: 0.7, api_key: "" },
    });
    expect(() => buildPatch(settings, setDraft(drafts, ["business_hours", "weekdays"], "seg, ter"))).toThrow("business_hours.weekdays");
  });
});

describe("ConfigEditor", () => {
  it("edits a nested field and PATCHes /seller-bot/config, showing the new version", async () => {
    let version = 3;
    const { calls } = renderWithApi(<ConfigEditor />, {
      "GET /seller-bot/config": () => ({ settings, version, updated_at: "2026-11-25T09:00:00Z", updated_by: "admin" }),
      "PATCH /seller-bot/config": (call) => { version = 4; return { settings: { ...settings, ...(call.body as object) }, version }; },
    });
    const open = await screen.findByLabelText(/Abre às/);
    await user.clear(open);
    await user.type(open, "08:30");
    await user.click(screen.getByLabelText("Respeitar o horário de atendimento"));
    await user.click(screen.getByRole("button", { name: "Salvar configuração" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({
      business_hours: { open: "08:30", close: "18:00", weekdays: [0, 1, 2, 3, 4], enabled: true },
    });
    expect(await screen.findByText("Configuração salva (versão 4)")).toBeInTheDocument();
  });

  it("shows the service's 422 with the offending field", async () => {
    renderWithApi(<ConfigEditor />, {
      "GET /seller-bot/config": () => ({ settings, version: 1 }),
      "PATCH /seller-bot/config": () => ({ status: 422, body: {
        error: "validation_error", detail: "llm.temperature must be between 0 and 2", fields: [{ field: "llm.temperature", message: "must be between 0 and 2" }],
      } }),
    });
    const temperature = await screen.findByLabelText(/Temperatura/);
    await user.clear(temperature);
    await user.type(temperature, "5");
    await user.click(screen.getByRole("button", { name: "Salvar configuração" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Dados inválidos — llm.temperature must be between 0 and 2");
    expect(screen.getByRole("alert")).toHaveTextContent("llm.temperature: must be between 0 and 2");
  });
});
