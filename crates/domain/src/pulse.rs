//! Pulse: what an organization's admins browse of its observability records (specification
//! §10.2) — pipeline runs with their events, and provider calls — and the list filters they
//! send.
//!
//! Costs are stored exactly, in micro-USD; the cents shown beside them are derived here,
//! rounded up ([`cents_rounded_up`]), so a real cost never shows as 0.

use crate::content::PageQuery;
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{InteractionId, OrgId, SessionId, UserId};
use crate::sessions::cents_rounded_up;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Items per Pulse page when the client does not say.
pub const PULSE_DEFAULT_LIMIT: u64 = 50;
/// The most items a Pulse page may hold.
pub const PULSE_MAX_LIMIT: u64 = 200;

/// Whole cents of an optional micro-USD cost, rounded up (0 when there is none).
#[must_use]
pub fn cents_of(usd_micros: Option<i64>) -> i64 {
    cents_rounded_up(usd_micros.unwrap_or(0))
}

/// One run of a pipeline, end to end.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PipelineRun {
    /// Its id.
    pub id: Uuid,
    /// `chat`, `script`, `email`, …
    pub service: String,
    /// The registered pipeline name.
    pub pipeline_name: Option<String>,
    /// The pipeline configuration name.
    pub topology: Option<String>,
    /// The execution behaviour.
    pub behavior: Option<String>,
    /// `fast`, `balanced` or `quality`.
    pub quality_mode: Option<String>,
    /// The request that started it.
    pub request_id: Option<String>,
    /// The session.
    pub session_id: Option<SessionId>,
    /// The interaction (the user's message).
    pub interaction_id: Option<InteractionId>,
    /// The user.
    pub user_id: Option<UserId>,
    /// The organization.
    pub org_id: OrgId,
    /// `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Per-stage metrics, as stored (an object keyed by stage name).
    #[schema(value_type = Option<Object>)]
    pub stages: Option<Value>,
    /// Total latency.
    pub total_latency_ms: Option<i64>,
    /// Time to first token.
    pub ttft_ms: Option<i64>,
    /// Time to the first audio of a voice answer.
    pub ttfa_ms: Option<i64>,
    /// Time to the first synthesized chunk, from the first text-to-speech request.
    pub ttfc_ms: Option<i64>,
    /// Duration of the speech heard (voice turns).
    pub input_audio_duration_ms: Option<i64>,
    /// Duration of the speech answered (voice turns).
    pub output_audio_duration_ms: Option<i64>,
    /// Input tokens.
    pub tokens_in: Option<i64>,
    /// Output tokens.
    pub tokens_out: Option<i64>,
    /// Output tokens per second.
    pub tokens_per_second: Option<f64>,
    /// Exact total cost, in micro-USD.
    pub total_cost_usd_micros: Option<i64>,
    /// The same cost in whole cents, rounded up (0 when none).
    pub total_cost_cents: i64,
    /// Whether the run succeeded.
    pub success: bool,
    /// Error description.
    pub error: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// The speech-to-text call (voice turns).
    pub stt_provider_call_id: Option<Uuid>,
    /// The LLM call.
    pub llm_provider_call_id: Option<Uuid>,
    /// The first text-to-speech call (voice turns).
    pub tts_provider_call_id: Option<Uuid>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub completed_at: Option<DateTime<Utc>>,
}

/// One event of a pipeline run. `type`, `timestamp` and `data` repeat `event_type`,
/// `occurred_at` and `event_data` under the older dashboard's names.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PipelineEvent {
    /// Its id.
    pub id: Uuid,
    /// The run.
    pub pipeline_run_id: Uuid,
    /// `pipeline.started`, `stage.llm.completed`, `stage.wide`, …
    pub event_type: String,
    /// The payload, as stored.
    #[schema(value_type = Option<Object>)]
    pub event_data: Option<Value>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// `event_type`, under the older dashboard's name.
    #[serde(rename = "type")]
    pub kind: String,
    /// `occurred_at`, under the older dashboard's name.
    pub timestamp: DateTime<Utc>,
    /// `event_data`, under the older dashboard's name.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

impl PipelineEvent {
    /// An event, with its alias fields filled from the others.
    #[must_use]
    pub fn new(
        id: Uuid,
        pipeline_run_id: Uuid,
        event_type: String,
        event_data: Option<Value>,
        occurred_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            pipeline_run_id,
            kind: event_type.clone(),
            event_type,
            data: event_data.clone(),
            event_data,
            timestamp: occurred_at,
            occurred_at,
        }
    }
}

