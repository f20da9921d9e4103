// The Pulse page's URL state (`?tab=…` and the open tab's filters and offset), read and patched.
import { useCallback } from "react";
import { useSearchParams } from "react-router-dom";

export type ParamsPatch = Record<string, string | null | undefined>;

export function usePulseParams(): { params: URLSearchParams; update: (patch: ParamsPatch) => void } {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (patch: ParamsPatch) => {
      setParams((previous) => {
        const next = new URLSearchParams(previous);
        for (const [key, value] of Object.entries(patch)) {
          if (value == null || value === "") next.delete(key);
          else next.set(key, value);
        }
        return next;
      });
    },
    [setParams],
  );
  return { params, update };
}
