/**
 * Defensive readers for API JSON: the services are young and protobuf JSON writes int64 as strings, so every
 * field is read with a default instead of trusted.
 */

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  // Some list routes may wrap their items: {items: [...]} / {tasks: [...]}.
  const o = obj(value);
  for (const key of ["items", "results", "data"]) if (Array.isArray(o[key])) return o[key] as unknown[];
  return [];
}

export function str(value: unknown, fallback = ""): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fallback;
}

export function num(value: unknown, fallback = 0): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : NaN;
  return Number.isFinite(n) ? n : fallback;
}

export function bool(value: unknown): boolean {
  return value === true || value === "true";
}

export function strList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => str(v)).filter(Boolean) : [];
}

export function optDate(value: unknown): string | null {
  const s = str(value);
  return s && !Number.isNaN(Date.parse(s)) ? s : null;
}

/** Reads the first present key, for fields whose name is still settling between services. */
export function pick(o: Json, ...keys: string[]): unknown {
  for (const key of keys) if (o[key] !== undefined && o[key] !== null) return o[key];
  return undefined;
}
