// The Pulse list filters as they live in the URL (`?tab=runs&service=chat&since=24h&offset=25`)
// and the API queries they become. Pure: `now` is passed in.

/** Rows per page of every Pulse list. */
export const PAGE_SIZE = 25;

/** The "Since" choices: a window ending now, or a custom range. */
export const SINCE_OPTIONS = [
  { value: "", label: "Any time" },
  { value: "1h", label: "Last hour" },
  { value: "24h", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
  { value: "custom", label: "Custom range" },
] as const;

export const OUTCOME_OPTIONS = [
  { value: "", label: "Any" },
  { value: "success", label: "Succeeded" },
  { value: "failure", label: "Failed" },
];

const HOUR_MS = 3_600_000;
const SINCE_MS: Record<string, number> = { "1h": HOUR_MS, "24h": 24 * HOUR_MS, "7d": 168 * HOUR_MS, "30d": 720 * HOUR_MS };

/** The URL parameters a filter form reads and writes. */
export type FilterValues = Record<string, string>;

/** The values of `keys` in `params` ("" when absent). */
export function readFilters(params: URLSearchParams, keys: readonly string[]): FilterValues {
  return Object.fromEntries(keys.map((key) => [key, params.get(key) ?? ""]));
}

/** A `datetime-local` value (the reader's time zone) as RFC 3339 UTC, `undefined` when blank or unreadable. */
export function localToIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The `start_time` / `end_time` of a `since` choice (with `from` / `to` for a custom range). */
export function timeRange(
  values: FilterValues,
  now: Date,
): { start_time?: string; end_time?: string } {
  const since = values["since"] ?? "";
  if (since === "custom") {
    const range: { start_time?: string; end_time?: string } = {};
    const start = localToIso(values["from"]);
    const end = localToIso(values["to"]);
    if (start) range.start_time = start;
    if (end) range.end_time = end;
    return range;
  }
  const span = SINCE_MS[since];
  return span ? { start_time: new Date(now.getTime() - span).toISOString() } : {};
}

/** `success` of an outcome choice. */
export function successOf(outcome: string | undefined): boolean | undefined {
  if (outcome === "success") return true;
  if (outcome === "failure") return false;
  return undefined;
}

/** The page offset in the URL (0 when absent or not a whole number). */
export function offsetOf(params: URLSearchParams): number {
  const offset = Number(params.get("offset"));
  return Number.isInteger(offset) && offset > 0 ? offset : 0;
}

/** Trimmed text, `undefined` when blank. */
function textOf(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Drops the `undefined` entries (so that they are not sent). */
function defined<T extends Record<string, unknown>>(query: T): T {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)) as T;
}

export const RUN_FILTER_KEYS = ["service", "topology", "outcome", "since", "from", "to"] as const;

/** The query of `GET /pulse/pipeline-runs` for the runs tab's URL. */
export function runsQuery(params: URLSearchParams, now: Date) {
  const values = readFilters(params, RUN_FILTER_KEYS);
  return defined({
    service: textOf(values["service"]),
    topology: textOf(values["topology"]),
    success: successOf(values["outcome"]),
    ...timeRange(values, now),
    limit: PAGE_SIZE,
    offset: offsetOf(params),
  });
}

export const CALL_FILTER_KEYS = ["provider", "model", "operation", "outcome", "since", "from", "to", "request_id"] as const;

/** The query of `GET /pulse/provider-calls` for the provider calls tab's URL. */
export function callsQuery(params: URLSearchParams, now: Date) {
  const values = readFilters(params, CALL_FILTER_KEYS);
  return defined({
    provider: textOf(values["provider"]),
    model: textOf(values["model"]),
    operation: textOf(values["operation"]),
    success: successOf(values["outcome"]),
    request_id: textOf(values["request_id"]),
    ...timeRange(values, now),
    limit: PAGE_SIZE,
    offset: offsetOf(params),
  });
}

export const DEAD_LETTER_FILTER_KEYS = ["status"] as const;

/** The query of `GET /pulse/dead-letter-queue` for the dead letters tab's URL. */
export function deadLettersQuery(params: URLSearchParams) {
  return defined({ status: textOf(params.get("status") ?? undefined), limit: PAGE_SIZE, offset: offsetOf(params) });
}

/** The metrics windows, in hours (the server allows up to 720). */
export const WINDOW_OPTIONS = [
  { value: "24", label: "Last 24 hours" },
  { value: "168", label: "Last 7 days" },
  { value: "720", label: "Last 30 days" },
];

/** The metrics window of the URL, in hours (24 unless one of `WINDOW_OPTIONS`). */
export function windowHours(params: URLSearchParams): number {
  const hours = params.get("hours") ?? "";
  return WINDOW_OPTIONS.some((option) => option.value === hours) ? Number(hours) : 24;
}

/** The queries of `GET /pulse/metrics` and `GET /pulse/stats` for the metrics tab's URL. */
export function metricsQueries(params: URLSearchParams, now: Date) {
  const hours = windowHours(params);
  return {
    metrics: defined({
      start_time: new Date(now.getTime() - hours * HOUR_MS).toISOString(),
      end_time: now.toISOString(),
      service: textOf(params.get("service") ?? undefined),
    }),
    stats: { hours },
  };
}
