//! [`LocalLlm`]: the [`LlmProvider`] of the embedded model. Requests go into a bounded queue
//! served by the worker threads; a full queue answers `PROVIDER_BUSY` at once.
//!
//! The model is loaded on first use (or by [`LocalLlm::ready`], which a server calls at start-up
//! in the background) off the async threads; [`LocalLlm::new`] only checks that the file is
//! there, so a server that never generates never pays for the model.

use crate::backend::backend;
use crate::error::LoadError;
use crate::prompt::PromptFormat;
use crate::sampling::ClosingTokens;
use crate::settings::LocalLlmSettings;
use crate::worker::{self, Job, Shared, failure};
use async_trait::async_trait;
use hellosales_domain::AppResult;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{ChatRequest, ChatStream, LlmProvider};
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::OnceCell;
use tokio_stream::wrappers::ReceiverStream;

/// Events buffered between a worker and a slow reader of the stream.
const STREAM_BUFFER: usize = 64;

/// Whether a request found a place in the queue.
enum Queued {
    Yes,
    Full,
    Closed,
}

/// The embedded model, loaded once and shared by every request.
#[derive(Clone)]
pub struct LocalLlm {
    settings: Arc<LocalLlmSettings>,
    engine: Arc<OnceCell<Engine>>,
}

/// The loaded model and its queue.
struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` once dropping: the workers see the queue closed.
    jobs: Mutex<Option<SyncSender<Job>>>,
    shared: Arc<Shared>,
    next_seed: AtomicU32,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Inner {
    /// Stops the workers and waits for them: a generation stops at its next token, so that no
    /// thread is still inside llama.cpp when the model is freed or the process exits.
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        drop(
            self.jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let workers =
            std::mem::take(&mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner));
        for worker in workers {
            if worker.join().is_err() {
                tracing::error!("a local model worker panicked while stopping");
            }
        }
    }
}

impl fmt::Debug for LocalLlm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalLlm")
            .field("model", &self.settings.model_id)
            .field("path", &self.settings.model_path)
            .field("workers", &self.settings.workers)
            .field("loaded", &self.engine.initialized())
            .finish_non_exhaustive()
    }
}

impl LocalLlm {
    /// A provider for the model of `settings`, loaded on first use.
    ///
    /// # Errors
    /// The file is missing or the settings are unusable.
    pub fn new(settings: LocalLlmSettings) -> Result<Self, LoadError> {
        if settings.workers == 0 || settings.context_tokens < 64 {
            return Err(LoadError::Settings(
                "at least one worker and 64 tokens of context are needed".to_owned(),
            ));
        }
        if !settings.model_path.is_file() {
            return Err(LoadError::Missing(settings.model_path));
        }
        Ok(Self {
            settings: Arc::new(settings),
            engine: Arc::new(OnceCell::new()),
        })
    }

    /// Loads the model now and starts its workers. Blocking: call it off the async threads.
    ///
    /// # Errors
    /// The file is missing or is not a model llama.cpp can run, or the settings are unusable.
    pub fn load(settings: LocalLlmSettings) -> Result<Self, LoadError> {
        let llm = Self::new(settings)?;
        let engine = Engine::load((*llm.settings).clone())?;
        let _ = llm.engine.set(engine);
        Ok(llm)
    }

    /// Loads the model unless it is loaded; concurrent callers wait for the same load.
    ///
    /// # Errors
    /// `PROVIDER_NOT_CONFIGURED` when the file cannot be loaded (the next call tries again).
    pub async fn ready(&self) -> AppResult<()> {
        self.engine().await.map(|_| ())
    }

    /// The model id recorded in provider calls.
    #[must_use]
    pub fn model_id(&self) -> &str {
        &self.settings.model_id
    }

    /// The settings it runs with.
    #[must_use]
    pub fn settings(&self) -> &LocalLlmSettings {
        &self.settings
    }

    async fn engine(&self) -> AppResult<&Engine> {
        self.engine
            .get_or_try_init(|| async {
                let settings = (*self.settings).clone();
                tokio::task::spawn_blocking(move || Engine::load(settings))
                    .await
                    .map_err(|error| {
                        failure(
                            ProviderFailure::ServerError,
                            format!("loading the local model stopped: {error}"),
                        )
                    })?
                    .map_err(|error| {
                        tracing::error!(%error, "the local model cannot be loaded");
                        failure(ProviderFailure::NotConfigured, error.to_string())
                    })
            })
            .await
    }
}

impl Engine {
    fn load(settings: LocalLlmSettings) -> Result<Self, LoadError> {
        let model = LlamaModel::load_from_file(
            backend()?,
            &settings.model_path,
            &LlamaModelParams::default(),
        )
        .map_err(|error| LoadError::Model {
            path: settings.model_path.clone(),
            message: error.to_string(),
        })?;
        let closing = Arc::new(ClosingTokens::of(&model));
        let format = PromptFormat::of(&model);
        let seed = settings.seed;
        let (jobs, queue) = sync_channel(usize::from(settings.queue_depth));
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            model,
            format,
            closing,
            settings,
        });
        let workers = worker::start(&shared, queue)?;
        tracing::info!(
            model = %shared.settings.model_id,
            path = %shared.settings.model_path.display(),
            workers = shared.settings.workers,
            threads = shared.settings.threads,
            context_tokens = shared.settings.context_tokens,
            "local model loaded"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                jobs: Mutex::new(Some(jobs)),
                shared,
                next_seed: AtomicU32::new(seed),
                workers: Mutex::new(workers),
            }),
        })
    }

    fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream> {
        let (events, stream) = tokio::sync::mpsc::channel(STREAM_BUFFER);
        let job = Job {
            request,
            events,
            seed: self.inner.next_seed.fetch_add(1, Ordering::Relaxed),
        };
        let sent = self
            .inner
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(Queued::Closed, |jobs| match jobs.try_send(job) {
                Ok(()) => Queued::Yes,
                Err(TrySendError::Full(_)) => Queued::Full,
                Err(TrySendError::Disconnected(_)) => Queued::Closed,
            });
        match sent {
            Queued::Yes => Ok(Box::pin(ReceiverStream::new(stream))),
            Queued::Full => Err(failure(
                ProviderFailure::Busy,
                format!(
                    "the local model is busy: {} generation(s) running and {} waiting \
                     (LOCAL_MODEL_CONCURRENCY, LOCAL_MODEL_QUEUE)",
                    self.inner.shared.settings.workers, self.inner.shared.settings.queue_depth
                ),
            )),
            Queued::Closed => Err(failure(
                ProviderFailure::ServerError,
                "the local model's workers have stopped".to_owned(),
            )),
        }
    }
}

#[async_trait]
impl LlmProvider for LocalLlm {
    fn name(&self) -> &str {
        crate::PROVIDER_NAME
    }

    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream> {
        self.engine().await?.chat_stream(request)
    }
}
