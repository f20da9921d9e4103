//! The Redis backend: buckets every instance shares (`REDIS_URL`).
//!
//! One check is one round trip: a Lua script (EVALSHA, loaded on first use) reads the bucket's
//! TAT, applies the GCRA step of [`super::budget::gcra`] on Redis' own clock (`TIME`, so
//! instances need no synchronized clocks), writes the new TAT with a TTL of the time until
//! the bucket is full again (plus a second), and answers `{allowed, ahead, retry}` in
//! microseconds. Keys are `RATE_LIMIT_REDIS_PREFIX` + `budget:org_id:user_id`.
//!
//! Errors and timeouts ([`CHECK_TIMEOUT`]) are returned, never hidden: the caller
//! ([`super::RateLimits`]) decides what an unreachable Redis means.

use super::budget::{BucketKey, Decision, Quota};
use super::{BackendError, RateLimiter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The longest a check may wait for Redis before the request goes on without it.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(250);

/// The GCRA step (see the module documentation). `ARGV`: the period and the emission interval,
/// in microseconds.
const SCRIPT: &str = r"
local period = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or 0
local base = math.max(tat, now)
local next_tat = base + interval
local ahead = next_tat - now
if ahead > period then
  return {0, base - now, ahead - period}
end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil(ahead / 1000) + 1000)
return {1, ahead, 0}
";

/// Buckets in Redis. The connection is made on first use and remade after failures.
pub struct RedisLimiter {
    client: redis::Client,
    prefix: String,
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client holds the URL, which may hold a password: never shown.
        f.debug_struct("RedisLimiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// Buckets under `prefix` on `client`'s server. Does not connect.
    #[must_use]
    pub fn new(client: redis::Client, prefix: impl Into<String>) -> Self {
        Self {
            client,
            prefix: prefix.into(),
            connection: OnceCell::new(),
            script: redis::Script::new(SCRIPT),
        }
    }

    /// The Redis key of a bucket.
    #[must_use]
    pub fn key(&self, key: &BucketKey) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn connection(&self) -> Result<ConnectionManager, BackendError> {
        self.connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CHECK_TIMEOUT))
                    .set_response_timeout(Some(CHECK_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_min_delay(Duration::from_millis(10))
                    .set_max_delay(Duration::from_millis(100));
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
            .map_err(|e| BackendError::redis(&e))
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisLimiter {
    async fn check(&self, key: &BucketKey, quota: Quota) -> Result<Decision, BackendError> {
        let mut connection = self.connection().await?;
        let mut invocation = self.script.key(self.key(key));
        invocation
            .arg(quota.period_micros())
            .arg(quota.interval_micros());
        let reply: Vec<i64> =
            tokio::time::timeout(CHECK_TIMEOUT, invocation.invoke_async(&mut connection))
                .await
                .map_err(|_| BackendError::new("redis: timed out"))?
                .map_err(|e| BackendError::redis(&e))?;
        let [allowed, ahead, retry] = reply[..] else {
            return Err(BackendError::new(format!(
                "redis: the rate-limit script answered {} values, not 3",
                reply.len()
            )));
        };
        let micros = |value: i64| u64::try_from(value).unwrap_or(0);
        Ok(Decision::from_ahead(
            quota,
            allowed == 1,
            micros(ahead),
            micros(retry),
        ))
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}
