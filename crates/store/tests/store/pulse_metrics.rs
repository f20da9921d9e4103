//! The Pulse aggregates on a known distribution: exact continuous percentiles (as
//! `percentile_cont`), totals by outcome, breakdowns by service, provider and model, every hour
//! of the window (empty ones with zeros), the service filter, the window bounds, another
//! organization's rows left out, and the stats with pending dead-letter entries.

use crate::pulse::{org, start};
use chrono::{DateTime, Duration, Utc};
use hellosales_domain::OrgId;
use hellosales_domain::ports::{
    AiService, PipelineRunOutcome, PipelineRunStatus, PipelineRunStore, ProviderCallRecord,
    ProviderCallStore, PulseStore,
};
use hellosales_domain::pulse_metrics::{MetricsWindow, StatsParams, hour_of};
use hellosales_store::Store;
use hellosales_store::entities::dead_letter_queue;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use uuid::Uuid;

/// `actual` is `expected`, to floating-point rounding.
#[track_caller]
fn near(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("no value, expected {expected}"));
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

struct Run {
    service: &'static str,
    at: DateTime<Utc>,
    status: PipelineRunStatus,
    latency: u64,
    ttft: Option<u64>,
    tokens: (u64, u64),
    micros: i64,
}

async fn finished(store: &Store, org: OrgId, run: &Run) -> Uuid {
    let id = start(store, org, run.service, run.at).await;
    store
        .pipeline_runs()
        .finish(
            id,
            &PipelineRunOutcome {
                status: run.status,
                success: run.status == PipelineRunStatus::Completed,
                error: None,
                error_code: None,
                stages: json!({}),
                total_latency_ms: Some(run.latency),
                ttft_ms: run.ttft,
                tokens_in: Some(run.tokens.0),
                tokens_out: Some(run.tokens.1),
                tokens_per_second: None,
                total_cost_usd_micros: Some(run.micros),
                stt_provider_call_id: None,
                llm_provider_call_id: None,
                tts_provider_call_id: None,
                ttfa_ms: None,
                ttfc_ms: None,
                input_audio_duration_ms: None,
                output_audio_duration_ms: None,
                completed_at: run.at,
            },
        )
        .await
        .unwrap();
    id
}

fn call(
    org: OrgId,
    service: AiService,
    provider: &str,
    model: Option<&str>,
    latency: u32,
    at: DateTime<Utc>,
) -> ProviderCallRecord {
    ProviderCallRecord {
        id: Uuid::now_v7(),
        service,
        operation: "llm".to_owned(),
        provider: provider.to_owned(),
        model_id: model.map(str::to_owned),
        request_id: None,
        pipeline_run_id: None,
        session_id: None,
        interaction_id: None,
        user_id: None,
        org_id: Some(org),
        prompt_messages: None,
        output_content: None,
        latency_ms: latency,
        ttft_ms: None,
        tokens_in: Some(10),
        tokens_out: Some(5),
        tokens_estimated: false,
        audio_duration_ms: None,
        cost_usd_micros: Some(2_000),
        priced: true,
        success: true,
        error: None,
        error_code: None,
        finish_reason: None,
        response_model: None,
        started_at: at,
        completed_at: at,
    }
}

