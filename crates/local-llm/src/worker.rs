//! The worker threads: each owns one llama.cpp context and serves queued requests one at a
//! time, off the async runtime. A worker stops when the provider (the queue's sender) is gone.

use crate::backend::backend;
use crate::decode::{BATCH_TOKENS, DecodeFailure, Decoder, Finish, Task};
use crate::error::LoadError;
use crate::prompt::PromptFormat;
use crate::sampling::{ClosingTokens, grammar_for};
use crate::settings::LocalLlmSettings;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{ChatEvent, ChatRequest, LLM_OPERATION};
use hellosales_domain::{AppError, AppResult};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::model::LlamaModel;
use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::mpsc::Sender;

/// llama.cpp's context creation mutates the model: contexts are created one at a time.
static CONTEXT_CREATION: Mutex<()> = Mutex::new(());

/// One request waiting for a worker.
pub struct Job {
    /// What to generate.
    pub request: ChatRequest,
    /// Where the events go; closed when the caller dropped the stream.
    pub events: Sender<AppResult<ChatEvent>>,
    /// The sampler seed.
    pub seed: u32,
}

/// What every worker shares.
pub struct Shared {
    /// Set when the provider is dropped: generations stop at their next token.
    pub stopping: AtomicBool,
    /// The loaded model.
    pub model: LlamaModel,
    /// Its chat template.
    pub format: PromptFormat,
    /// The tokens that close JSON.
    pub closing: Arc<ClosingTokens>,
    /// The settings.
    pub settings: LocalLlmSettings,
}

/// Starts `settings.workers` threads on `jobs` and waits until each has its context.
///
/// # Errors
/// A context cannot be created, or a thread cannot be started.
pub fn start(shared: &Arc<Shared>, jobs: Receiver<Job>) -> Result<Vec<JoinHandle<()>>, LoadError> {
    let jobs = Arc::new(Mutex::new(jobs));
    let (ready_tx, ready_rx) = sync_channel::<Result<(), LoadError>>(0);
    let mut handles = Vec::new();
    for index in 0..shared.settings.workers {
        let shared = Arc::clone(shared);
        let jobs = Arc::clone(&jobs);
        let ready = ready_tx.clone();
        let handle = std::thread::Builder::new()
            .name(format!("local-llm-{index}"))
            .spawn(move || {
                let context = match new_context(&shared) {
                    Ok(context) => {
                        let _ = ready.send(Ok(()));
                        context
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                drop(ready);
                serve(&shared, context, &jobs);
            })
            .map_err(|error| LoadError::Context(format!("cannot start a worker: {error}")))?;
        handles.push(handle);
    }
    drop(ready_tx);
    for _ in 0..shared.settings.workers {
        ready_rx
            .recv()
            .map_err(|_| LoadError::Context("a worker stopped while starting".to_owned()))??;
    }
    Ok(handles)
}

/// A context for one worker.
fn new_context(shared: &Shared) -> Result<LlamaContext<'_>, LoadError> {
    let threads = i32::from(shared.settings.threads.max(1));
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(shared.settings.context_tokens))
        .with_n_batch(u32::try_from(BATCH_TOKENS).unwrap_or(512))
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let _creating = CONTEXT_CREATION
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    shared
        .model
        .new_context(backend()?, params)
        .map_err(|error| LoadError::Context(error.to_string()))
}

/// Serves jobs until the queue's sender is dropped.
fn serve<'m>(shared: &'m Shared, context: LlamaContext<'m>, jobs: &Mutex<Receiver<Job>>) {
    let mut decoder = Decoder {
        model: &shared.model,
        context,
        closing: Arc::clone(&shared.closing),
    };
    loop {
        let job = {
            let jobs = jobs.lock().unwrap_or_else(PoisonError::into_inner);
            jobs.recv()
        };
        let Ok(job) = job else { return };
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        if job.events.is_closed() {
            continue;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| run(shared, &mut decoder, &job)));
        if outcome.is_err() {
            tracing::error!("the local model panicked during a generation; its context is rebuilt");
            let _ = job.events.blocking_send(Err(failure(
                ProviderFailure::ServerError,
                "the local model failed during generation".to_owned(),
            )));
            match new_context(shared) {
                Ok(context) => decoder.context = context,
                Err(error) => {
                    tracing::error!(%error, "a local model worker stopped");
                    return;
                }
            }
        }
    }
}

/// Runs one job and sends its events.
fn run(shared: &Shared, decoder: &mut Decoder<'_>, job: &Job) {
    let events = &job.events;
    let grammar = match grammar_for(&job.request) {
        Ok(grammar) => grammar,
        Err(message) => {
            let _ = events.blocking_send(Err(failure(ProviderFailure::BadRequest, message)));
            return;
        }
    };
    let prompt = shared.format.render(&shared.model, &job.request.messages);
    let task = Task {
        request: &job.request,
        prompt: &prompt,
        grammar: grammar.as_deref(),
        default_max_tokens: shared.settings.default_max_tokens,
        seed: job.seed,
    };
    let mut emit = |text: String| {
        !shared.stopping.load(Ordering::Relaxed)
            && events.blocking_send(Ok(ChatEvent::Delta(text))).is_ok()
    };
    match decoder.run(&task, &mut emit) {
        Ok(Finish::Done {
            prompt_tokens,
            completion_tokens,
            reason,
        }) => {
            let _ = events.blocking_send(Ok(ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            }));
            let _ = events.blocking_send(Ok(ChatEvent::Done {
                finish_reason: Some(reason.to_owned()),
                model: Some(shared.settings.model_id.clone()),
            }));
        }
        Ok(Finish::Cancelled) => {}
        Err(DecodeFailure::BadRequest(message)) => {
            let _ = events.blocking_send(Err(failure(ProviderFailure::BadRequest, message)));
        }
        Err(DecodeFailure::Engine(message)) => {
            tracing::error!(%message, "the local model failed during a generation");
            let _ = events.blocking_send(Err(failure(ProviderFailure::ServerError, message)));
        }
    }
}

/// A provider error of the local model.
pub fn failure(failure: ProviderFailure, message: String) -> AppError {
    AppError::Provider {
        provider: crate::PROVIDER_NAME.to_owned(),
        operation: LLM_OPERATION.to_owned(),
        failure,
        message,
    }
}
