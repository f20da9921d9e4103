//! The typed error hierarchy of HelloSales (specification §6.1) and the policy for using it.
//!
//! # Policy
//! - Every fallible operation of the `domain`, `store`, `providers` and `app` layers returns
//!   [`AppResult`]. Lower layers convert their library errors (database, HTTP client) into an
//!   [`AppError`] at their boundary: a unique-constraint violation becomes [`AppError::Conflict`],
//!   a missing row [`AppError::NotFound`], anything unexpected [`AppError::Internal`].
//! - Each variant has a stable machine code ([`AppError::code`]), a human message (its
//!   `Display`), structured details ([`AppError::details`]) and a `retryable` flag
//!   ([`AppError::retryable`]). Clients switch on the code, never on the message.
//! - The server maps a variant to an HTTP status and to the error envelope
//!   `{code, message, details, retryable, request_id, timestamp}`. Internal errors are logged
//!   once, by the server, with the request id, and answered as an opaque `INTERNAL_ERROR`: their
//!   source never reaches a client.
//! - Messages and details never contain secrets (tokens, keys, passwords).
//! - Another organization's resource is [`AppError::NotFound`], never a permission error: the
//!   existence of other tenants' data is not disclosed.

use serde::Serialize;
use serde_json::{Map, Value, json};
use std::fmt;

/// Result type of every fallible HelloSales operation.
pub type AppResult<T> = Result<T, AppError>;

/// Structured details attached to an error (a JSON object).
pub type ErrorDetails = Map<String, Value>;

/// A kind of resource, used by [`AppError::NotFound`] to give each resource its own stable code
/// (`PRODUCT_NOT_FOUND`, `SESSION_NOT_FOUND`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// An API route or any resource without a more specific code.
    Route,
    /// A user.
    User,
    /// An organization.
    Organization,
    /// The organization's company profile.
    CompanyProfile,
    /// A chat session.
    Session,
    /// A message within a session.
    Interaction,
    /// A product.
    Product,
    /// A client (prospect or customer).
    Client,
    /// A sales script.
    Script,
    /// A sales email.
    Email,
    /// A pipeline run.
    PipelineRun,
    /// A provider call record.
    ProviderCall,
    /// A dead-letter queue entry.
    DeadLetter,
}

impl Resource {
    /// The stable error code for "this resource does not exist (in your organization)".
    #[must_use]
    pub const fn not_found_code(self) -> &'static str {
        match self {
            Self::Route => "NOT_FOUND",
            Self::User => "USER_NOT_FOUND",
            Self::Organization => "ORGANIZATION_NOT_FOUND",
            Self::CompanyProfile => "COMPANY_PROFILE_NOT_FOUND",
            Self::Session => "SESSION_NOT_FOUND",
            Self::Interaction => "INTERACTION_NOT_FOUND",
            Self::Product => "PRODUCT_NOT_FOUND",
            Self::Client => "CLIENT_NOT_FOUND",
            Self::Script => "SCRIPT_NOT_FOUND",
            Self::Email => "EMAIL_NOT_FOUND",
            Self::PipelineRun => "PIPELINE_RUN_NOT_FOUND",
            Self::ProviderCall => "PROVIDER_CALL_NOT_FOUND",
            Self::DeadLetter => "DEAD_LETTER_NOT_FOUND",
        }
    }

    /// A human name for messages.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Route => "resource",
            Self::User => "user",
            Self::Organization => "organization",
            Self::CompanyProfile => "company profile",
            Self::Session => "session",
            Self::Interaction => "interaction",
            Self::Product => "product",
            Self::Client => "client",
            Self::Script => "sales script",
            Self::Email => "sales email",
            Self::PipelineRun => "pipeline run",
            Self::ProviderCall => "provider call",
            Self::DeadLetter => "dead-letter entry",
        }
    }
}

