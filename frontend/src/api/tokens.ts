/** The seller's session: access + refresh tokens, when the access token expires, and where it is kept. */

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token stops being accepted. */
  expiresAt: number;
  /** Epoch milliseconds at which the pair was received (sizes the refresh margin of short-lived tokens). */
  issuedAt?: number;
}

export interface SessionStorage {
  load(): Session | null;
  save(session: Session | null): void;
}

export const SESSION_STORAGE_KEY = "sellerbot.session";

/** Reads the `exp` claim (seconds) of a JWT without verifying it; null when the token is not a JWT. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Builds a session from the `TokenPair` JSON of POST /auth/login or /auth/refresh. */
export function sessionFromTokenPair(body: unknown, now: number): Session {
  const pair = (body ?? {}) as Record<string, unknown>;
  const accessToken = typeof pair.access_token === "string" ? pair.access_token : "";
  const refreshToken = typeof pair.refresh_token === "string" ? pair.refresh_token : "";
  if (!accessToken || !refreshToken) throw new Error("resposta de login sem tokens");
  const expiresIn = Number(pair.expires_in);
  const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0
    ? now + expiresIn * 1000
    : jwtExpiry(accessToken) ?? now + 15 * 60 * 1000;
  return { accessToken, refreshToken, expiresAt, issuedAt: now };
}

function isSession(value: unknown): value is Session {
  const s = value as Partial<Session> | null;
  return !!s && typeof s.accessToken === "string" && typeof s.refreshToken === "string"
    && typeof s.expiresAt === "number";
}

/**
 * Keeps the session in localStorage so every tab of the dashboard shares one login (a refresh in one tab is
 * seen by the others through the `storage` event).
 */
export function browserSessionStorage(key = SESSION_STORAGE_KEY): SessionStorage {
  return {
    load() {
      try {
        const parsed: unknown = JSON.parse(window.localStorage.getItem(key) ?? "null");
        return isSession(parsed) ? parsed : null;
      } catch {
        return null;
      }
    },
    save(session) {
      try {
        if (session) window.localStorage.setItem(key, JSON.stringify(session));
        else window.localStorage.removeItem(key);
      } catch {
        // Private mode or full storage: the session still lives in memory for this tab.
      }
    },
  };
}

export function memorySessionStorage(initial: Session | null = null): SessionStorage {
  let current = initial;
  return { load: () => current, save: (s) => { current = s; } };
}
