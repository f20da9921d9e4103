// Who is signed in: the bearer token (kept in this browser's local storage), the AuthKit
// refresh token when signed in with WorkOS, and the caller's identity from `/api/v1/auth/me`.
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";
import type { components } from "../api/schema";

export type Me = components["schemas"]["Me"];

interface AuthState {
  token: string | null;
  refreshToken: string | null;
  me: Me | null;
  signIn: (token: string, me: Me, refreshToken?: string | null) => void;
  signOut: () => void;
}

export const useAuth = create<AuthState>()(
  persist(
    (set) => ({
      token: null,
      refreshToken: null,
      me: null,
      signIn: (token, me, refreshToken = null) => set({ token, me, refreshToken }),
      signOut: () => set({ token: null, me: null, refreshToken: null }),
    }),
    {
      name: "hellosales.auth",
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ token: state.token, me: state.me, refreshToken: state.refreshToken }),
    },
  ),
);

/** Whether the signed-in user administers their organization (Pulse, hard deletes, profile). */
export function isAdmin(me: Me | null): boolean {
  return me?.role === "admin";
}

/** When a JWT expires (its `exp`, in ms since the epoch), or null when it cannot be read. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}