/// One invalid field of a request, reported in the details of [`AppError::Validation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path in the request (`name`, `key_features[2]`).
    pub field: String,
    /// A short machine code (`required`, `too_long`, `invalid_email`, `unknown_variant`).
    pub code: String,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// What went wrong with a call to an outside provider (LLM, speech, embeddings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderFailure {
    /// The provider did not answer in time.
    Timeout,
    /// The provider refused for rate; retry after the given number of seconds.
    RateLimited {
        /// Seconds to wait, from the provider's `Retry-After` when it sent one.
        retry_after_seconds: u64,
    },
    /// The provider rejected our credentials.
    Authentication,
    /// The provider rejected the request as malformed.
    BadRequest,
    /// The provider failed on its side (5xx).
    ServerError,
    /// The provider's stream broke or could not be parsed.
    MalformedStream,
    /// Calls to this provider are suspended by an open circuit breaker.
    CircuitOpen,
    /// The provider (a local model) is at capacity.
    Busy,
    /// The provider is not configured on this server.
    NotConfigured,
}

impl ProviderFailure {
    const fn code(&self) -> &'static str {
        match self {
            Self::Timeout => "PROVIDER_TIMEOUT",
            Self::RateLimited { .. } => "PROVIDER_RATE_LIMITED",
            Self::Authentication => "PROVIDER_AUTHENTICATION_FAILED",
            Self::BadRequest => "PROVIDER_BAD_REQUEST",
            Self::ServerError => "PROVIDER_SERVER_ERROR",
            Self::MalformedStream => "PROVIDER_MALFORMED_STREAM",
            Self::CircuitOpen => "PROVIDER_CIRCUIT_OPEN",
            Self::Busy => "PROVIDER_BUSY",
            Self::NotConfigured => "PROVIDER_NOT_CONFIGURED",
        }
    }

    const fn retryable(&self) -> bool {
        matches!(
            self,
            Self::Timeout
                | Self::RateLimited { .. }
                | Self::ServerError
                | Self::MalformedStream
                | Self::CircuitOpen
                | Self::Busy
        )
    }
}

