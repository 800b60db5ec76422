/** Small toast notifications (live events, action results), announced to screen readers. */
import { createContext, ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";

export type ToastKind = "success" | "error" | "info" | "warning";

interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
}

interface ToastApi {
  show(kind: ToastKind, title: string, detail?: string): void;
  success(title: string, detail?: string): void;
  error(title: string, detail?: string): void;
  info(title: string, detail?: string): void;
  warning(title: string, detail?: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);
const MAX_TOASTS = 5;

export function ToastProvider({ children, durationMs = 6000 }: { children: ReactNode; durationMs?: number }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);

  const show = useCallback((kind: ToastKind, title: string, detail?: string) => {
    const id = nextId.current++;
    setToasts((all) => [...all.slice(-(MAX_TOASTS - 1)), { id, kind, title, detail }]);
    window.setTimeout(() => dismiss(id), kind === "error" ? durationMs * 2 : durationMs);
  }, [dismiss, durationMs]);

  const api = useMemo<ToastApi>(() => ({
    show,
    success: (t, d) => show("success", t, d),
    error: (t, d) => show("error", t, d),
    info: (t, d) => show("info", t, d),
    warning: (t, d) => show("warning", t, d),
  }), [show]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            <div>
              <strong>{t.title}</strong>
              {t.detail && <div className="toast-detail">{t.detail}</div>}
            </div>
            <button type="button" className="toast-close" aria-label="Fechar aviso" onClick={() => dismiss(t.id)}>×</button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToast outside ToastProvider");
  return api;
}
