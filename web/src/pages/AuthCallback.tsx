// Where AuthKit sends the browser back (/auth/callback?code=…&state=…): trades the code for a
// session, then goes to the app.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { finishAuthKit } from "../api/authkit";
import { ErrorNotice } from "../components/ErrorNotice";

export function AuthCallback() {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // the code is single-use: StrictMode must not send it twice
    started.current = true;
    finishAuthKit(location.search).then(() => navigate("/", { replace: true }), setError);
  }, [navigate]);

  return (
    <main id="main" className="signin">
      <h1>Signing in…</h1>
      <ErrorNotice error={error} />
      {error != null && <Link to="/">Back to sign-in</Link>}
    </main>
  );
}
