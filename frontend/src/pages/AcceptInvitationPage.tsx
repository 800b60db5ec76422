/** The invitation link (`/#/accept-invitation?token=…`): choose a password, join the shop, get logged in. */
import { FormEvent, useState } from "react";
import { ApiError } from "../api/errors";
import { useServices } from "../api/services";
import { ErrorBox } from "../components/ErrorBox";
import { Logo } from "../components/Logo";

const INVITATION_HASH = /^#\/accept-invitation\?(.*)$/;

/** The token of an invitation link in the page's address, or null. */
export function invitationToken(hash: string = window.location.hash): string | null {
  const match = INVITATION_HASH.exec(hash);
  return match ? new URLSearchParams(match[1]).get("token") : null;
}

export function AcceptInvitationPage({ token, onDone }: { token: string; onDone: () => void }) {
  const { api, team } = useServices();
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeated) {
      setError(new ApiError(422, "validation_error", "as senhas não são iguais"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const member = await team.accept(token, password);
      onDone();
      await api.login(member.email, password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} aria-label="Aceitar convite">
        <div className="brand"><Logo /> Seller Bot</div>
        <p className="login-subtitle">Você foi convidado para a equipe de uma loja. Escolha sua senha.</p>
        <label>
          Senha
          <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={password}
            onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          Repita a senha
          <input type="password" autoComplete="new-password" required value={repeated}
            onChange={(e) => setRepeated(e.target.value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>{busy ? "Entrando…" : "Entrar na equipe"}</button>
      </form>
    </main>
  );
}