async fn dead_letter(store: &Store, org: OrgId, status: &str) {
    let at = Utc::now();
    dead_letter_queue::ActiveModel {
        id: Set(Uuid::now_v7()),
        error_type: Set("StageFailed".to_owned()),
        context_snapshot: Set(json!({})),
        org_id: Set(Some(org.as_uuid())),
        retry_count: Set(0),
        max_retries: Set(3),
        status: Set(status.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .unwrap();
}

/// Seeds the organization: in hour 0, ten chat runs with latencies 10…100 ms (TTFT half of
/// it; eight completed, one failed, one cancelled) and one still running; hour 1 empty; in
/// hour 2, two script runs of 1000 and 3000 ms. One chat run an hour before the window.
async fn seed(store: &Store, ours: OrgId, base: DateTime<Utc>) {
    for i in 0..10_u64 {
        let status = match i {
            3 => PipelineRunStatus::Failed,
            6 => PipelineRunStatus::Cancelled,
            _ => PipelineRunStatus::Completed,
        };
        let run = Run {
            service: "chat",
            at: base + Duration::minutes(i64::try_from(i).unwrap()),
            status,
            latency: (i + 1) * 10,
            ttft: Some((i + 1) * 5),
            tokens: (10, 2),
            micros: 1_001,
        };
        finished(store, ours, &run).await;
    }
    start(store, ours, "chat", base + Duration::minutes(30)).await;
    for (minutes, latency) in [(125, 1_000), (130, 3_000)] {
        let run = Run {
            service: "script",
            at: base + Duration::minutes(minutes),
            status: PipelineRunStatus::Completed,
            latency,
            ttft: None,
            tokens: (100, 50),
            micros: 250_000,
        };
        finished(store, ours, &run).await;
    }
    let early = Run {
        service: "chat",
        at: base - Duration::hours(1),
        status: PipelineRunStatus::Completed,
        latency: 5,
        ttft: Some(1),
        tokens: (1_000, 1_000),
        micros: 9_999_999,
    };
    finished(store, ours, &early).await;

    // Calls: groq 100…500 ms (one failed; the last without a model), google 1000 ms.
    let calls = store.provider_calls();
    for (i, latency) in [100, 200, 300, 400, 500].into_iter().enumerate() {
        let model = (i < 4).then_some("m-fast");
        let mut record = call(ours, AiService::Chat, "groq", model, latency, base);
        if i == 1 {
            record.success = false;
            record.cost_usd_micros = None;
        }
        calls.record(&record).await.unwrap();
    }
    let at = base + Duration::minutes(125);
    let mut big = call(ours, AiService::Script, "google", Some("m-big"), 1_000, at);
    big.cost_usd_micros = Some(7_000);
    calls.record(&big).await.unwrap();
    let early = call(
        ours,
        AiService::Chat,
        "groq",
        Some("m-fast"),
        1,
        base - Duration::hours(1),
    );
    calls.record(&early).await.unwrap();
}

pub async fn metrics_aggregate_a_known_distribution_exactly(store: &Store) {
    let pulse = store.pulse();
    let (ours, theirs) = (org(store).await, org(store).await);
    let base = hour_of(Utc::now()) - Duration::hours(6);
    seed(store, ours, base).await;
    let foreign = Run {
        service: "chat",
        at: base + Duration::minutes(1),
        status: PipelineRunStatus::Failed,
        latency: 999_999,
        ttft: Some(999_999),
        tokens: (7, 7),
        micros: 7,
    };
    finished(store, theirs, &foreign).await;
    let at = base + Duration::minutes(1);
    let record = call(theirs, AiService::Chat, "groq", Some("m-fast"), 99_999, at);
    store.provider_calls().record(&record).await.unwrap();

    let window = MetricsWindow {
        start: base,
        end: base + Duration::minutes(150),
        service: None,
    };
    let m = pulse.metrics(ours, &window).await.unwrap();
    assert_eq!(
        (
            m.totals.runs,
            m.totals.successful,
            m.totals.failed,
            m.totals.cancelled
        ),
        (13, 10, 1, 1)
    );
    near(Some(m.success_rate), 10.0 / 13.0);
    // Latencies 10…100, 1000, 3000 (n = 12): positions 5.5, 10.45, 10.89.
    near(m.latency_ms.p50, 65.0);
    near(m.latency_ms.p95, 1_000.0 + 0.45 * 2_000.0);
    near(m.latency_ms.p99, 1_000.0 + 0.89 * 2_000.0);
    // TTFT 5…50 (n = 10): positions 4.5 and 8.55.
    near(m.ttft_ms.p50, 27.5);
    near(m.ttft_ms.p95, 45.0 + 0.55 * 5.0);
    assert_eq!((m.tokens_in, m.tokens_out), (300, 120));
    assert_eq!(m.cost_usd_micros, 510_010);
    near(Some(m.cost_usd), 0.510_01);

    let services: Vec<(&str, i64)> = m
        .by_service
        .iter()
        .map(|s| (s.service.as_str(), s.totals.runs))
        .collect();
    assert_eq!(services, [("chat", 11), ("script", 2)]);
    let chat = &m.by_service[0];
    assert_eq!(
        (
            chat.totals.successful,
            chat.totals.failed,
            chat.totals.cancelled
        ),
        (8, 1, 1)
    );
    near(chat.latency_p50_ms, 55.0);
    near(chat.latency_p95_ms, 95.5);
    assert_eq!((chat.cost_usd_micros, chat.tokens_in), (10_010, 100));
    let script = &m.by_service[1];
    near(script.latency_p50_ms, 2_000.0);
    near(script.latency_p95_ms, 2_900.0);
    near(Some(script.success_rate), 1.0);

    let providers: Vec<(&str, i64, i64)> = m
        .by_provider
        .iter()
        .map(|p| (p.name.as_str(), p.calls, p.errors))
        .collect();
    assert_eq!(providers, [("groq", 5, 1), ("google", 1, 0)]);
    let groq = &m.by_provider[0];
    near(groq.latency_p50_ms, 300.0);
    near(groq.latency_p95_ms, 480.0);
    assert_eq!(
        (groq.cost_usd_micros, groq.tokens_in, groq.tokens_out),
        (8_000, 50, 25)
    );
    let models: Vec<(&str, i64)> = m
        .by_model
        .iter()
        .map(|p| (p.name.as_str(), p.calls))
        .collect();
    assert_eq!(models, [("m-fast", 4), ("m-big", 1), ("unknown", 1)]);
    near(m.by_model[0].latency_p50_ms, 250.0);
    near(m.by_model[0].latency_p95_ms, 385.0);
    near(m.by_model[1].latency_p95_ms, 1_000.0);

    // Every hour of the window, the empty one with zeros.
    let hours: Vec<_> = m.hourly.iter().map(|h| h.hour).collect();
    assert_eq!(
        hours,
        [base, base + Duration::hours(1), base + Duration::hours(2)]
    );
    let counts: Vec<(i64, i64, i64)> = m
        .hourly
        .iter()
        .map(|h| (h.runs, h.failures, h.cost_usd_micros))
        .collect();
    assert_eq!(counts, [(11, 1, 10_010), (0, 0, 0), (2, 0, 500_000)]);
    near(m.hourly[0].latency_p95_ms, 95.5);
    assert_eq!(m.hourly[1].latency_p95_ms, None);
    near(m.hourly[2].latency_p95_ms, 2_900.0);

    // One service.
    let scripts = MetricsWindow {
        service: Some("script".to_owned()),
        ..window.clone()
    };
    let s = pulse.metrics(ours, &scripts).await.unwrap();
    assert_eq!((s.totals.runs, s.cost_usd_micros), (2, 500_000));
    near(s.latency_ms.p50, 2_000.0);
    assert_eq!(s.ttft_ms.p50, None);
    assert_eq!(s.by_service.len(), 1);
    let names: Vec<&str> = s.by_provider.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["google"]);
    assert_eq!(
        s.hourly.iter().map(|h| h.runs).collect::<Vec<_>>(),
        [0, 0, 2]
    );

    // The other organization sees only its own run.
    let t = pulse.metrics(theirs, &window).await.unwrap();
    assert_eq!(
        (t.totals.runs, t.totals.failed, t.cost_usd_micros),
        (1, 1, 7)
    );
    near(t.latency_ms.p99, 999_999.0);
    assert_eq!(t.by_provider[0].calls, 1);

    // An empty window: zeros, no percentiles, every hour present.
    let later = MetricsWindow {
        start: base + Duration::hours(3),
        end: base + Duration::hours(5),
        service: None,
    };
    let e = pulse.metrics(ours, &later).await.unwrap();
    assert_eq!(
        (e.totals.runs, e.success_rate, e.cost_usd_micros),
        (0, 0.0, 0)
    );
    assert_eq!((e.latency_ms.p50, e.ttft_ms.p95), (None, None));
    assert!(e.by_service.is_empty() && e.by_provider.is_empty());
    assert_eq!(e.hourly.len(), 3);
    assert!(
        e.hourly
            .iter()
            .all(|h| h.runs == 0 && h.latency_p95_ms.is_none())
    );
}

pub async fn stats_summarize_the_window_with_pending_dead_letters(store: &Store) {
    let pulse = store.pulse();
    let (ours, theirs) = (org(store).await, org(store).await);
    let base = hour_of(Utc::now()) - Duration::hours(6);
    seed(store, ours, base).await;
    dead_letter(store, ours, "pending").await;
    dead_letter(store, ours, "pending").await;
    dead_letter(store, ours, "resolved").await;
    dead_letter(store, theirs, "pending").await;

    let window = StatsParams { hours: Some(3) }
        .validate(base + Duration::hours(3))
        .unwrap();
    let s = pulse.stats(ours, &window).await.unwrap();
    assert_eq!((s.hours, s.start_time), (3, base));
    assert_eq!((s.total_runs, s.successful, s.failed), (13, 10, 1));
    near(Some(s.success_rate), 10.0 / 13.0);
    near(s.avg_latency_ms, 4_550.0 / 12.0);
    assert_eq!(
        (s.tokens_in, s.tokens_out, s.cost_usd_micros),
        (300, 120, 510_010)
    );
    assert_eq!(s.dlq_pending, 2);

    let t = pulse.stats(theirs, &window).await.unwrap();
    assert_eq!(
        (t.total_runs, t.avg_latency_ms, t.dlq_pending),
        (0, None, 1)
    );
}