/// A run and its events, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PipelineRunDetail {
    /// The run.
    #[serde(flatten)]
    pub run: PipelineRun,
    /// Its events, oldest first.
    pub events: Vec<PipelineEvent>,
}

/// The events of a run, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PipelineEventList {
    /// The events.
    pub items: Vec<PipelineEvent>,
}

/// One call to an outside provider (LLM, STT, TTS, embedding), as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProviderCall {
    /// Its id.
    pub id: Uuid,
    /// `chat`, `script`, `email`, `summary`, …
    pub service: String,
    /// `llm`, `stt`, `tts`, `embedding`.
    pub operation: String,
    /// `groq`, `google`, …
    pub provider: String,
    /// The model asked for.
    pub model_id: Option<String>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// The pipeline run.
    pub pipeline_run_id: Option<Uuid>,
    /// The session.
    pub session_id: Option<SessionId>,
    /// The interaction.
    pub interaction_id: Option<InteractionId>,
    /// The user.
    pub user_id: Option<UserId>,
    /// The organization.
    pub org_id: OrgId,
    /// The LLM input messages, as stored.
    #[schema(value_type = Option<Object>)]
    pub prompt_messages: Option<Value>,
    /// Other text input.
    pub prompt_text: Option<String>,
    /// The raw output.
    pub output_content: Option<String>,
    /// The structured output.
    #[schema(value_type = Option<Object>)]
    pub output_parsed: Option<Value>,
    /// From the start of the call to its end.
    pub latency_ms: Option<i64>,
    /// Time to the first content delta.
    pub ttft_ms: Option<i64>,
    /// Input tokens.
    pub tokens_in: Option<i64>,
    /// Output tokens.
    pub tokens_out: Option<i64>,
    /// Whether the token counts are estimates.
    pub tokens_estimated: bool,
    /// Audio duration.
    pub audio_duration_ms: Option<i64>,
    /// Exact cost, in micro-USD.
    pub cost_usd_micros: Option<i64>,
    /// The same cost in whole cents, rounded up (0 when none).
    pub cost_cents: i64,
    /// Whether the model had a price (false: the cost is unknown, not 0).
    pub priced: bool,
    /// Whether the call succeeded.
    pub success: bool,
    /// Error description.
    pub error: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// Why generation stopped.
    pub finish_reason: Option<String>,
    /// The model that answered, as the provider named it.
    pub response_model: Option<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
}

/// The query of `GET /pulse/pipeline-runs`, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PipelineRunParams {
    /// Only runs of this service (`chat`, `script`, …).
    pub service: Option<String>,
    /// Only runs of this pipeline configuration.
    pub topology: Option<String>,
    /// Only successful (`true`) or failed (`false`) runs.
    pub success: Option<bool>,
    /// Only runs started at or after this instant (RFC 3339).
    pub start_time: Option<DateTime<Utc>>,
    /// Only runs started at or before this instant (RFC 3339).
    pub end_time: Option<DateTime<Utc>>,
    /// Only runs of this session.
    pub session_id: Option<Uuid>,
    /// Only runs of this user.
    pub user_id: Option<Uuid>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
    /// Items to skip (default 0). Past the end, the page is empty.
    pub offset: Option<u64>,
}

/// Which pipeline runs a list holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PipelineRunFilter {
    /// The service.
    pub service: Option<String>,
    /// The topology.
    pub topology: Option<String>,
    /// Success or failure.
    pub success: Option<bool>,
    /// Started at or after.
    pub start_time: Option<DateTime<Utc>>,
    /// Started at or before.
    pub end_time: Option<DateTime<Utc>>,
    /// The session.
    pub session_id: Option<Uuid>,
    /// The user.
    pub user_id: Option<Uuid>,
}

impl PipelineRunParams {
    /// Validates the parameters.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` on `limit` outside 1 to [`PULSE_MAX_LIMIT`], or on `end_time` before
    /// `start_time`.
    pub fn validate(self) -> AppResult<(PipelineRunFilter, PageQuery)> {
        let page = validate_page(self.limit, self.offset, self.start_time, self.end_time)?;
        let filter = PipelineRunFilter {
            service: non_blank(self.service),
            topology: non_blank(self.topology),
            success: self.success,
            start_time: self.start_time,
            end_time: self.end_time,
            session_id: self.session_id,
            user_id: self.user_id,
        };
        Ok((filter, page))
    }
}

