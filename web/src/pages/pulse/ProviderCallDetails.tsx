// The details of one provider call: ids, timing, outcome, and its prompt and output when they
// were stored (the server redacts secrets before storing them).
import { Link } from "react-router-dom";
import { formatDuration, formatUsdMicros } from "../../lib/pulse/format";
import type { ProviderCall } from "../../lib/pulse/types";
import { JsonBlock } from "./JsonBlock";

interface Message {
  role: string;
  content: string;
}

/** The prompt messages as `{role, content}` pairs, when they have that shape. */
function messagesOf(value: unknown): Message[] | null {
  if (!Array.isArray(value)) return null;
  const messages: Message[] = [];
  for (const entry of value) {
    if (entry === null || typeof entry !== "object") return null;
    const { role, content } = entry as Record<string, unknown>;
    if (typeof role !== "string") return null;
    messages.push({ role, content: typeof content === "string" ? content : JSON.stringify(content, null, 2) });
  }
  return messages;
}

export function ProviderCallDetails({ call }: { call: ProviderCall }) {
  const messages = messagesOf(call.prompt_messages);
  const hasPrompt = call.prompt_messages != null || !!call.prompt_text;
  const hasOutput = !!call.output_content || call.output_parsed != null;
  return (
    <div className="stack pulse-call-details">
      <dl className="pulse-facts">
        <div>
          <dt>Service</dt>
          <dd>{call.service}</dd>
        </div>
        <div>
          <dt>Answered by</dt>
          <dd>{call.response_model ?? "—"}</dd>
        </div>
        <div>
          <dt>Time to first token</dt>
          <dd>{formatDuration(call.ttft_ms)}</dd>
        </div>
        <div>
          <dt>Finish reason</dt>
          <dd>{call.finish_reason ?? "—"}</dd>
        </div>
        {call.audio_duration_ms != null && (
          <div>
            <dt>Audio</dt>
            <dd>{formatDuration(call.audio_duration_ms)}</dd>
          </div>
        )}
        <div>
          <dt>Exact cost</dt>
          <dd>{call.priced ? formatUsdMicros(call.cost_usd_micros) : "Not priced (unknown)"}</dd>
        </div>
        <div>
          <dt>Request id</dt>
          <dd>{call.request_id ? <code>{call.request_id}</code> : "—"}</dd>
        </div>
        <div>
          <dt>Pipeline run</dt>
          <dd>{call.pipeline_run_id ? <Link to={`/pulse/runs/${call.pipeline_run_id}`}>Open the run</Link> : "—"}</dd>
        </div>
      </dl>
      {!call.success && (
        <div className="notice notice-error">
          <strong>{call.error_code ?? "Failed"}</strong>
          {call.error && <p>{call.error}</p>}
        </div>
      )}
      <h3 className="pulse-subheading">Prompt</h3>
      {!hasPrompt && <p className="muted small">The prompt was not stored.</p>}
      {messages ? (
        <ol className="pulse-messages">
          {messages.map((message, index) => (
            <li key={index}>
              <strong>{message.role}</strong>
              <pre>{message.content}</pre>
            </li>
          ))}
        </ol>
      ) : (
        call.prompt_messages != null && <JsonBlock value={call.prompt_messages} summary="Prompt messages" />
      )}
      {call.prompt_text && <pre>{call.prompt_text}</pre>}
      <h3 className="pulse-subheading">Output</h3>
      {!hasOutput && <p className="muted small">The output was not stored.</p>}
      {call.output_content && <pre>{call.output_content}</pre>}
      {call.output_parsed != null && <JsonBlock value={call.output_parsed} summary="Structured output" />}
    </div>
  );
}