/// The error of every HelloSales operation. See the module documentation for the policy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The resource does not exist, or belongs to another organization.
    #[error("{} not found", .resource.label())]
    NotFound {
        /// What was looked for.
        resource: Resource,
        /// The id that was asked for, when there was one.
        id: Option<String>,
    },
    /// The request is well-formed but its content is invalid.
    #[error("{message}")]
    Validation {
        /// A summary of what is wrong.
        message: String,
        /// Each invalid field.
        fields: Vec<FieldError>,
    },
    /// The request could not be read at all (malformed JSON, a path id that is not a UUID).
    #[error("{message}")]
    BadRequest {
        /// What could not be read.
        message: String,
    },
    /// The operation is not allowed in the resource's current state (an ended session).
    #[error("{message}")]
    InvalidState {
        /// Why the state forbids it.
        message: String,
    },
    /// Guardrails blocked the input or the output.
    #[error("blocked by guardrails: {reason}")]
    GuardBlocked {
        /// Why it was blocked.
        reason: String,
        /// The policy category that matched.
        category: Option<String>,
    },
    /// The request conflicts with existing data (a unique constraint).
    #[error("{message}")]
    Conflict {
        /// What conflicts.
        message: String,
    },
    /// A conditional request (`If-Match`) names a version that is no longer current.
    #[error("{message}")]
    PreconditionFailed {
        /// Which version was expected and what happened instead.
        message: String,
    },
    /// An `Idempotency-Key` was sent again with a different request.
    #[error("the Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// No valid credentials were presented.
    #[error("{message}")]
    Unauthorized {
        /// Why the credentials were refused (never the token itself).
        message: String,
    },
    /// The access token has expired: get a fresh one and retry.
    #[error("the access token has expired")]
    TokenExpired,
    /// The caller is authenticated but lacks the role for this operation.
    #[error("this operation requires the {required} role")]
    InsufficientPermissions {
        /// The role that is required.
        required: String,
    },
    /// The HTTP method is not supported on this route.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body or frame is larger than allowed.
    #[error("payload too large (limit {limit_bytes} bytes)")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit_bytes: u64,
    },
    /// The caller exceeded a rate limit.
    #[error("rate limit exceeded; retry after {retry_after_seconds} s")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after_seconds: u64,
    },
    /// A call to an outside provider failed.
    #[error("{provider} {operation} failed: {message}")]
    Provider {
        /// The provider (`groq`, `gemini`, `local`, …).
        provider: String,
        /// The operation (`llm`, `stt`, `tts`, `embedding`).
        operation: String,
        /// What kind of failure.
        failure: ProviderFailure,
        /// A description safe to show (no keys, no request bodies).
        message: String,
    },
    /// A stage of a pipeline failed.
    #[error("stage {stage} failed: {message}")]
    StageFailed {
        /// The stage that failed.
        stage: String,
        /// The pipeline run, for correlation with Pulse.
        pipeline_run_id: Option<String>,
        /// What failed.
        message: String,
        /// Whether running the pipeline again may succeed.
        retryable: bool,
    },
    /// The pipeline was cancelled (by a stage or by the caller). Not a failure.
    #[error("pipeline cancelled at {stage}: {reason}")]
    PipelineCancelled {
        /// The stage that cancelled, or where the run was when it was cancelled.
        stage: String,
        /// Why.
        reason: String,
        /// The pipeline run, for correlation with Pulse.
        pipeline_run_id: Option<String>,
    },
    /// The model's answer could not be read as the document asked for, even after a repair
    /// request.
    #[error("{message}")]
    GenerationInvalidOutput {
        /// What was wrong with the answer.
        message: String,
        /// The pipeline run, for correlation with Pulse.
        pipeline_run_id: Option<String>,
    },
    /// Semantic search and memory are switched off on this server (`EMBEDDING_PROVIDER=none`,
    /// or the local model could not be loaded).
    #[error("semantic search is not configured on this server")]
    EmbeddingsNotConfigured,
    /// Speech-to-text is switched off on this server (`STT_PROVIDER=none`, the default: no
    /// local speech-to-text model is built in).
    #[error("speech-to-text is not configured on this server (set STT_PROVIDER)")]
    SttNotConfigured,
    /// Text-to-speech is switched off on this server (`TTS_PROVIDER=none`).
    #[error("text-to-speech is not configured on this server (set TTS_PROVIDER)")]
    TtsNotConfigured,
    /// A recording lasts longer than a voice turn may.
    #[error("the recording lasts {duration_ms} ms; a voice turn may last {limit_ms} ms")]
    AudioTooLong {
        /// How long it lasts.
        duration_ms: u64,
        /// The limit.
        limit_ms: u64,
    },
    /// A dependency of the server (database, cache) is unavailable.
    #[error("{message}")]
    ServiceUnavailable {
        /// What is unavailable.
        message: String,
    },
    /// An unexpected failure. Its source is logged by the server and never shown to a client.
    #[error("internal error: {source}")]
    Internal {
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl AppError {
    /// A resource was not found (or belongs to another organization).
    pub fn not_found(resource: Resource, id: impl fmt::Display) -> Self {
        Self::NotFound {
            resource,
            id: Some(id.to_string()),
        }
    }

    /// A validation error on a single field.
    pub fn invalid_field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let field = FieldError::new(field, code, message);
        Self::Validation {
            message: format!("invalid field {}: {}", field.field, field.message),
            fields: vec![field],
        }
    }

    /// A validation error on several fields.
    #[must_use]
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        Self::Validation {
            message: format!("invalid request: {}", names.join(", ")),
            fields,
        }
    }

    /// A conditional request failed: the resource changed since the client read it.
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self::PreconditionFailed {
            message: message.into(),
        }
    }

    /// A request that could not be read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
        }
    }

    /// Credentials were refused.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized {
            message: message.into(),
        }
    }

    /// An unexpected failure, wrapping its cause.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal {
            source: source.into(),
        }
    }

    /// A copy of this error as a client sees it: every variant but `Internal`, whose cause
    /// cannot be copied (`None`: answer it as an internal error). Lets an error travel through
    /// a layer that shares it (a pipeline stage's error) and still reach the client typed.
    #[must_use]
    pub fn client_copy(&self) -> Option<Self> {
        Some(match self {
            Self::NotFound { resource, id } => Self::NotFound {
                resource: *resource,
                id: id.clone(),
            },
            Self::Validation { message, fields } => Self::Validation {
                message: message.clone(),
                fields: fields.clone(),
            },
            Self::BadRequest { message } => Self::BadRequest {
                message: message.clone(),
            },
            Self::InvalidState { message } => Self::InvalidState {
                message: message.clone(),
            },
            Self::GuardBlocked { reason, category } => Self::GuardBlocked {
                reason: reason.clone(),
                category: category.clone(),
            },
            Self::Conflict { message } => Self::Conflict {
                message: message.clone(),
            },
            Self::PreconditionFailed { message } => Self::PreconditionFailed {
                message: message.clone(),
            },
            Self::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            Self::Unauthorized { message } => Self::Unauthorized {
                message: message.clone(),
            },
            Self::TokenExpired => Self::TokenExpired,
            Self::InsufficientPermissions { required } => Self::InsufficientPermissions {
                required: required.clone(),
            },
            Self::MethodNotAllowed => Self::MethodNotAllowed,
            Self::PayloadTooLarge { limit_bytes } => Self::PayloadTooLarge {
                limit_bytes: *limit_bytes,
            },
            Self::RateLimited {
                retry_after_seconds,
            } => Self::RateLimited {
                retry_after_seconds: *retry_after_seconds,
            },
            Self::Provider {
                provider,
                operation,
                failure,
                message,
            } => Self::Provider {
                provider: provider.clone(),
                operation: operation.clone(),
                failure: failure.clone(),
                message: message.clone(),
            },
            Self::StageFailed {
                stage,
                pipeline_run_id,
                message,
                retryable,
            } => Self::StageFailed {
                stage: stage.clone(),
                pipeline_run_id: pipeline_run_id.clone(),
                message: message.clone(),
                retryable: *retryable,
            },
            Self::PipelineCancelled {
                stage,
                reason,
                pipeline_run_id,
            } => Self::PipelineCancelled {
                stage: stage.clone(),
                reason: reason.clone(),
                pipeline_run_id: pipeline_run_id.clone(),
            },
            Self::EmbeddingsNotConfigured => Self::EmbeddingsNotConfigured,
            Self::SttNotConfigured => Self::SttNotConfigured,
            Self::TtsNotConfigured => Self::TtsNotConfigured,
            Self::AudioTooLong {
                duration_ms,
                limit_ms,
            } => Self::AudioTooLong {
                duration_ms: *duration_ms,
                limit_ms: *limit_ms,
            },
            Self::ServiceUnavailable { message } => Self::ServiceUnavailable {
                message: message.clone(),
            },
            Self::GenerationInvalidOutput {
                message,
                pipeline_run_id,
            } => Self::GenerationInvalidOutput {
                message: message.clone(),
                pipeline_run_id: pipeline_run_id.clone(),
            },
            Self::Internal { .. } => return None,
        })
    }

    /// The stable machine code of this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { resource, .. } => resource.not_found_code(),
            Self::Validation { .. } => "VALIDATION_ERROR",
            Self::BadRequest { .. } => "BAD_REQUEST",
            Self::InvalidState { .. } => "INVALID_STATE",
            Self::GuardBlocked { .. } => "GUARD_BLOCKED",
            Self::Conflict { .. } => "CONFLICT",
            Self::PreconditionFailed { .. } => "PRECONDITION_FAILED",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::Unauthorized { .. } => "UNAUTHORIZED",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::InsufficientPermissions { .. } => "INSUFFICIENT_PERMISSIONS",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Provider { failure, .. } => failure.code(),
            Self::StageFailed { .. } => "STAGE_FAILED",
            Self::PipelineCancelled { .. } => "PIPELINE_CANCELLED",
            Self::GenerationInvalidOutput { .. } => "GENERATION_INVALID_OUTPUT",
            Self::EmbeddingsNotConfigured => "EMBEDDINGS_NOT_CONFIGURED",
            Self::SttNotConfigured => "STT_NOT_CONFIGURED",
            Self::TtsNotConfigured => "TTS_NOT_CONFIGURED",
            Self::AudioTooLong { .. } => "AUDIO_TOO_LONG",
            Self::ServiceUnavailable { .. } => "SERVICE_UNAVAILABLE",
            Self::Internal { .. } => "INTERNAL_ERROR",
        }
    }

    /// Whether the same request may succeed if sent again later.
    #[must_use]
    pub fn retryable(&self) -> bool {
        match self {
            Self::TokenExpired | Self::RateLimited { .. } | Self::ServiceUnavailable { .. } => true,
            Self::Provider { failure, .. } => failure.retryable(),
            Self::StageFailed { retryable, .. } => *retryable,
            // Another attempt samples another answer.
            Self::GenerationInvalidOutput { .. } => true,
            _ => false,
        }
    }

    /// The message shown to clients: the `Display` text, except for internal errors, whose
    /// cause is never disclosed.
    #[must_use]
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal { .. } => "an internal error occurred".to_owned(),
            other => other.to_string(),
        }
    }

    /// Structured details for the error envelope.
    #[must_use]
    pub fn details(&self) -> ErrorDetails {
        let value = match self {
            Self::NotFound { resource, id } => json!({ "resource": resource.label(), "id": id }),
            Self::Validation { fields, .. } => json!({ "fields": fields }),
            Self::GuardBlocked { reason, category } => {
                json!({ "reason": reason, "category": category })
            }
            Self::InsufficientPermissions { required } => json!({ "required_role": required }),
            Self::PayloadTooLarge { limit_bytes } => json!({ "limit_bytes": limit_bytes }),
            Self::AudioTooLong {
                duration_ms,
                limit_ms,
            } => json!({ "duration_ms": duration_ms, "limit_ms": limit_ms }),
            Self::RateLimited {
                retry_after_seconds,
            } => json!({ "retry_after_seconds": retry_after_seconds }),
            Self::Provider {
                provider,
                operation,
                failure,
                ..
            } => {
                let mut details = json!({ "provider": provider, "operation": operation });
                if let ProviderFailure::RateLimited {
                    retry_after_seconds,
                } = failure
                {
                    details["retry_after_seconds"] = json!(retry_after_seconds);
                }
                details
            }
            Self::StageFailed {
                stage,
                pipeline_run_id,
                ..
            } => json!({ "stage": stage, "pipeline_run_id": pipeline_run_id }),
            Self::PipelineCancelled {
                stage,
                pipeline_run_id,
                ..
            } => json!({ "stage": stage, "pipeline_run_id": pipeline_run_id }),
            Self::GenerationInvalidOutput {
                pipeline_run_id, ..
            } => json!({ "pipeline_run_id": pipeline_run_id }),
            _ => Value::Object(Map::new()),
        };
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// Seconds a client should wait before retrying, when the error says so.
    #[must_use]
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::RateLimited {
                retry_after_seconds,
            }
            | Self::Provider {
                failure:
                    ProviderFailure::RateLimited {
                        retry_after_seconds,
                    },
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_resource_specific() {
        assert_eq!(
            AppError::not_found(Resource::Product, "x").code(),
            "PRODUCT_NOT_FOUND"
        );
        assert_eq!(
            AppError::not_found(Resource::Session, "x").code(),
            "SESSION_NOT_FOUND"
        );
        assert_eq!(AppError::TokenExpired.code(), "TOKEN_EXPIRED");
        assert!(AppError::TokenExpired.retryable());
        let off = AppError::EmbeddingsNotConfigured;
        assert_eq!(off.code(), "EMBEDDINGS_NOT_CONFIGURED");
        assert!(!off.retryable(), "a setting, not a passing failure");
        assert_eq!(off.client_copy().map(|e| e.code()), Some(off.code()));
        assert!(!AppError::bad_request("x").retryable());
    }

    #[test]
    fn provider_failures_carry_retryability_and_retry_after() {
        let err = AppError::Provider {
            provider: "groq".into(),
            operation: "llm".into(),
            failure: ProviderFailure::RateLimited {
                retry_after_seconds: 7,
            },
            message: "429".into(),
        };
        assert_eq!(err.code(), "PROVIDER_RATE_LIMITED");
        assert!(err.retryable());
        assert_eq!(err.retry_after_seconds(), Some(7));
        assert_eq!(err.details()["retry_after_seconds"], 7);
        let auth = AppError::Provider {
            provider: "groq".into(),
            operation: "llm".into(),
            failure: ProviderFailure::Authentication,
            message: "401".into(),
        };
        assert!(!auth.retryable());
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = AppError::internal("connection refused to 10.0.0.3 with password hunter2");
        assert_eq!(err.code(), "INTERNAL_ERROR");
        assert!(!err.public_message().contains("hunter2"));
        assert!(err.details().is_empty());
    }

    #[test]
    fn validation_lists_fields() {
        let err = AppError::invalid_fields(vec![
            FieldError::new("name", "required", "name is required"),
            FieldError::new("email", "invalid_email", "not an email address"),
        ]);
        assert_eq!(err.code(), "VALIDATION_ERROR");
        assert_eq!(err.details()["fields"][1]["field"], "email");
        assert!(err.public_message().contains("name, email"));
    }
}
