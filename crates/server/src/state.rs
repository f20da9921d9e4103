//! The shared application state: one `Clone` struct (an `Arc` inside) holding the
//! configuration and the wired services. The server is the composition root: this is the only
//! place where concrete store and provider types meet the application's ports.

use crate::ai::AiServices;
use crate::auth::{AuthKit, TokenVerifier};
use crate::config::Config;
use crate::rate_limit::RateLimits;
use crate::ws::Sockets;
use hellosales_app::chat::ChatService;
use hellosales_app::dead_letters::{DeadLetterReplayer, DeadLetterService, DeadLetterWorker};
use hellosales_app::generation::GenerationService;
use hellosales_app::voice::VoiceService;
use hellosales_app::{
    CompanyProfileService, EditableService, IdentityService, PulseService, SessionService,
    VersionedService,
};
use hellosales_domain::content::{Client, Product, SalesEmail, SalesScript};
use hellosales_domain::ports::DeadLetterStore;
use hellosales_domain::{AppResult, OrgContext};
use hellosales_store::Store;
use std::fmt;
use std::sync::Arc;

/// Everything a handler may need.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    identities: IdentityService,
    content: ContentServices,
    sessions: SessionService,
    pulse: PulseService,
    dead_letters: DeadLetterService,
    dead_letter_worker: DeadLetterWorker,
    ai: AiServices,
    verifier: TokenVerifier,
    authkit: Option<AuthKit>,
    redis: Option<redis::Client>,
    sockets: Sockets,
    rate_limits: RateLimits,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Assembles the state from its parts.
    #[must_use]
    pub fn new(
        config: Config,
        store: Store,
        ai: AiServices,
        verifier: TokenVerifier,
        authkit: Option<AuthKit>,
        redis: Option<redis::Client>,
    ) -> Self {
        let identities = IdentityService::new(Arc::new(store.identities()));
        let content = ContentServices::new(&store);
        let sessions = SessionService::new(Arc::new(store.sessions()));
        let pulse = PulseService::new(Arc::new(store.pulse()));
        let rate_limits = RateLimits::from_config(&config, redis.as_ref());
        let queue: Arc<dyn DeadLetterStore> = Arc::new(store.dead_letters());
        let replayer = DeadLetterReplayer::new(
            queue.clone(),
            Arc::new(store.identities()),
            ai.chat().clone(),
            ai.generation().clone(),
            config.dead_letter_config(),
        );
        let worker_config = config.dead_letter_worker_config();
        let dead_letters = DeadLetterService::new(queue.clone(), replayer.clone(), &worker_config);
        let dead_letter_worker = DeadLetterWorker::new(queue, replayer, worker_config);
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                identities,
                content,
                sessions,
                pulse,
                dead_letters,
                dead_letter_worker,
                ai,
                verifier,
                authkit,
                redis,
                sockets: Sockets::default(),
                rate_limits,
            }),
        }
    }

    /// AuthKit sign-in, when WorkOS is configured with an API key.
    #[must_use]
    pub fn authkit(&self) -> Option<&AuthKit> {
        self.inner.authkit.as_ref()
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The database.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The identity service.
    #[must_use]
    pub fn identities(&self) -> &IdentityService {
        &self.inner.identities
    }

    /// The sales-content services.
    #[must_use]
    pub fn content(&self) -> &ContentServices {
        &self.inner.content
    }

    /// The caller's sessions.
    #[must_use]
    pub fn sessions(&self) -> &SessionService {
        &self.inner.sessions
    }

    /// Pulse: runs, events and provider calls, for admins.
    #[must_use]
    pub fn pulse(&self) -> &PulseService {
        &self.inner.pulse
    }

    /// The dead-letter queue, for admins.
    #[must_use]
    pub fn dead_letters(&self) -> &DeadLetterService {
        &self.inner.dead_letters
    }

    /// The dead-letter replay worker (started by the server when `DLQ_WORKER_ENABLED`).
    #[must_use]
    pub fn dead_letter_worker(&self) -> &DeadLetterWorker {
        &self.inner.dead_letter_worker
    }

    /// The chat assistant.
    #[must_use]
    pub fn chat(&self) -> &ChatService {
        self.inner.ai.chat()
    }

    /// Voice turns; `None` when `STT_PROVIDER=none` (`voice.start` answers
    /// `STT_NOT_CONFIGURED`).
    #[must_use]
    pub fn voice(&self) -> Option<&VoiceService> {
        self.inner.ai.voice()
    }

    /// Script and email generation.
    #[must_use]
    pub fn generation(&self) -> &GenerationService {
        self.inner.ai.generation()
    }

    /// Semantic search, chat memory and the indexer; `None` when embeddings are off.
    #[must_use]
    pub fn semantic(&self) -> Option<&hellosales_app::semantic::Semantic> {
        self.inner.ai.semantic()
    }

    /// The LLM routes, the run logger, the event sink and the pipeline settings.
    #[must_use]
    pub fn ai(&self) -> &AiServices {
        &self.inner.ai
    }

    /// The open WebSocket connections.
    #[must_use]
    pub fn sockets(&self) -> &Sockets {
        &self.inner.sockets
    }

    /// The Redis client, when `REDIS_URL` is configured.
    #[must_use]
    pub fn redis(&self) -> Option<&redis::Client> {
        self.inner.redis.as_ref()
    }

    /// The per-user rate limits.
    #[must_use]
    pub fn rate_limits(&self) -> &RateLimits {
        &self.inner.rate_limits
    }

    /// Verifies a bearer token and resolves the caller.
    ///
    /// # Errors
    /// `UNAUTHORIZED` / `TOKEN_EXPIRED` for bad tokens; storage errors while resolving.
    pub async fn authenticate(&self, token: &str, request_id: String) -> AppResult<OrgContext> {
        let identity = self.inner.verifier.verify(token).await?;
        let resolved = self.inner.identities.resolve(&identity).await?;
        Ok(OrgContext {
            user_id: resolved.user_id,
            org_id: resolved.org_id,
            role: resolved.role,
            request_id,
        })
    }
}

/// The services of the sales content: company profile, products, clients, scripts, emails.
#[derive(Clone, Debug)]
pub struct ContentServices {
    /// The company profile.
    pub company_profile: CompanyProfileService,
    /// Products.
    pub products: EditableService<Product>,
    /// Clients.
    pub clients: EditableService<Client>,
    /// Sales scripts.
    pub scripts: VersionedService<SalesScript>,
    /// Sales emails.
    pub emails: VersionedService<SalesEmail>,
}

impl ContentServices {
    fn new(store: &Store) -> Self {
        let products = Arc::new(store.products());
        let clients = Arc::new(store.clients());
        Self {
            company_profile: CompanyProfileService::new(Arc::new(store.company_profiles())),
            products: EditableService::new(products.clone()),
            clients: EditableService::new(clients.clone()),
            scripts: VersionedService::new(
                Arc::new(store.scripts()),
                products.clone(),
                clients.clone(),
            ),
            emails: VersionedService::new(Arc::new(store.emails()), products, clients),
        }
    }
}
