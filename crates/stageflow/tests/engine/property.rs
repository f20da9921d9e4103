//! Property: any DAG, declared in any order, runs every stage exactly once and each stage only
//! after all its dependencies finished.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use proptest::prelude::*;
use stageflow::{Pipeline, RunOptions, StageOutput, StageSpec};

use crate::support::{Log, snapshot, spec, stage};

#[derive(Debug, Clone)]
struct Dag {
    /// The dependencies of each stage (always on lower indices, so the graph is acyclic).
    dependencies: Vec<Vec<usize>>,
    /// The order in which stages are declared.
    declaration: Vec<usize>,
    /// How many times each stage yields to the scheduler, to vary the interleavings.
    yields: Vec<u8>,
}

fn dags() -> impl Strategy<Value = Dag> {
    (1usize..=12).prop_flat_map(|n| {
        (
            proptest::collection::vec(any::<u16>(), n),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            proptest::collection::vec(0u8..4, n),
        )
            .prop_map(move |(masks, declaration, yields)| Dag {
                dependencies: (0..n)
                    .map(|stage| {
                        (0..stage)
                            .filter(|&dep| masks[stage] & (1 << dep) != 0)
                            .collect()
                    })
                    .collect(),
                declaration,
                yields,
            })
    })
}

struct Probe {
    runs: Vec<AtomicUsize>,
    finished: Vec<AtomicBool>,
    violations: Log,
}

fn build(dag: &Dag, probe: &Arc<Probe>) -> Pipeline {
    let mut builder = Pipeline::builder("random");
    for &index in &dag.declaration {
        let probe = Arc::clone(probe);
        let dependencies = dag.dependencies[index].clone();
        let yields = dag.yields[index];
        let runner = stage(move |_| {
            let probe = Arc::clone(&probe);
            let dependencies = dependencies.clone();
            async move {
                probe.runs[index].fetch_add(1, Ordering::SeqCst);
                for &dependency in &dependencies {
                    if !probe.finished[dependency].load(Ordering::SeqCst) {
                        probe
                            .violations
                            .push(format!("s{index} started before s{dependency} finished"));
                    }
                }
                for _ in 0..yields {
                    tokio::task::yield_now().await;
                }
                probe.finished[index].store(true, Ordering::SeqCst);
                Ok(StageOutput::ok())
            }
        });
        let names = dag.dependencies[index].iter().map(|dep| format!("s{dep}"));
        let stage_spec: StageSpec = spec(&format!("s{index}"), runner).depends_on(names);
        builder = builder.stage(stage_spec);
    }
    builder.build().expect("a DAG is valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_stage_runs_once_after_its_dependencies(dag in dags()) {
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
        for (index, runs) in probe.runs.iter().enumerate() {
            prop_assert_eq!(runs.load(Ordering::SeqCst), 1, "s{} ran a wrong number of times", index);
        }
        prop_assert!(probe.violations.entries().is_empty(), "{:?}", probe.violations.entries());
    }
}
