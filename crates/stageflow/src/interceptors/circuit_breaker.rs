//! [`CircuitBreakerInterceptor`] and its shared state, [`CircuitBreakers`].
//!
//! A breaker per key (the stage name, or a key the application derives from the context, such
//! as `provider:model`):
//!
//! * **closed**: calls go through; when `failure_threshold` failures happen within `window`, it
//!   opens and emits `circuit.opened`;
//! * **open**: calls fail fast with a typed [`CircuitOpen`] error (code `CIRCUIT_OPEN`), without
//!   running the stage, for `open_duration`;
//! * **half-open**: after that, one probe call goes through (others still fail fast); if it
//!   succeeds the breaker closes and emits `circuit.closed`, otherwise it opens again.
//!
//! The state lives in a [`CircuitBreakers`] registry behind an `Arc`, shared across runs and
//! pipelines. Code that guards its own calls (an LLM router keyed by provider and model) uses
//! the registry directly: [`CircuitBreakers::try_acquire`], then [`CircuitPermit::record`].
//! Every state change sets the gauge [`CIRCUIT_BREAKER_STATE`] of its key. Tokio time is used,
//! so tests can pause the clock.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::{Around, Interceptor, Next};
use crate::context::StageContext;
use crate::error::{CircuitOpen, StageError, StageErrorKind};
use crate::events::names;
use crate::fnv::FnvBuildHasher;
use crate::output::StageOutput;

/// The gauge of each breaker's state, labelled `key`: 0 closed, 1 open, 2 half-open.
pub const CIRCUIT_BREAKER_STATE: &str = "circuit_breaker_state";

/// Thresholds of the circuit breakers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitBreakerConfig {
    /// Failures within `window` that open the circuit (`CIRCUIT_BREAKER_FAILURE_THRESHOLD`). At
    /// least 1.
    pub failure_threshold: u32,
    /// The sliding window in which failures are counted.
    pub window: Duration,
    /// How long an open circuit rejects calls before letting a probe through
    /// (`CIRCUIT_BREAKER_OPEN_SECONDS`).
    pub open_duration: Duration,
}

impl Default for CircuitBreakerConfig {
    /// 3 failures within 60 s open the circuit for 60 s.
    fn default() -> Self {
        Self {
            failure_threshold: 3,
            window: Duration::from_secs(60),
            open_duration: Duration::from_secs(60),
        }
    }
}

/// The state of one breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls fail fast.
    Open,
    /// The next call is a probe (or a probe is in flight).
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed,
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
struct BreakerState {
    state: State,
    failures: VecDeque<Instant>,
}

/// One breaker. `closed` mirrors `state == Closed`, so that the common path (a call through a
/// closed breaker, and its success) takes no lock.
#[derive(Debug)]
struct Breaker {
    key: Arc<str>,
    closed: AtomicBool,
    inner: Mutex<BreakerState>,
}

impl Breaker {
    fn lock(&self) -> MutexGuard<'_, BreakerState> {
        // Every update leaves a breaker consistent, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, guard: &mut BreakerState, state: State) {
        self.closed
            .store(matches!(state, State::Closed), Ordering::Release);
        let gauge = match state {
            State::Closed => 0.0,
            State::Open { .. } => 1.0,
            State::HalfOpen { .. } => 2.0,
        };
        metrics::gauge!(CIRCUIT_BREAKER_STATE, "key" => self.key.to_string()).set(gauge);
        guard.state = state;
    }
}

/// A permission to call, from [`CircuitBreakers::acquire`].
#[derive(Debug, Clone, Copy)]
struct Permit {
    probe: bool,
}

/// A state change of a breaker, worth an event (`circuit.opened`, `circuit.closed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitTransition {
    /// The breaker opened: `failures` failures within the window (1 for a failed probe).
    Opened {
        /// The failures that opened it.
        failures: usize,
    },
    /// A probe succeeded: the breaker closed.
    Closed,
}

