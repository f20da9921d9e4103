// Runs one streamed generation: POSTs the request as Server-Sent Events, folds the tokens and
// saved records into per-variant progress, and can be stopped (the request is aborted).
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { postEventStream } from "../../api/eventStream";
import { generationReducer, type GenerationComplete, type GenerationToken } from "../../lib/documents/generationState";
import { streamFailure } from "../../lib/documents/streamError";

export type GenerationStatus = "idle" | "streaming" | "done" | "stopped" | "failed";

export function useGeneration() {
  const [variants, dispatch] = useReducer(generationReducer, []);
  const [status, setStatus] = useState<GenerationStatus>("idle");
  const [error, setError] = useState<unknown>(null);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(async (path: string, body: unknown, count: number) => {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    dispatch({ type: "start", variants: count });
    setError(null);
    setStatus("streaming");
    let failed = false;
    try {
      await postEventStream(
        path,
        body,
        ({ event, data }) => {
          if (event === "generate.token") dispatch({ type: "token", token: data as GenerationToken });
          else if (event === "generate.complete") dispatch({ type: "complete", complete: data as GenerationComplete });
          else if (event === "error") {
            failed = true;
            setError(streamFailure(data));
          }
        },
        abort.signal,
      );
      if (controller.current === abort) setStatus(failed ? "failed" : "done");
    } catch (caught) {
      if (controller.current !== abort) return;
      if (abort.signal.aborted) {
        setStatus("stopped");
      } else {
        setError(caught);
        setStatus("failed");
      }
    }
  }, []);

  const stop = useCallback(() => controller.current?.abort(), []);

  return { variants, status, error, start, stop, clearError: () => setError(null) };
}
