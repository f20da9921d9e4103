// The Pulse calls of the typed API client (admin only: a member is answered 403), each
// returning its data or throwing an `ApiFailure`.
import { api, unwrap } from "../../api/client";
import type { paths } from "../../api/schema";

type QueryOf<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? NonNullable<Q>
  : never;

export type RunsQuery = QueryOf<"/api/v1/pulse/pipeline-runs">;
export type CallsQuery = QueryOf<"/api/v1/pulse/provider-calls">;
export type MetricsQuery = QueryOf<"/api/v1/pulse/metrics">;
export type StatsQuery = QueryOf<"/api/v1/pulse/stats">;
export type DeadLettersQuery = QueryOf<"/api/v1/pulse/dead-letter-queue">;

export function listRuns(query: RunsQuery) {
  return unwrap(api.GET("/api/v1/pulse/pipeline-runs", { params: { query } }));
}

export function getRun(id: string) {
  return unwrap(api.GET("/api/v1/pulse/pipeline-runs/{id}", { params: { path: { id } } }));
}

export function listProviderCalls(query: CallsQuery) {
  return unwrap(api.GET("/api/v1/pulse/provider-calls", { params: { query } }));
}

export function getMetrics(query: MetricsQuery) {
  return unwrap(api.GET("/api/v1/pulse/metrics", { params: { query } }));
}

export function getStats(query: StatsQuery) {
  return unwrap(api.GET("/api/v1/pulse/stats", { params: { query } }));
}

export function listDeadLetters(query: DeadLettersQuery) {
  return unwrap(api.GET("/api/v1/pulse/dead-letter-queue", { params: { query } }));
}

export function getDeadLetter(id: string) {
  return unwrap(api.GET("/api/v1/pulse/dead-letter-queue/{id}", { params: { path: { id } } }));
}

export function retryDeadLetter(id: string) {
  return unwrap(api.POST("/api/v1/pulse/dead-letter-queue/{id}/retry", { params: { path: { id } } }));
}

export function resolveDeadLetter(id: string, notes: string | null) {
  return unwrap(api.POST("/api/v1/pulse/dead-letter-queue/{id}/resolve", { params: { path: { id } }, body: { notes } }));
}

export function abandonDeadLetter(id: string, notes: string | null) {
  return unwrap(api.POST("/api/v1/pulse/dead-letter-queue/{id}/abandon", { params: { path: { id } }, body: { notes } }));
}