/// Permission to make one call through a breaker, from [`CircuitBreakers::try_acquire`].
///
/// Report the call's outcome with [`record`](Self::record). A permit dropped without a report
/// (the call was cancelled, or its outcome says nothing about the callee, such as a request
/// the callee rightly refused) counts nothing; a probe permit is then given back, so that the
/// breaker does not stay half-open waiting for a probe that will never report.
pub struct CircuitPermit<'a> {
    breakers: &'a CircuitBreakers,
    breaker: Arc<Breaker>,
    permit: Permit,
    reported: bool,
}

impl fmt::Debug for CircuitPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitPermit")
            .field("key", &self.breaker.key)
            .field("probe", &self.permit.probe)
            .finish_non_exhaustive()
    }
}

impl CircuitPermit<'_> {
    /// Whether this call is the probe of a half-open breaker.
    #[must_use]
    pub fn is_probe(&self) -> bool {
        self.permit.probe
    }

    /// Reports the call's outcome; answers the state change it caused, if any.
    pub fn record(mut self, success: bool) -> Option<CircuitTransition> {
        self.reported = true;
        self.breakers.record(&self.breaker, self.permit, success)
    }
}

impl Drop for CircuitPermit<'_> {
    fn drop(&mut self) {
        if !self.reported && self.permit.probe {
            CircuitBreakers::release_probe(&self.breaker);
        }
    }
}

/// The breakers of every key, shared across runs and pipelines.
#[derive(Debug)]
pub struct CircuitBreakers {
    config: CircuitBreakerConfig,
    breakers: RwLock<HashMap<Arc<str>, Arc<Breaker>, FnvBuildHasher>>,
}

impl CircuitBreakers {
    /// An empty registry: every breaker starts closed.
    #[must_use]
    pub fn new(config: CircuitBreakerConfig) -> Self {
        Self {
            config,
            breakers: RwLock::new(HashMap::default()),
        }
    }

    /// The thresholds.
    #[must_use]
    pub fn config(&self) -> &CircuitBreakerConfig {
        &self.config
    }

