//! Property: any DAG, declared in any order, runs each stage at most once and only after all its
//! dependencies finished; every stage runs exactly once, except the conditional stages with a
//! direct dependency that skipped, which are skipped without running (so a skip propagates
//! through chains of conditional stages, and only through them).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use proptest::prelude::*;
use stageflow::{Pipeline, RunOptions, StageOutput, StageSpec, StageStatus};

use crate::support::{Log, snapshot, spec, stage};

#[derive(Debug, Clone)]
struct Dag {
    /// The dependencies of each stage (always on lower indices, so the graph is acyclic).
    dependencies: Vec<Vec<usize>>,
    /// The order in which stages are declared.
    declaration: Vec<usize>,
    /// How many times each stage yields to the scheduler, to vary the interleavings.
    yields: Vec<u8>,
    /// Which stages are conditional.
    conditional: Vec<bool>,
    /// Which stages return `Skip` when they run.
    skips: Vec<bool>,
}

impl Dag {
    /// Whether the engine skips each stage without running it: a conditional stage with a
    /// direct dependency that skipped (ran and returned `Skip`, or was skipped this way).
    /// Dependencies have lower indices, so one pass in index order is enough.
    fn skipped_by_the_engine(&self) -> Vec<bool> {
        let mut engine = vec![false; self.dependencies.len()];
        for stage in 0..self.dependencies.len() {
            engine[stage] = self.conditional[stage]
                && self.dependencies[stage]
                    .iter()
                    .any(|&dependency| engine[dependency] || self.skips[dependency]);
        }
        engine
    }

    /// The status each stage should finish with.
    fn expected_statuses(&self) -> Vec<StageStatus> {
        self.skipped_by_the_engine()
            .iter()
            .zip(&self.skips)
            .map(|(&engine, &skips)| {
                if engine || skips {
                    StageStatus::Skip
                } else {
                    StageStatus::Ok
                }
            })
            .collect()
    }
}

fn dags() -> impl Strategy<Value = Dag> {
    (1usize..=12).prop_flat_map(|n| {
        (
            proptest::collection::vec(any::<u16>(), n),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            proptest::collection::vec(0u8..4, n),
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::vec(proptest::bool::weighted(0.25), n),
        )
            .prop_map(
                move |(masks, declaration, yields, conditional, skips)| Dag {
                    dependencies: (0..n)
                        .map(|stage| {
                            (0..stage)
                                .filter(|&dep| masks[stage] & (1 << dep) != 0)
                                .collect()
                        })
                        .collect(),
                    declaration,
                    yields,
                    conditional,
                    skips,
                },
            )
    })
}

struct Probe {
    runs: Vec<AtomicUsize>,
    finished: Vec<AtomicBool>,
    violations: Log,
}

fn build(dag: &Dag, probe: &Arc<Probe>) -> Pipeline {
    let expected = Arc::new(dag.expected_statuses());
    let engine_skipped = dag.skipped_by_the_engine();
    let mut builder = Pipeline::builder("random");
    for &index in &dag.declaration {
        let probe = Arc::clone(probe);
        let expected = Arc::clone(&expected);
        let dependencies = dag.dependencies[index].clone();
        // The dependencies that actually run (the others never set their `finished` flag).
        let running: Vec<usize> = dependencies
            .iter()
            .copied()
            .filter(|&dependency| !engine_skipped[dependency])
            .collect();
        let (yields, skips) = (dag.yields[index], dag.skips[index]);
        let runner = stage(move |ctx| {
            let probe = Arc::clone(&probe);
            let (dependencies, running) = (dependencies.clone(), running.clone());
            let expected = Arc::clone(&expected);
            async move {
                probe.runs[index].fetch_add(1, Ordering::SeqCst);
                for &dependency in &running {
                    if !probe.finished[dependency].load(Ordering::SeqCst) {
                        probe
                            .violations
                            .push(format!("s{index} started before s{dependency} finished"));
                    }
                }
                for &dependency in &dependencies {
                    let seen = ctx.inputs().status(&format!("s{dependency}"));
                    if seen != Some(expected[dependency]) {
                        probe.violations.push(format!(
                            "s{index} saw s{dependency} as {seen:?}, not {:?}",
                            expected[dependency]
                        ));
                    }
                }
                for _ in 0..yields {
                    tokio::task::yield_now().await;
                }
                probe.finished[index].store(true, Ordering::SeqCst);
                Ok(if skips {
                    StageOutput::skip("chose to skip")
                } else {
                    StageOutput::ok()
                })
            }
        });
        let names = dag.dependencies[index].iter().map(|dep| format!("s{dep}"));
        let mut stage_spec: StageSpec = spec(&format!("s{index}"), runner).depends_on(names);
        if dag.conditional[index] {
            stage_spec = stage_spec.conditional();
        }
        builder = builder.stage(stage_spec);
    }
    builder.build().expect("a DAG is valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_stage_runs_once_after_its_dependencies_unless_conditionally_skipped(dag in dags()) {
        let n = dag.dependencies.len();
        let probe = Arc::new(Probe {
            runs: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            finished: (0..n).map(|_| AtomicBool::new(false)).collect(),
            violations: Log::default(),
        });
        let pipeline = build(&dag, &probe);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let results = runtime.block_on(pipeline.run(snapshot(), RunOptions::new())).unwrap();
        prop_assert_eq!(results.len(), n);
        let engine_skipped = dag.skipped_by_the_engine();
        let expected = dag.expected_statuses();
        for (index, runs) in probe.runs.iter().enumerate() {
            let should_run = usize::from(!engine_skipped[index]);
            prop_assert_eq!(runs.load(Ordering::SeqCst), should_run, "s{} ran a wrong number of times", index);
            let result = results.get(&format!("s{index}")).unwrap();
            prop_assert_eq!(result.status, expected[index], "status of s{}", index);
            if engine_skipped[index] {
                // The reason names a direct dependency that skipped.
                let reason = result.reason().unwrap_or_default();
                let named = dag.dependencies[index].iter().any(|&dependency| {
                    expected[dependency] == StageStatus::Skip
                        && reason == format!("upstream stage `s{dependency}` skipped")
                });
                prop_assert!(named, "s{} skipped for {:?}", index, reason);
            }
        }
        prop_assert!(probe.violations.entries().is_empty(), "{:?}", probe.violations.entries());
    }
}
