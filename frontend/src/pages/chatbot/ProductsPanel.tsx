/** The product catalog the bot answers from: search, create/edit, delete and CSV import; each product's source
 * (manual, CSV, TikTok Shop) and last sync when the API sends them (`source`, `synced_at`; older gateways do not). */
import { ChangeEvent, FormEvent, useState } from "react";
import type { ProductInput } from "../../api/endpoints";
import { useServices } from "../../api/services";
import type { ImportResult, Product } from "../../api/types";
import { ErrorBox } from "../../components/ErrorBox";
import { ConfirmButton, Empty, Loading, Panel } from "../../components/ui";
import { useProducts } from "../../hooks/queries";
import { queryKeys } from "../../hooks/queryKeys";
import { useAction } from "../../hooks/useAction";
import { useDebounced } from "../../hooks/useDebounced";
import { formatAgo, formatCount, formatDateTime, formatInt, formatMoney } from "../../i18n/format";
import { GENDER_LABELS, PRODUCT_SOURCE_LABELS, label } from "../../i18n/labels";
import { NOT_ALLOWED, useCan } from "../../hooks/useCan";

const CSV_EXAMPLE = "sku,name,price,stock,description,synonyms\nCAM-001,Camiseta Básica,49.90,120,Algodão 100%,camisa|blusa";

export function ProductsPanel() {
  const [query, setQuery] = useState("");
  const products = useProducts(useDebounced(query.trim()));
  const [editing, setEditing] = useState<Product | "new" | null>(null);
  const canEdit = useCan("edit_products");
  const list = products.data ?? [];
  // An older product API sends neither field: no column of dashes then.
  const showSource = list.some((p) => p.source || p.syncedAt);
  const lastSync = list.reduce<string | null>((last, p) =>
    (p.syncedAt && (!last || Date.parse(p.syncedAt) > Date.parse(last)) ? p.syncedAt : last), null);
  return (
    <>
      <Panel title="Catálogo de produtos" actions={<>
        <input type="search" aria-label="Buscar produtos" placeholder="Buscar por nome ou SKU" value={query}
          onChange={(e) => setQuery(e.target.value)} />
        <button type="button" className="primary" disabled={!canEdit} title={canEdit ? undefined : NOT_ALLOWED}
          onClick={() => setEditing(editing ? null : "new")}>
          {editing ? "Fechar formulário" : "Novo produto"}
        </button>
      </>}>
        <p className="muted small">O bot só informa preços, estoque e políticas que estão aqui ou na configuração.</p>
        {lastSync && (
          <p className="small" data-testid="last-sync">
            Última sincronização com o TikTok Shop: <strong title={formatDateTime(lastSync)}>{formatAgo(lastSync)}</strong>
          </p>
        )}
        {editing && <ProductForm key={editing === "new" ? "new" : editing.id} product={editing === "new" ? null : editing}
          onDone={() => setEditing(null)} />}
        <ErrorBox error={products.error} onRetry={() => void products.refetch()} />
        {products.isPending && <Loading />}
        {products.data?.length === 0 && <Empty>{query ? "Nenhum produto encontrado." : "Catálogo vazio. Cadastre ou importe um CSV."}</Empty>}
        {products.data && products.data.length > 0 && (
          <table className="table">
            <thead><tr><th>SKU</th><th>Produto</th><th>Preço</th><th>Estoque</th><th>Sinônimos</th>{showSource && <th>Origem</th>}<th /></tr></thead>
            <tbody>{products.data.map((p) => (
              <ProductRow key={p.id || p.sku} product={p} showSource={showSource} onEdit={() => setEditing(p)} />
            ))}</tbody>
          </table>
        )}
      </Panel>
      <CsvImport />
    </>
  );
}

function ProductRow({ product: p, showSource, onEdit }: { product: Product; showSource: boolean; onEdit: () => void }) {
  const { chatbot } = useServices();
  const canEdit = useCan("edit_products");
  const remove = useAction(() => chatbot.deleteProduct(p.id), {
    invalidate: [queryKeys.sellerBotProducts], success: `${p.name} removido do catálogo`,
  });
  return (
    <tr>
      <td><code>{p.sku}</code></td>
      <td><strong>{p.name}</strong>{p.description && <div className="muted small clamp">{p.description}</div>}</td>
      <td>{formatMoney(p.price, p.currency)}</td>
      <td>{formatInt(p.stock)}</td>
      <td className="small">{p.synonyms.join(", ") || "—"}</td>
      {showSource && (
        <td data-testid="product-source">
          {p.source ? label(PRODUCT_SOURCE_LABELS, p.source) : "—"}
          {p.syncedAt && <div className="muted small" title={formatDateTime(p.syncedAt)}>sincronizado {formatAgo(p.syncedAt)}</div>}
        </td>
      )}
      <td className="actions">
        <button type="button" className="secondary" disabled={!canEdit} onClick={onEdit}>Editar</button>
        <ConfirmButton label="Excluir" confirmLabel="Excluir produto" onConfirm={() => remove.mutate(undefined)}
          disabled={remove.isPending || !canEdit} />
      </td>
    </tr>
  );
}

const GENDERS = ["", "masculine", "feminine"] as const;
type Gender = (typeof GENDERS)[number];

function toGender(value: string): Gender {
  return (GENDERS as readonly string[]).includes(value) ? (value as Gender) : "";
}

