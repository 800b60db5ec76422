import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderWithApi } from "../../test/render";
import { ProductsPanel } from "./ProductsPanel";

const user = userEvent.setup({ delay: null });

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const base = { description: "", price: 49.9, currency: "BRL", stock: 3, synonyms: [], shipping_policy: "",
  return_policy: "" };

describe("ProductsPanel", () => {
  it("shows each product's source and the last TikTok Shop sync", async () => {
    renderWithApi(<ProductsPanel />, {
      "GET /seller-bot/products": () => [
        { ...base, id: "p1", sku: "CAM-1", name: "Camiseta", source: "manual" },
        { ...base, id: "p2", sku: "CAL-1", name: "Calça", source: "csv" },
        { ...base, id: "p3", sku: "TEN-1", name: "Tênis", source: "tiktok_shop", synced_at: minutesAgo(30) },
        { ...base, id: "p4", sku: "BON-1", name: "Boné", source: "tiktok_shop", synced_at: minutesAgo(5) },
      ],
    });
    const cells = await screen.findAllByTestId("product-source");
    expect(cells.map((c) => c.firstChild?.textContent)).toEqual(["Manual", "CSV", "TikTok Shop", "TikTok Shop"]);
    expect(within(cells[2]!).getByText("sincronizado há 30 min")).toBeInTheDocument();
    expect(screen.getByTestId("last-sync")).toHaveTextContent("Última sincronização com o TikTok Shop: há 5 min");
  });

  it("works with an older product API that sends no source or synced_at", async () => {
    renderWithApi(<ProductsPanel />, {
      "GET /seller-bot/products": () => [{ ...base, id: "p1", sku: "CAM-1", name: "Camiseta" }],
    });
    expect(await screen.findByText("Camiseta")).toBeInTheDocument();
    expect(screen.queryByRole("columnheader", { name: "Origem" })).toBeNull();
    expect(screen.queryByTestId("last-sync")).toBeNull();
  });

  it("edits the product's gender and sends its variants back", async () => {
    const { calls } = renderWithApi(<ProductsPanel />, {
      "GET /seller-bot/products": () => [{ ...base, id: "p1", sku: "BOL-1", name: "Bolsa", variants: ["Preta", "Bege"],
        gender: "", source: "tiktok_shop", synced_at: minutesAgo(1) }],
      "POST /seller-bot/products": (call) => ({ ...base, ...(call.body as object) }),
    });
    await user.click(await screen.findByRole("button", { name: "Editar" }));
    const form = screen.getByRole("form", { name: "Editar produto" });
    expect(within(form).getByText(/Produto sincronizado do TikTok Shop/)).toBeInTheDocument();
    const gender = within(form).getByLabelText("Gênero do nome");
    expect(gender).toHaveValue("");
    await user.selectOptions(gender, "feminine");
    await user.click(within(form).getByRole("button", { name: "Salvar produto" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({
      id: "p1", gender: "feminine", variants: ["Preta", "Bege"] }));
  });
});
