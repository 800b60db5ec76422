/** E-mail and password → POST /auth/login; the tokens are kept and refreshed by the ApiClient. */
import { Logo } from "../components/Logo";
import { FormEvent, useState } from "react";
import { useServices } from "../api/services";
import { ErrorBox } from "../components/ErrorBox";

export function LoginPage({ sessionExpired = false }: { sessionExpired?: boolean }) {
  const { api } = useServices();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(email.trim(), password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} aria-label="Entrar">
        <div className="brand"><Logo /> Seller Bot</div>
        <p className="login-subtitle">Automação do TikTok Shop e atendimento com IA</p>
        {sessionExpired && <div className="notice">Sua sessão expirou. Entre novamente.</div>}
        <label>
          E-mail
          <input type="email" autoComplete="username" required value={email}
            onChange={(e) => setEmail(e.target.value)} placeholder="voce@sualoja.com.br" />
        </label>
        <label>
          Senha
          <input type="password" autoComplete="current-password" required value={password}
            onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>{busy ? "Entrando…" : "Entrar"}</button>
      </form>
    </main>
  );
}