function ProductForm({ product, onDone }: { product: Product | null; onDone: () => void }) {
  const { chatbot } = useServices();
  const [form, setForm] = useState({
    sku: product?.sku ?? "", name: product?.name ?? "", price: product ? String(product.price) : "",
    currency: product?.currency ?? "BRL", stock: product ? String(product.stock) : "0",
    description: product?.description ?? "", synonyms: product?.synonyms.join(", ") ?? "",
    shipping_policy: product?.shippingPolicy ?? "", return_policy: product?.returnPolicy ?? "",
    variants: product?.variants.join(", ") ?? "", gender: toGender(product?.gender ?? ""),
  });
  const save = useAction((input: ProductInput) => chatbot.upsertProduct(input), {
    invalidate: [queryKeys.sellerBotProducts], success: (p) => `${p.name} salvo`, silentError: true,
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({
      id: product?.id ?? "", sku: form.sku.trim(), name: form.name.trim(), description: form.description,
      price: Number(form.price.replace(",", ".")), currency: form.currency.trim().toUpperCase() || "BRL",
      stock: Math.max(0, Math.trunc(Number(form.stock) || 0)),
      synonyms: form.synonyms.split(",").map((s) => s.trim()).filter(Boolean),
      shipping_policy: form.shipping_policy, return_policy: form.return_policy,
      // Sent back as they are: the route replaces the product, so a field left out would be cleared.
      variants: form.variants.split(",").map((s) => s.trim()).filter(Boolean), gender: form.gender,
    }, { onSuccess: onDone });
  }

  return (
    <form className="form-card" onSubmit={submit} aria-label={product ? "Editar produto" : "Novo produto"}>
      {product?.source === "tiktok_shop" && (
        <p className="notice small">Produto sincronizado do TikTok Shop: a próxima sincronização pode sobrescrever o que
          vier da loja (nome, preço, estoque, variações).</p>
      )}
      <div className="form-grid">
        <label>SKU<input required maxLength={64} value={form.sku} onChange={set("sku")} /></label>
        <label>Nome<input required maxLength={200} value={form.name} onChange={set("name")} /></label>
        <label>Preço<input required inputMode="decimal" pattern="\d+([.,]\d{1,2})?" value={form.price} onChange={set("price")} placeholder="49,90" /></label>
        <label>Moeda<input maxLength={3} value={form.currency} onChange={set("currency")} /></label>
        <label>Estoque<input type="number" min={0} value={form.stock} onChange={set("stock")} /></label>
        <label>Sinônimos (separados por vírgula)<input value={form.synonyms} onChange={set("synonyms")} placeholder="camisa, blusa" /></label>
        <label>Variações (separadas por vírgula)<input value={form.variants} onChange={set("variants")} placeholder="P, M, G" /></label>
        <label>Gênero do nome
          <select value={form.gender} onChange={(e) => setForm({ ...form, gender: toGender(e.target.value) })}
            title="Como o bot escreve o artigo antes do nome: “o” ou “a”">
            {GENDERS.map((g) => <option key={g} value={g}>{GENDER_LABELS[g]}</option>)}
          </select>
        </label>
        <label className="span-2">Descrição<textarea rows={2} maxLength={4000} value={form.description} onChange={set("description")} /></label>
        <label>Política de frete<textarea rows={2} maxLength={2000} value={form.shipping_policy} onChange={set("shipping_policy")} /></label>
        <label>Política de trocas<textarea rows={2} maxLength={2000} value={form.return_policy} onChange={set("return_policy")} /></label>
      </div>
      <ErrorBox error={save.error} />
      <div className="row"><button type="submit" className="primary" disabled={save.isPending}>{save.isPending ? "Salvando…" : "Salvar produto"}</button></div>
    </form>
  );
}

function CsvImport() {
  const { chatbot } = useServices();
  const [csv, setCsv] = useState("");
  const [fileName, setFileName] = useState("");
  const canImport = useCan("edit_products");
  const importCsv = useAction((text: string) => chatbot.importProducts(text), {
    invalidate: [queryKeys.sellerBotProducts],
    success: (r: ImportResult) =>
      `Importação: ${formatCount(r.imported, "novo", "novos")}, ${formatCount(r.updated, "atualizado", "atualizados")}`,
    silentError: true,
  });

  async function pick(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    setFileName(file.name);
    setCsv(await file.text());
  }

  const r = importCsv.data;
  return (
    <Panel title="Importar produtos (CSV)">
      <p className="muted small">
        Obrigatórias: <code>sku</code>, <code>name</code>, <code>price</code>. Opcionais: <code>stock</code>, <code>description</code>,{" "}
        <code>currency</code>, <code>synonyms</code> (separados por <code>|</code>), <code>shipping_policy</code>, <code>return_policy</code>.
        Separador vírgula ou ponto e vírgula; preço como 49.90, 49,90 ou R$ 49,90. Um SKU que já existe é atualizado. Exemplo:
      </p>
      <pre className="code-sample">{CSV_EXAMPLE}</pre>
      <div className="row">
        <input type="file" accept=".csv,text/csv" aria-label="Arquivo CSV" onChange={(e) => void pick(e)} />
        {fileName && <span className="muted small">{fileName} · {formatInt(csv.split("\n").filter(Boolean).length)} linhas</span>}
        <button type="button" className="primary" disabled={!csv || importCsv.isPending || !canImport}
          onClick={() => importCsv.mutate(csv)}>
          {importCsv.isPending ? "Importando…" : "Importar"}
        </button>
      </div>
      <ErrorBox error={importCsv.error} />
      {r && (
        <div className="import-result">
          <strong>{formatInt(r.imported)}</strong> produtos novos, <strong>{formatInt(r.updated)}</strong> atualizados.
          {r.errors.length > 0 && <ul className="error-fields">{r.errors.map((e, i) => <li key={i}>{e}</li>)}</ul>}
        </div>
      )}
    </Panel>
  );
}