/// The query of `GET /pulse/provider-calls`, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderCallParams {
    /// Only calls to this provider (`groq`, `google`, …).
    pub provider: Option<String>,
    /// Only calls of this operation (`llm`, `embedding`, …).
    pub operation: Option<String>,
    /// Only calls asking for this model (`model_id`).
    pub model: Option<String>,
    /// Only successful (`true`) or failed (`false`) calls.
    pub success: Option<bool>,
    /// Only calls started at or after this instant (RFC 3339).
    pub start_time: Option<DateTime<Utc>>,
    /// Only calls started at or before this instant (RFC 3339).
    pub end_time: Option<DateTime<Utc>>,
    /// Only calls of this request.
    pub request_id: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
    /// Items to skip (default 0). Past the end, the page is empty.
    pub offset: Option<u64>,
}

/// Which provider calls a list holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderCallFilter {
    /// The provider.
    pub provider: Option<String>,
    /// The operation.
    pub operation: Option<String>,
    /// The model asked for.
    pub model: Option<String>,
    /// Success or failure.
    pub success: Option<bool>,
    /// Started at or after.
    pub start_time: Option<DateTime<Utc>>,
    /// Started at or before.
    pub end_time: Option<DateTime<Utc>>,
    /// The request.
    pub request_id: Option<String>,
}

impl ProviderCallParams {
    /// Validates the parameters.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` on `limit` outside 1 to [`PULSE_MAX_LIMIT`], or on `end_time` before
    /// `start_time`.
    pub fn validate(self) -> AppResult<(ProviderCallFilter, PageQuery)> {
        let page = validate_page(self.limit, self.offset, self.start_time, self.end_time)?;
        let filter = ProviderCallFilter {
            provider: non_blank(self.provider),
            operation: non_blank(self.operation),
            model: non_blank(self.model),
            success: self.success,
            start_time: self.start_time,
            end_time: self.end_time,
            request_id: non_blank(self.request_id),
        };
        Ok((filter, page))
    }
}

/// A text filter, trimmed; blank means no filter.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

pub(crate) fn validate_page(
    limit: Option<u64>,
    offset: Option<u64>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> AppResult<PageQuery> {
    let mut errors = Vec::new();
    let limit = limit.unwrap_or(PULSE_DEFAULT_LIMIT);
    if !(1..=PULSE_MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {PULSE_MAX_LIMIT}"),
        ));
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        errors.push(FieldError::new(
            "end_time",
            "out_of_range",
            "end_time must not be before start_time",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid_fields(errors));
    }
    Ok(PageQuery {
        limit,
        offset: offset.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paging_defaults_and_bounds() {
        let (_, page) = PipelineRunParams::default().validate().unwrap();
        assert_eq!((page.limit, page.offset), (PULSE_DEFAULT_LIMIT, 0));
        for limit in [0, PULSE_MAX_LIMIT + 1] {
            let params = ProviderCallParams {
                limit: Some(limit),
                ..ProviderCallParams::default()
            };
            assert!(params.validate().is_err(), "limit {limit}");
        }
        let params = ProviderCallParams {
            limit: Some(PULSE_MAX_LIMIT),
            ..ProviderCallParams::default()
        };
        assert_eq!(params.validate().unwrap().1.limit, PULSE_MAX_LIMIT);
    }

    #[test]
    fn a_reversed_time_range_is_refused_and_blank_filters_dropped() {
        let now = Utc::now();
        let params = PipelineRunParams {
            start_time: Some(now),
            end_time: Some(now - chrono::Duration::seconds(1)),
            ..PipelineRunParams::default()
        };
        assert!(params.validate().is_err());
        let params = PipelineRunParams {
            service: Some("  ".to_owned()),
            topology: Some(" chat ".to_owned()),
            ..PipelineRunParams::default()
        };
        let (filter, _) = params.validate().unwrap();
        assert_eq!(filter.service, None);
        assert_eq!(filter.topology.as_deref(), Some("chat"));
    }

    #[test]
    fn events_repeat_their_fields_under_the_old_names() {
        let at = Utc::now();
        let event = PipelineEvent::new(
            Uuid::nil(),
            Uuid::nil(),
            "pipeline.started".to_owned(),
            Some(serde_json::json!({ "a": 1 })),
            at,
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], json["event_type"]);
        assert_eq!(json["data"], json["event_data"]);
        assert_eq!(json["timestamp"], json["occurred_at"]);
        assert_eq!(cents_of(None), 0);
        assert_eq!(cents_of(Some(10_001)), 2);
    }
}