    /// The state of the breaker of `key` (`Closed` when it never saw a call). An open breaker
    /// whose open time is over reports `HalfOpen`.
    #[must_use]
    pub fn state(&self, key: &str) -> CircuitState {
        let known = self
            .breakers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .map(Arc::clone);
        let Some(breaker) = known else {
            return CircuitState::Closed;
        };
        let guard = breaker.lock();
        match guard.state {
            State::Closed => CircuitState::Closed,
            State::Open { until } if Instant::now() < until => CircuitState::Open,
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// Asks to make one call through the breaker of `key` (created closed on first use).
    ///
    /// # Errors
    /// [`CircuitOpen`] while the breaker is open, or half-open with its probe in flight.
    pub fn try_acquire(&self, key: &str) -> Result<CircuitPermit<'_>, CircuitOpen> {
        let breaker = self.breaker(key);
        let permit = Self::acquire(key, &breaker)?;
        Ok(CircuitPermit {
            breakers: self,
            breaker,
            permit,
            reported: false,
        })
    }

    /// The breaker of `key`, created closed on first use.
    fn breaker(&self, key: &str) -> Arc<Breaker> {
        // Every update leaves the map consistent, so a poisoned lock is still usable.
        let known = self
            .breakers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .map(Arc::clone);
        known.unwrap_or_else(|| {
            let mut breakers = self
                .breakers
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let breaker = breakers.entry(Arc::from(key)).or_insert_with(|| {
                Arc::new(Breaker {
                    key: Arc::from(key),
                    closed: AtomicBool::new(true),
                    inner: Mutex::new(BreakerState {
                        state: State::Closed,
                        failures: VecDeque::new(),
                    }),
                })
            });
            Arc::clone(breaker)
        })
    }

    fn acquire(key: &str, breaker: &Breaker) -> Result<Permit, CircuitOpen> {
        if breaker.closed.load(Ordering::Acquire) {
            return Ok(Permit { probe: false });
        }
        let mut guard = breaker.lock();
        match guard.state {
            State::Closed => Ok(Permit { probe: false }),
            State::Open { until } => {
                let now = Instant::now();
                if now < until {
                    return Err(CircuitOpen {
                        key: key.to_owned(),
                        retry_after: until - now,
                    });
                }
                breaker.set(&mut guard, State::HalfOpen { probing: true });
                Ok(Permit { probe: true })
            }
            State::HalfOpen { probing: false } => {
                breaker.set(&mut guard, State::HalfOpen { probing: true });
                Ok(Permit { probe: true })
            }
            State::HalfOpen { probing: true } => Err(CircuitOpen {
                key: key.to_owned(),
                retry_after: Duration::ZERO,
            }),
        }
    }

    fn record(
        &self,
        breaker: &Breaker,
        permit: Permit,
        success: bool,
    ) -> Option<CircuitTransition> {
        if success && !permit.probe {
            // A success through a closed breaker (or one admitted before it opened) changes
            // nothing: failures are counted within the window, successes do not reset them.
            return None;
        }
        let config = self.config;
        let mut guard = breaker.lock();
        if permit.probe {
            guard.failures.clear();
            return if success {
                breaker.set(&mut guard, State::Closed);
                Some(CircuitTransition::Closed)
            } else {
                let until = Instant::now() + config.open_duration;
                breaker.set(&mut guard, State::Open { until });
                Some(CircuitTransition::Opened { failures: 1 })
            };
        }
        if !matches!(guard.state, State::Closed) {
            // A call admitted before the circuit opened: its failure changes nothing.
            return None;
        }
        let now = Instant::now();
        guard.failures.push_back(now);
        while guard
            .failures
            .front()
            .is_some_and(|&at| now.duration_since(at) >= config.window)
        {
            guard.failures.pop_front();
        }
        let failures = guard.failures.len();
        if failures >= config.failure_threshold.max(1) as usize {
            guard.failures.clear();
            let until = now + config.open_duration;
            breaker.set(&mut guard, State::Open { until });
            Some(CircuitTransition::Opened { failures })
        } else {
            None
        }
    }

    /// Gives back a probe permit whose call was dropped before it finished.
    fn release_probe(breaker: &Breaker) {
        let mut guard = breaker.lock();
        if let State::HalfOpen { probing: true } = guard.state {
            breaker.set(&mut guard, State::HalfOpen { probing: false });
        }
    }
}

/// Derives the breaker key of a stage call; `None` exempts the call from circuit breaking.
pub type BreakerKeyFn = Arc<dyn Fn(&StageContext) -> Option<String> + Send + Sync>;

/// Fails fast while the circuit of a stage (or of an application-supplied key) is open.
///
/// Failures counted: every failed attempt (timeouts and panics included) except a rejection by
/// the breaker itself and an attempt that failed while its run was being cancelled (a sibling
/// failed or cancelled, or the caller cancelled): a stage that gives up because the run stops
/// says nothing about its provider. A `Cancel` or `Skip` counts as a success.
#[derive(Clone)]
pub struct CircuitBreakerInterceptor {
    breakers: Arc<CircuitBreakers>,
    key: Option<BreakerKeyFn>,
}

impl fmt::Debug for CircuitBreakerInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerInterceptor")
            .field("breakers", &self.breakers)
            .field("custom_key", &self.key.is_some())
            .finish()
    }
}

impl CircuitBreakerInterceptor {
    /// Its priority: inside the retry interceptor, so each attempt counts and an open circuit
    /// stops the retries.
    pub const PRIORITY: i32 = 50;

    /// A breaker per stage name, with state kept in `breakers`.
    #[must_use]
    pub fn new(breakers: Arc<CircuitBreakers>) -> Self {
        Self {
            breakers,
            key: None,
        }
    }

    /// Keys breakers with `key` instead of the stage name, for example by provider and model:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use stageflow::interceptors::{CircuitBreakerConfig, CircuitBreakerInterceptor, CircuitBreakers};
    ///
    /// let breakers = Arc::new(CircuitBreakers::new(CircuitBreakerConfig::default()));
    /// let interceptor = CircuitBreakerInterceptor::new(breakers).with_key(|ctx| {
    ///     let model = ctx.config_value::<&str>("model").ok().flatten()?;
    ///     Some(format!("{}:{model}", ctx.stage_name()))
    /// });
    /// # let _ = interceptor;
    /// ```
    #[must_use]
    pub fn with_key(
        mut self,
        key: impl Fn(&StageContext) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.key = Some(Arc::new(key));
        self
    }

