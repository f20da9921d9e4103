// The Pulse API types the dashboard uses, named once (all from the generated OpenAPI schema).
import type { components } from "../../api/schema";

type Schemas = components["schemas"];

export type PipelineRun = Schemas["PipelineRun"];
export type PipelineRunDetail = Schemas["PipelineRunDetail"];
export type PipelineEvent = Schemas["PipelineEvent"];
export type ProviderCall = Schemas["ProviderCall"];
export type DeadLetter = Schemas["DeadLetter"];
export type DeadLetterStatus = Schemas["DeadLetterStatus"];
export type PulseMetrics = Schemas["PulseMetrics"];
export type PulseStats = Schemas["PulseStats"];
export type HourlyMetrics = Schemas["HourlyMetrics"];
export type CallMetrics = Schemas["CallMetrics"];
