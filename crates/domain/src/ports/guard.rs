//! The guardrails port: checks a user's input before it reaches the model and the model's
//! output before it reaches the user (specification §4.3, `InputGuardStage` and
//! `OutputGuardStage`).
//!
//! A check answers a [`GuardVerdict`]: allowed as is, allowed with parts redacted (the verdict
//! carries the redacted text), or blocked with a reason and a [`GuardCategory`]. What an
//! organization adds to the rules (its blocked terms, from `organizations.settings`) comes in
//! the [`GuardPolicy`].

use crate::error::AppResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The key of `organizations.settings` that holds the organization's guardrail settings:
/// `{"guardrails": {"blocked_terms": ["…"]}}`.
pub const GUARDRAILS_SETTINGS_KEY: &str = "guardrails";

/// What one organization adds to the rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardPolicy {
    /// Words or phrases the organization does not allow, matched case-insensitively on word
    /// boundaries, in input and in output.
    #[serde(default)]
    pub blocked_terms: Vec<String>,
}

impl GuardPolicy {
    /// The policy in an organization's `settings` (`guardrails.blocked_terms`); an absent or
    /// malformed entry is an empty policy.
    #[must_use]
    pub fn from_settings(settings: &serde_json::Value) -> Self {
        settings
            .get(GUARDRAILS_SETTINGS_KEY)
            .and_then(|value| serde_json::from_value::<Self>(value.clone()).ok())
            .map(|mut policy| {
                policy.blocked_terms.retain(|term| !term.trim().is_empty());
                policy
            })
            .unwrap_or_default()
    }
}

/// Why a text was blocked or redacted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardCategory {
    /// Nothing but whitespace.
    EmptyInput,
    /// Longer than allowed.
    TooLong,
    /// An attempt to override the assistant's instructions.
    PromptInjection,
    /// An attempt to make the assistant reveal its instructions.
    SystemPromptExtraction,
    /// Personal data: an email address, a phone number, a payment card number.
    Pii,
    /// A term the organization blocked.
    BlockedTerm,
    /// The output repeats the assistant's instructions.
    SystemPromptLeak,
}

impl GuardCategory {
    /// The category's name in events and frames.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmptyInput => "empty_input",
            Self::TooLong => "too_long",
            Self::PromptInjection => "prompt_injection",
            Self::SystemPromptExtraction => "system_prompt_extraction",
            Self::Pii => "pii",
            Self::BlockedTerm => "blocked_term",
            Self::SystemPromptLeak => "system_prompt_leak",
        }
    }
}

/// What a check decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuardVerdict {
    /// The text may pass unchanged.
    Allowed,
    /// The text may pass with parts replaced; `text` is the redacted text and `categories`
    /// what was redacted.
    Redacted {
        /// The text with the offending parts replaced (`[email]`, `[phone]`, `[card]`).
        text: String,
        /// What was redacted.
        categories: Vec<GuardCategory>,
    },
    /// The text must not pass.
    Blocked {
        /// Why, in words safe to show to the user (never the matched personal data).
        reason: String,
        /// The rule that matched.
        category: GuardCategory,
    },
}

impl GuardVerdict {
    /// Whether the text must not pass.
    #[must_use]
    pub const fn is_blocked(&self) -> bool {
        matches!(self, Self::Blocked { .. })
    }
}

/// Checks texts against the guardrails.
#[async_trait]
pub trait GuardService: Send + Sync + 'static {
    /// Checks a user's message before it reaches the model.
    async fn check_input(&self, policy: &GuardPolicy, text: &str) -> AppResult<GuardVerdict>;

    /// Checks the model's answer before it reaches the user. `system_prompt` is the prompt the
    /// model was given, so that an answer repeating it can be caught.
    async fn check_output(
        &self,
        policy: &GuardPolicy,
        text: &str,
        system_prompt: &str,
    ) -> AppResult<GuardVerdict>;
}
