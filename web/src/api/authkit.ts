// AuthKit (WorkOS) sign-in: send the browser to the server's authorize address with a random
// `state`, trade the code it comes back with for an access token, and refresh that token
// before it expires.
import { api, unwrap } from "./client";
import { tokenExpiry, useAuth } from "../store/auth";

const STATE_KEY = "hellosales.authkit.state";
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

/** The address AuthKit sends the browser back to. */
export function callbackUrl(): string {
  return `${location.origin}/auth/callback`;
}

/** Starts sign-in: remembers a random state and leaves for AuthKit. */
export function startAuthKit(authorizeUrl: string): void {
  const state = crypto.randomUUID();
  sessionStorage.setItem(STATE_KEY, state);
  const url = new URL(authorizeUrl);
  url.searchParams.set("redirect_uri", callbackUrl());
  url.searchParams.set("state", state);
  location.assign(url.toString());
}

/** Finishes sign-in from the callback's query string; throws when it cannot be trusted. */
export async function finishAuthKit(search: string): Promise<void> {
  const params = new URLSearchParams(search);
  const expected = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  const error = params.get("error_description") ?? params.get("error");
  if (error) throw new Error(`WorkOS: ${error}`);
  const code = params.get("code");
  if (!code) throw new Error("The sign-in link has no code: start again.");
  if (!expected || params.get("state") !== expected) {
    throw new Error("The sign-in answer does not match this browser's request: start again.");
  }
  const session = await unwrap(api.POST("/api/v1/auth/authkit/token", { body: { code } }));
  useAuth.getState().signIn(session.access_token, session.me, session.refresh_token ?? null);
}

/** Refreshes the AuthKit access token shortly before it expires; returns a cancel function. */
export function keepFresh(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    const { token, refreshToken } = useAuth.getState();
    if (!token || !refreshToken) return;
    const expiry = tokenExpiry(token);
    if (expiry === null) return;
    const wait = Math.max(0, expiry - Date.now() - REFRESH_MARGIN_MS);
    timer = setTimeout(async () => {
      try {
        const session = await unwrap(
          api.POST("/api/v1/auth/authkit/token", { body: { refresh_token: refreshToken } }),
        );
        useAuth.getState().signIn(session.access_token, session.me, session.refresh_token ?? null);
      } catch {
        useAuth.getState().signOut();
      }
    }, wait);
  };
  schedule();
  const unsubscribe = useAuth.subscribe((state, previous) => {
    if (state.token !== previous.token) schedule();
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
