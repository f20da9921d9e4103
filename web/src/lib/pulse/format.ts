// Formatting for the Pulse dashboard: exact micro-USD costs as dollars (sub-cent costs stay
// visible), durations in ms / s / min, token counts, percentages and times.

const MICROS_PER_USD = 1_000_000;
const MICROS_PER_CENT = 10_000;

/** Thousands separators for a whole number. */
function grouped(whole: number): string {
  return whole.toLocaleString("en-US");
}

/** `micros` (a non-negative integer) rounded half up to `decimals` decimals of a dollar. */
function dollars(micros: number, decimals: number): string {
  const unit = 10 ** (6 - decimals);
  const scale = 10 ** decimals;
  const rounded = Math.round(micros / unit);
  const whole = Math.floor(rounded / scale);
  const fraction = String(rounded % scale).padStart(decimals, "0");
  return `${grouped(whole)}.${fraction}`;
}

/** All six decimals of `micros` (below a cent), trailing zeros dropped (at least two kept). */
function allDecimals(micros: number): string {
  const fraction = String(micros).padStart(6, "0").replace(/0+$/, "");
  return `0.${fraction.padEnd(2, "0")}`;
}

/**
 * An exact micro-USD amount in dollars: two decimals from $1, four from one cent, and every
 * significant decimal below a cent ($0.000042), so that a real cost never reads as $0.00.
 * `null` / `undefined` is "—".
 */
export function formatUsdMicros(micros: number | null | undefined): string {
  if (micros == null || !Number.isFinite(micros)) return "—";
  const value = Math.round(micros);
  if (value === 0) return "$0.00";
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  // 999,950 micros and up round to a dollar at four decimals: show them as dollars.
  if (abs >= MICROS_PER_USD - 50) return `${sign}$${dollars(abs, 2)}`;
  if (abs >= MICROS_PER_CENT) return `${sign}$${dollars(abs, 4)}`;
  return `${sign}$${allDecimals(abs)}`;
}

/** A provider call's cost: "not priced" when the model had no price (unknown, not zero). */
export function formatCallCost(call: { cost_usd_micros?: number | null; priced: boolean }): string {
  if (!call.priced) return "not priced";
  return formatUsdMicros(call.cost_usd_micros);
}

/** Micro-USD as a dollar number (for chart axes). */
export function usdOfMicros(micros: number): number {
  return micros / MICROS_PER_USD;
}

/** A duration: "850 ms", "2.5 ms", "1.25 s", "12.3 s", "2 min 5 s", "1 h 3 min"; "—" when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 10 && !Number.isInteger(ms)) return `${ms.toFixed(1)} ms`;
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole} ms`;
  const seconds = whole / 1000;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const totalSeconds = Math.round(seconds);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const rest = totalSeconds % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return rest > 0 ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/** An offset from the start of a run: "+0 ms", "+1.25 s". */
export function formatOffset(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  return ms < 0 ? formatDuration(ms) : `+${formatDuration(ms)}`;
}

/** A count with thousands separators; "—" when unknown. */
export function formatCount(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return "—";
  return grouped(Math.round(value));
}

/** Input and output tokens: "1,200 in / 340 out"; "—" when neither is known. */
export function formatTokens(tokensIn: number | null | undefined, tokensOut: number | null | undefined): string {
  if (tokensIn == null && tokensOut == null) return "—";
  return `${formatCount(tokensIn)} in / ${formatCount(tokensOut)} out`;
}

/** A rate between 0 and 1 as a percentage: "97.5%". */
export function formatPercent(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return "—";
  return `${(rate * 100).toFixed(1)}%`;
}

/** An instant in the reader's locale and time zone; "—" when absent or unreadable. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** The hour of an instant, for the axes of hourly charts: "Dec 1, 10:00". */
export function formatHour(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