    /// The shared state.
    #[must_use]
    pub fn breakers(&self) -> &Arc<CircuitBreakers> {
        &self.breakers
    }

    fn key<'a>(&self, ctx: &'a StageContext) -> Option<Cow<'a, str>> {
        match &self.key {
            None => Some(Cow::Borrowed(ctx.stage_name())),
            Some(key) => key(ctx).map(Cow::Owned),
        }
    }
}

impl Interceptor for CircuitBreakerInterceptor {
    fn name(&self) -> &str {
        "circuit_breaker"
    }

    fn priority(&self) -> i32 {
        Self::PRIORITY
    }

    fn around<'a>(&'a self, ctx: &'a StageContext, next: Next<'a>) -> Around<'a> {
        if !ctx.circuit_breaker_enabled() {
            return Around::Continue(next);
        }
        let Some(key) = self.key(ctx) else {
            return Around::Continue(next);
        };
        Around::Wrap(Box::pin(async move {
            let permit = match self.breakers.try_acquire(&key) {
                Ok(permit) => permit,
                Err(open) => return StageOutput::fail(StageError::circuit_open(open)),
            };
            let output = next.run().await;
            if output.status.is_failure() && ctx.run_is_stopping() {
                // The attempt ended because the run is stopping (a sibling failed or cancelled,
                // or the caller cancelled): it says nothing about the provider, so it is not
                // counted, and a probe gives its permit back (dropping `permit`).
                return output;
            }
            let rejected = output
                .failure()
                .is_some_and(|error| matches!(error.kind(), StageErrorKind::CircuitOpen(_)));
            if !rejected && let Some(transition) = permit.record(!output.status.is_failure()) {
                emit(ctx, &key, transition, self.breakers.config());
            }
            output
        }))
    }
}

fn emit(
    ctx: &StageContext,
    key: &str,
    transition: CircuitTransition,
    config: &CircuitBreakerConfig,
) {
    match transition {
        CircuitTransition::Opened { failures } => ctx.emit_event(
            names::CIRCUIT_OPENED,
            json!({
                "key": key,
                "failures": failures,
                "open_ms": u64::try_from(config.open_duration.as_millis()).unwrap_or(u64::MAX),
            }),
        ),
        CircuitTransition::Closed => ctx.emit_event(names::CIRCUIT_CLOSED, json!({ "key": key })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breakers() -> CircuitBreakers {
        CircuitBreakers::new(CircuitBreakerConfig {
            failure_threshold: 2,
            window: Duration::from_secs(10),
            open_duration: Duration::from_secs(30),
        })
    }

    const CALL: Permit = Permit { probe: false };

    #[tokio::test(start_paused = true)]
    async fn failures_outside_the_window_do_not_count() {
        let breakers = breakers();
        let breaker = breakers.breaker("k");
        assert!(CircuitBreakers::acquire("k", &breaker).is_ok_and(|p| !p.probe));
        assert_eq!(breakers.record(&breaker, CALL, false), None);
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(breakers.record(&breaker, CALL, false), None);
        assert_eq!(breakers.state("k"), CircuitState::Closed);
        assert_eq!(
            breakers.record(&breaker, CALL, false),
            Some(CircuitTransition::Opened { failures: 2 })
        );
        assert_eq!(breakers.state("k"), CircuitState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_gives_its_permit_back() {
        let breakers = breakers();
        let breaker = breakers.breaker("k");
        breakers.record(&breaker, CALL, false);
        breakers.record(&breaker, CALL, false);
        assert!(CircuitBreakers::acquire("k", &breaker).is_err());
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(CircuitBreakers::acquire("k", &breaker).is_ok_and(|p| p.probe));
        let rejected = CircuitBreakers::acquire("k", &breaker);
        assert!(rejected.is_err_and(|open| open.retry_after == Duration::ZERO));
        CircuitBreakers::release_probe(&breaker);
        assert!(CircuitBreakers::acquire("k", &breaker).is_ok_and(|p| p.probe));
    }
}
