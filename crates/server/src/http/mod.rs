//! HTTP plumbing shared by every route: the error envelope, request ids, our extractors (JSON,
//! path, query, authentication) and the middleware stack.

pub mod conditional;
pub mod envelope;
pub mod event_stream;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod request_id;

pub use conditional::{IfMatch, Tagged};
pub use envelope::{ApiError, ErrorEnvelope, log_error};
pub use event_stream::UpdateStream;
pub use extract::{Authenticated, Json, Path, Query};
pub use request_id::RequestId;
