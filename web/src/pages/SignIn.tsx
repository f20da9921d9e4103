// Sign-in: what the server offers (GET /api/v1/auth/config): "Sign in with WorkOS" (AuthKit)
// when WorkOS is configured, and in development a development token (from `hellosales token`)
// checked against /api/v1/auth/me.
import { useEffect, useState, type FormEvent } from "react";
import { api, unwrap } from "../api/client";
import { startAuthKit } from "../api/authkit";
import type { components } from "../api/schema";
import { ErrorNotice } from "../components/ErrorNotice";
import { useAuth } from "../store/auth";

type SignInOptions = components["schemas"]["SignInOptions"];

export function SignIn() {
  const signIn = useAuth((s) => s.signIn);
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    unwrap(api.GET("/api/v1/auth/config")).then(setOptions, setError);
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      const me = await unwrap(api.GET("/api/v1/auth/me", { headers: { Authorization: `Bearer ${value}` } }));
      signIn(value, me);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>HelloSales</h1>
      <p className="muted">Sales scripts, emails and an assistant that knows your products and clients.</p>
      <div className="card stack">
        <h2>Sign in</h2>
        {options === null && !error && <p aria-busy="true">Loading…</p>}
        {options?.authkit && (
          <button type="button" onClick={() => options.authkit && startAuthKit(options.authkit.authorize_url)}>
            Sign in with WorkOS
          </button>
        )}
        {options?.development_tokens && (
          <form onSubmit={submit} className="stack">
            <label htmlFor="dev-token">Development token</label>
            <textarea
              id="dev-token"
              rows={4}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              aria-describedby="dev-token-help"
              spellCheck={false}
              autoComplete="off"
            />
            <p id="dev-token-help" className="muted small">
              Mint one with <code>hellosales token --org org_acme --email you@acme.test --role admin</code>.
            </p>
            <button type="submit" disabled={busy || !token.trim()}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </form>
        )}
        {options && !options.authkit && !options.development_tokens && (
          <p>This server has no sign-in configured: set WORKOS_CLIENT_ID and WORKOS_API_KEY.</p>
        )}
        <ErrorNotice error={error} />
      </div>
    </main>
  );
}
