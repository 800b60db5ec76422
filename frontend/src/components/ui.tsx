/** Small building blocks shared by both dashboards: cards, badges, panels, progress, empty states. */
import { ReactNode, useState } from "react";

export function StatCard({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat-card">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint && <div className="stat-hint">{hint}</div>}
    </div>
  );
}

export function StatsCards({ children }: { children: ReactNode }) {
  return <div className="stats-cards">{children}</div>;
}

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return <span className={`badge badge-${tone}`} title={title}>{children}</span>;
}

export function Panel({ title, actions, children }: { title: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="panel">
      <header className="panel-header">
        <h2>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Progress({ done, total }: { done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total || 0} aria-valuenow={done}
      aria-label={`${done} de ${total}`}>
      <div className="progress-bar" style={{ width: `${pct}%` }} />
      <span className="progress-text">{total > 0 ? `${done}/${total}` : done > 0 ? String(done) : "—"}</span>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading() {
  return <p className="loading">Carregando…</p>;
}

/** A button that asks "Tem certeza?" inline before running a destructive action. */
export function ConfirmButton({ label, confirmLabel = "Confirmar", onConfirm, disabled, className = "danger" }: {
  label: string; confirmLabel?: string; onConfirm: () => void; disabled?: boolean; className?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return <button type="button" className={className} disabled={disabled} onClick={() => setAsking(true)}>{label}</button>;
  }
  return (
    <span className="confirm">
      <button type="button" className="danger" onClick={() => { setAsking(false); onConfirm(); }}>{confirmLabel}</button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>Não</button>
    </span>
  );
}

export function Tabs<T extends string>({ tabs, active, onChange, label }: {
  tabs: { id: T; label: string }[]; active: T; onChange: (id: T) => void; label: string;
}) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button key={t.id} type="button" role="tab" aria-selected={t.id === active}
          className={t.id === active ? "tab active" : "tab"} onClick={() => onChange(t.id)}>
          {t.label}
        </button>
      ))}
    </div>
  );
}
