//! [`RunOptions`]: what the caller hands to one run besides the snapshot (event sink,
//! cancellation token, config values, stream channel, timeouts, wide event switches).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::events::EventSink;
use crate::output::StageData;
use crate::streaming::{DEFAULT_STREAM_STALL_TIMEOUT, StreamItem};
use crate::wide::WideEvents;

/// How long a stopping run waits for its running stages by default.
pub const DEFAULT_CANCEL_GRACE: Duration = Duration::from_secs(5);

/// The options of one run. `RunOptions::new()` discards events (a
/// [`NoOpEventSink`](crate::events::NoOpEventSink)), has no stream, no config and no external
/// cancellation.
///
/// ```
/// use std::sync::Arc;
/// use stageflow::{RunOptions, stream_channel};
/// use stageflow::events::InMemoryEventSink;
/// use tokio_util::sync::CancellationToken;
///
/// let (tokens, _receiver) = stream_channel(64);
/// let options = RunOptions::new()
///     .sink(Arc::new(InMemoryEventSink::new()))
///     .cancellation(CancellationToken::new())
///     .config_value("model", "llama-3.1-8b-instant")
///     .stream(tokens);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub(crate) sink: Option<Arc<dyn EventSink>>,
    pub(crate) cancellation: Option<CancellationToken>,
    pub(crate) config: Option<Arc<StageData>>,
    pub(crate) stream: Option<mpsc::Sender<StreamItem>>,
    pub(crate) stream_stall_timeout: Duration,
    pub(crate) cancel_grace: Duration,
    pub(crate) wide_events: Option<WideEvents>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl RunOptions {
    /// The defaults.
    #[must_use]
    pub fn new() -> Self {
        Self {
            sink: None,
            cancellation: None,
            config: None,
            stream: None,
            stream_stall_timeout: DEFAULT_STREAM_STALL_TIMEOUT,
            cancel_grace: DEFAULT_CANCEL_GRACE,
            wide_events: None,
        }
    }

    /// Sends the run's events to `sink`.
    #[must_use]
    pub fn sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Lets the caller cancel the run: cancelling `token` stops it like a stage returning
    /// `Cancel` would (the run uses a child of it, so the run never cancels `token`).
    #[must_use]
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.cancellation = Some(token);
        self
    }

    /// Replaces the config values stages read with
    /// [`StageContext::config`](crate::StageContext::config). Share one `Arc` across runs to
    /// avoid copies.
    #[must_use]
    pub fn config(mut self, config: impl Into<Arc<StageData>>) -> Self {
        self.config = Some(config.into());
        self
    }

    /// Adds one config value.
    #[must_use]
    pub fn config_value(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        let config = self.config.get_or_insert_with(Default::default);
        Arc::make_mut(config).insert(key.into(), value.into());
        self
    }

    /// Receives the stages' incremental output on `tx` (see [`crate::streaming`]).
    #[must_use]
    pub fn stream(mut self, tx: mpsc::Sender<StreamItem>) -> Self {
        self.stream = Some(tx);
        self
    }

    /// How long [`StageContext::stream`](crate::StageContext::stream) waits for room before
    /// failing with [`StreamError::Stalled`](crate::StreamError::Stalled) (10 s by default).
    #[must_use]
    pub fn stream_stall_timeout(mut self, timeout: Duration) -> Self {
        self.stream_stall_timeout = timeout;
        self
    }

    /// How long a stopping run waits for its running stages to notice the cancellation before
    /// dropping them (5 s by default).
    #[must_use]
    pub fn cancel_grace(mut self, grace: Duration) -> Self {
        self.cancel_grace = grace;
        self
    }

    /// Overrides the pipeline's choice of wide events for this run.
    #[must_use]
    pub fn wide_events(mut self, wide_events: WideEvents) -> Self {
        self.wide_events = Some(wide_events);
        self
    }
}
