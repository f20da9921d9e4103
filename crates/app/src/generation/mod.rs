//! AI-written sales content: the building blocks of the script and email generation
//! pipelines. [`prompts`] turns the facts (company profile, product, client) and a brief into
//! the messages for the model; [`structured`] holds the JSON Schemas of the answers and the
//! parsers that check a model's answer and turn it into a draft, or into the problem a repair
//! message sends back.
//!
//! Both are pure: no I/O, no provider, no storage.

pub mod prompts;
pub mod structured;

pub use prompts::{
    EMAIL_PROMPT_VERSION, EmailBrief, Facts, Length, SCRIPT_PROMPT_VERSION, ScriptBrief,
    email_messages, repair_message, script_messages,
};
pub use structured::{
    EmailDraft, InvalidOutput, ScriptDraft, email_schema, parse_email, parse_script, placeholders,
    script_schema, unfilled_template_syntax,
};
