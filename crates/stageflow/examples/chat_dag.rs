//! Runs the chat-shaped DAG of the specification with a fake LLM that streams tokens:
//!
//! ```text
//! [input_guard] ──────┐
//! [profile_enrich] ───┼──> [llm] ──> [output_guard] ──> [persist]
//! [summary_enrich] ───┘
//! ```
//!
//! `cargo run -p stageflow --example chat_dag -- "How do I open a cold call?"`

#![allow(clippy::print_stdout)]

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stageflow::events::InMemoryEventSink;
use stageflow::{
    ContextSnapshot, Message, Pipeline, PipelineError, RunOptions, Stage, StageContext, StageError,
    StageKind, StageOutput, StageSpec, async_trait, stream_channel,
};
use uuid::Uuid;

/// Cancels the run on empty or blocked input.
struct InputGuard;

#[async_trait]
impl Stage for InputGuard {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let text = ctx
            .snapshot()
            .input_text
            .as_deref()
            .unwrap_or_default()
            .trim();
        if text.is_empty() {
            return Ok(StageOutput::cancel("Empty input")
                .with("blocked", true)
                .with("reason", "empty_input"));
        }
        if text.to_lowercase().contains("password") {
            ctx.emit_event(
                "guard.input.blocked",
                json!({ "reason": "credentials", "category": "pii" }),
            );
            return Ok(StageOutput::cancel("Input blocked: credentials").with("blocked", true));
        }
        Ok(StageOutput::ok()
            .with("validated", true)
            .with("input_text", text))
    }
}

/// Adds the user's profile, or skips without a user.
struct ProfileEnrich;

#[async_trait]
impl Stage for ProfileEnrich {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let Some(user_id) = ctx.snapshot().user_id else {
            return Ok(StageOutput::skip("No user_id provided"));
        };
        Ok(StageOutput::ok().with(
            "profile",
            json!({ "user_id": user_id.to_string(), "display_name": "Ada", "org_context": "Acme Corp" }),
        ))
    }
}

/// Adds the conversation summary (none yet in this example).
struct SummaryEnrich;

#[async_trait]
impl Stage for SummaryEnrich {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        if ctx.snapshot().session_id.is_none() {
            return Ok(StageOutput::skip("No session_id provided"));
        }
        Ok(StageOutput::ok()
            .with("summary", serde_json::Value::Null)
            .with("has_summary", false))
    }
}

/// A fake LLM: answers from the enrichments and streams the answer word by word.
struct FakeLlm;

#[async_trait]
impl Stage for FakeLlm {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let input: &str = ctx.inputs().get("input_text")?;
        let name = ctx
            .inputs()
            .get_opt::<serde_json::Value>("profile")?
            .and_then(|profile| profile["display_name"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "there".to_owned());
        let model: String = ctx
            .config_value("model")?
            .unwrap_or_else(|| "fake-llm".to_owned());
        ctx.emit_event(
            "llm.generation.started",
            json!({ "message_count": ctx.snapshot().messages.len() + 2, "model": model }),
        );
        let answer = format!(
            "Hi {name}! You asked: \"{input}\". Open with a question about their goals, \
             listen, then tie your product to what they said."
        );
        for (index, word) in answer.split_inclusive(' ').enumerate() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if index == 0 {
                let ttft_ms = u64::try_from(ctx.elapsed().as_millis()).unwrap_or(u64::MAX);
                ctx.emit_event("llm.first_token", json!({ "ttft_ms": ttft_ms }));
            }
            ctx.stream(json!({ "token": word })).await?;
        }
        Ok(StageOutput::ok()
            .with("response", answer)
            .with("model", model))
    }
}

/// Replaces unsafe output with a canned answer.
struct OutputGuard;

