/** Shows an API error as the server sent it: a pt-BR title, the `detail`, and the offending fields. */
import { describeError } from "../api/errors";

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const { title, detail, fields } = describeError(error);
  return (
    <div className="error-box" role="alert">
      <strong>{title}</strong>
      {detail && <span className="error-detail"> — {detail}</span>}
      {fields.length > 0 && (
        <ul className="error-fields">
          {fields.map((f, i) => <li key={`${f.field}-${i}`}><code>{f.field || "corpo"}</code>: {f.message}</li>)}
        </ul>
      )}
      {onRetry && <button type="button" className="link-button" onClick={onRetry}>Tentar de novo</button>}
    </div>
  );
}
