//! Building: validation errors name the stages; interceptors are sorted by priority.

use std::sync::Arc;

use stageflow::interceptors::{Interceptor, TimeoutInterceptor, TracingInterceptor};
use stageflow::{BuildError, Pipeline, PipelineRegistry, RegistryError};

use crate::support::{noop, spec};

#[test]
fn an_empty_pipeline_is_rejected() {
    assert_eq!(
        Pipeline::builder("chat").build().err(),
        Some(BuildError::Empty {
            pipeline: "chat".into()
        })
    );
}

#[test]
fn duplicate_names_are_rejected() {
    let built = Pipeline::builder("chat")
        .stage(spec("llm", noop()))
        .stage(spec("llm", noop()))
        .build();
    assert_eq!(
        built.err(),
        Some(BuildError::DuplicateStage {
            pipeline: "chat".into(),
            stage: "llm".into()
        })
    );
}

#[test]
fn unknown_dependencies_are_rejected() {
    let built = Pipeline::builder("chat")
        .stage(spec("llm", noop()).depends_on(["input_guard"]))
        .build();
    assert_eq!(
        built.err(),
        Some(BuildError::UnknownDependency {
            pipeline: "chat".into(),
            stage: "llm".into(),
            dependency: "input_guard".into()
        })
    );
}

#[test]
fn cycles_are_rejected_with_their_stages() {
    let built = Pipeline::builder("chat")
        .stage(spec("a", noop()).depends_on(["c"]))
        .stage(spec("b", noop()).depends_on(["a"]))
        .stage(spec("c", noop()).depends_on(["b"]))
        .stage(spec("d", noop()))
        .build();
    let error = built.err().unwrap();
    assert_eq!(
        error,
        BuildError::Cycle {
            pipeline: "chat".into(),
            cycle: vec!["a".into(), "c".into(), "b".into(), "a".into()]
        }
    );
    assert_eq!(
        error.to_string(),
        "pipeline `chat` has a dependency cycle: a -> c -> b -> a"
    );
}

#[test]
fn the_built_pipeline_describes_itself() {
    let pipeline = Pipeline::builder("chat")
        .stage(spec("guard", noop()))
        .stage(spec("llm", noop()).depends_on(["guard", "guard"]))
        .interceptors(vec![
            Arc::new(TimeoutInterceptor::default()) as Arc<dyn Interceptor>,
            Arc::new(TracingInterceptor::new()),
        ])
        .build()
        .unwrap();
    assert_eq!(pipeline.name(), "chat");
    assert_eq!(pipeline.len(), 2);
    assert_eq!(pipeline.dependencies_of("llm"), Some(vec!["guard"]));
    assert_eq!(pipeline.dependencies_of("nope"), None);
    assert_eq!(
        pipeline.interceptor_names().collect::<Vec<_>>(),
        ["tracing", "timeout"]
    );
    let defaults = Pipeline::builder("d")
        .stage(spec("a", noop()))
        .build()
        .unwrap();
    assert_eq!(
        defaults.interceptor_names().collect::<Vec<_>>(),
        [
            "tracing",
            "metrics",
            "logging",
            "retry",
            "circuit_breaker",
            "timeout"
        ]
    );
}

#[test]
fn the_registry_lists_known_names_for_an_unknown_one() {
    let mut registry = PipelineRegistry::new();
    for name in ["chat", "email_generation", "script_generation"] {
        registry
            .register(name, move || {
                Pipeline::builder(name).stage(spec("only", noop())).build()
            })
            .unwrap();
    }
    let error = registry.get("summary").err().unwrap();
    assert_eq!(
        error,
        RegistryError::Unknown {
            name: "summary".into(),
            known: vec![
                "chat".into(),
                "email_generation".into(),
                "script_generation".into()
            ]
        }
    );
    assert_eq!(registry.get("chat").unwrap().name(), "chat");
}
