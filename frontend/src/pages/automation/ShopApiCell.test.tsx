import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { ShopApiCell } from "./ShopApiCell";

const user = userEvent.setup({ delay: null });

async function enabledButton(name: string): Promise<HTMLElement> {
  const button = await screen.findByRole("button", { name });
  await waitFor(() => expect(button).toBeEnabled());  // enabled once the authorisation state has loaded
  return button;
}

describe("ShopApiCell", () => {
  it("posts the seller's authorisation code and then shows the connected shop", async () => {
    let connected = false;
    const { calls } = renderWithApi(<ShopApiCell profileId="p1" name="Loja Centro" canEdit />, {
      "GET /bot/profiles/p1/shop-authorization": () => ({ connected, shop_id: connected ? "7001" : "",
        shop_name: connected ? "Loja Oficial" : "" }),
      "POST /bot/profiles/p1/shop-authorization": () => { connected = true;
        return { connected: true, shop_id: "7001", shop_name: "Loja Oficial" }; },
    });
    await user.click(await enabledButton("Autorizar API"));
    const form = screen.getByRole("form", { name: "Autorizar API de Loja Centro" });
    await user.type(within(form).getByLabelText("Código de autorização"), " abc123 ");
    await user.click(within(form).getByRole("button", { name: "Conectar" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ auth_code: "abc123" });
    expect(await screen.findByText("API: Loja Oficial")).toBeInTheDocument();
  });

  it("shows the API's refusal next to the form", async () => {
    renderWithApi(<ShopApiCell profileId="p1" name="Loja" canEdit />, {
      "GET /bot/profiles/p1/shop-authorization": () => ({ connected: false, shop_id: "", shop_name: "" }),
      "POST /bot/profiles/p1/shop-authorization": () => ({ status: 422, body: { error: "validation_error",
        detail: "TikTok Shop refused the authorisation", fields: [{ field: "auth_code", message: "invalid" }] } }),
    });
    await user.click(await enabledButton("Autorizar API"));
    const form = screen.getByRole("form", { name: "Autorizar API de Loja" });
    await user.type(within(form).getByLabelText("Código de autorização"), "bad");
    await user.click(within(form).getByRole("button", { name: "Conectar" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("auth_code");
  });
});
