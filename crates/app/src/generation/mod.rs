//! AI-written sales content: sales scripts and emails for a client, a product or both.
//!
//! * [`request`]: what a client asks for, validated into a [`Brief`];
//! * [`prompts`]: the facts (company profile, product, client) and the brief as messages for
//!   the model (pure);
//! * [`structured`]: the JSON Schemas of the answers and the parsers that turn an answer into
//!   a draft, or into the problem a repair request sends back (pure);
//! * [`stages`] and [`pipeline`]: the `script_generation` and `email_generation` pipelines;
//! * [`service`]: the [`GenerationService`] that checks a request, opens its session and runs a
//!   pipeline per variant;
//! * [`evals`]: the checks and report of `hellosales eval`.

pub mod evals;
pub mod pipeline;
pub mod prompts;
pub mod request;
mod service;
pub mod stages;
pub mod structured;

pub use pipeline::{EMAIL_PIPELINE, GenerationDeps, SCRIPT_PIPELINE, generation_pipeline};
pub use request::{Brief, DocumentType, GenerateEmail, GenerateScript, MAX_VARIANTS};
pub use service::{
    GeneratedDocument, GenerationComplete, GenerationService, GenerationServiceParts,
    GenerationToken, GenerationUpdate, Prepared,
};

pub use prompts::{
    EMAIL_PROMPT_VERSION, EmailBrief, Facts, Length, SCRIPT_PROMPT_VERSION, ScriptBrief,
    email_messages, repair_message, script_messages,
};
pub use structured::{
    EmailDraft, InvalidOutput, ScriptDraft, email_schema, parse_email, parse_script, placeholders,
    script_schema, unfilled_template_syntax,
};