#[async_trait]
impl Stage for OutputGuard {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let response: String = ctx.inputs().get("response")?;
        if response.contains("guaranteed returns") {
            ctx.emit_event(
                "guard.output.filtered",
                json!({ "reason": "financial_claim" }),
            );
            return Ok(StageOutput::ok()
                .with(
                    "response",
                    "I apologize, but I cannot provide that response.",
                )
                .with("filtered", true));
        }
        Ok(StageOutput::ok()
            .with("response", response)
            .with("validated", true))
    }
}

/// Pretends to store the assistant's message.
struct Persist;

#[async_trait]
impl Stage for Persist {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        if ctx.snapshot().session_id.is_none() {
            return Ok(StageOutput::skip("No session_id for persistence"));
        }
        let _response: &str = ctx.inputs().get("response")?;
        Ok(StageOutput::ok()
            .with("persisted", true)
            .with("interaction_id", Uuid::now_v7().to_string()))
    }
}

fn chat_pipeline() -> Result<Pipeline, stageflow::BuildError> {
    Pipeline::builder("chat")
        .stage(StageSpec::new("input_guard", InputGuard, StageKind::Guard))
        .stage(StageSpec::new(
            "profile_enrich",
            ProfileEnrich,
            StageKind::Enrich,
        ))
        .stage(StageSpec::new(
            "summary_enrich",
            SummaryEnrich,
            StageKind::Enrich,
        ))
        .stage(
            StageSpec::new("llm", FakeLlm, StageKind::Transform)
                .depends_on(["input_guard", "profile_enrich", "summary_enrich"])
                .timeout(Duration::from_secs(60)),
        )
        .stage(StageSpec::new("output_guard", OutputGuard, StageKind::Guard).depends_on(["llm"]))
        .stage(StageSpec::new("persist", Persist, StageKind::Work).depends_on(["output_guard"]))
        .build()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "How do I open a cold call?".to_owned());
    let pipeline = chat_pipeline()?;
    let snapshot = ContextSnapshot::new()
        .with_request_id(Uuid::new_v4().to_string())
        .with_session_id(Uuid::now_v7())
        .with_user_id(Uuid::now_v7())
        .with_org_id(Uuid::now_v7())
        .with_interaction_id(Uuid::now_v7())
        .with_topology("chat_pipeline")
        .with_execution_mode("default")
        .with_service("chat")
        .with_input_text(input)
        .with_messages(vec![Message::new("user", "Hi").with_sequence_number(1)]);

    let events = InMemoryEventSink::new();
    let (tokens, mut received) = stream_channel(32);
    let options = RunOptions::new()
        .sink(Arc::new(events.clone()))
        .config_value("model", "llama-3.1-8b-instant")
        .stream(tokens);

    print!("assistant: ");
    let printer = async {
        while let Some(item) = received.recv().await {
            print!("{}", item.data["token"].as_str().unwrap_or_default());
            // A closed stdout only loses the echo.
            let _ = std::io::stdout().flush();
        }
        println!();
    };
    let (outcome, ()) = tokio::join!(pipeline.run(snapshot, options), printer);

    let results = match outcome {
        Ok(results) => results,
        Err(PipelineError::Cancelled(cancelled)) => {
            println!("cancelled by {:?}: {}", cancelled.stage, cancelled.reason);
            cancelled.partial_results
        }
        Err(error) => {
            println!("failed: {error}");
            error.partial_results().clone()
        }
    };
    println!("\n{:<16} {:<6} {:>8}  data keys", "stage", "status", "ms");
    for stage in &results {
        let keys: Vec<&str> = stage.data.keys().map(String::as_str).collect();
        println!(
            "{:<16} {:<6} {:>8.1}  {}",
            stage.name,
            stage.status,
            stage.duration.as_secs_f64() * 1000.0,
            keys.join(", ")
        );
    }
    println!(
        "\nrun took {:?}; {} events:",
        results.duration(),
        events.len()
    );
    for event_type in events.event_types() {
        println!("  {event_type}");
    }
    Ok(())
}
