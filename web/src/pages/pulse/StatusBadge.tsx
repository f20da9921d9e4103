// A status shown as a coloured badge with its word (the colour is never the only cue).
import { badgeClass, statusLabel } from "../../lib/pulse/status";

export function StatusBadge({ status }: { status: string }) {
  return <span className={badgeClass(status)}>{statusLabel(status)}</span>;
}
