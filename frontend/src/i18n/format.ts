/** Numbers, money, percentages, durations and dates the way a Brazilian seller reads them. */

const integer = new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("pt-BR", { style: "percent", maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat("pt-BR", { dateStyle: "short", timeStyle: "short" });

export function formatInt(value: number): string {
  return integer.format(value);
}

/** "1 mensagem", "2 mensagens", "1.234 conversas": the count with the noun in agreement. */
export function formatCount(value: number, singular: string, plural: string): string {
  return `${integer.format(value)} ${value === 1 ? singular : plural}`;
}

export function formatDecimal(value: number): string {
  return decimal.format(value);
}

/** `share` is a fraction (0.25 → 25%); values above 1 are taken as already in percent. */
export function formatPercent(share: number): string {
  return percent.format(share > 1 ? share / 100 : share);
}

export function formatMoney(value: number, currency = "BRL"): string {
  try {
    return new Intl.NumberFormat("pt-BR", { style: "currency", currency }).format(value);
  } catch {
    return `${currency} ${decimal.format(value)}`;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "—";
  if (seconds < 1) return `${integer.format(seconds * 1000)} ms`;
  if (seconds < 60) return `${decimal.format(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dateTime.format(date);
}

/** "há 5 min" style, for heartbeats and last activity. */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return "—";
  if (seconds < 5) return "agora";
  if (seconds < 60) return `há ${seconds} s`;
  if (seconds < 3600) return `há ${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `há ${Math.floor(seconds / 3600)} h`;
  return formatDateTime(iso);
}

/** A money amount as a Brazilian seller types it ("79,90", "R$ 1.234,56", "79.90"); NaN when it is not one. */
export function parseMoney(text: string): number {
  let t = text.replace(/R\$/gi, "").replace(/\s/g, "");
  if (t.includes(",")) t = t.replace(/\./g, "").replace(",", ".");
  return /^\d+(\.\d{1,2})?$/.test(t) ? Number(t) : NaN;
}
