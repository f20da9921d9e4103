//! Graph validation: resolves stage names to indices and rejects empty graphs, duplicate
//! names, unknown dependencies and cycles (Kahn's algorithm; a cycle is reported by its stages).
//!
//! Only index arithmetic lives here; the runnable pipeline is built in [`crate::pipeline`].

use std::collections::{HashMap, VecDeque};

use crate::error::BuildError;

/// The validated shape of a pipeline, by stage index (declaration order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Graph {
    /// The dependencies of each stage, deduplicated, in declaration order.
    pub(crate) dependencies: Vec<Vec<usize>>,
    /// The stages that depend on each stage, in declaration order.
    pub(crate) dependents: Vec<Vec<usize>>,
    /// The stages without dependencies, in declaration order.
    pub(crate) roots: Vec<usize>,
}

/// Validates `stages` (name, dependency names) of the pipeline `pipeline`.
pub(crate) fn validate<'a>(
    pipeline: &str,
    stages: impl ExactSizeIterator<Item = (&'a str, &'a [String])> + Clone,
) -> Result<Graph, BuildError> {
    if stages.len() == 0 {
        return Err(BuildError::Empty {
            pipeline: pipeline.to_owned(),
        });
    }
    let mut index = HashMap::with_capacity(stages.len());
    for (position, (name, _)) in stages.clone().enumerate() {
        if index.insert(name, position).is_some() {
            return Err(BuildError::DuplicateStage {
                pipeline: pipeline.to_owned(),
                stage: name.to_owned(),
            });
        }
    }
    let mut dependencies = Vec::with_capacity(stages.len());
    let mut dependents = vec![Vec::new(); stages.len()];
    for (position, (name, declared)) in stages.clone().enumerate() {
        let mut resolved: Vec<usize> = Vec::with_capacity(declared.len());
        for dependency in declared {
            let &target =
                index
                    .get(dependency.as_str())
                    .ok_or_else(|| BuildError::UnknownDependency {
                        pipeline: pipeline.to_owned(),
                        stage: name.to_owned(),
                        dependency: dependency.clone(),
                    })?;
            if !resolved.contains(&target) {
                resolved.push(target);
                dependents[target].push(position);
            }
        }
        dependencies.push(resolved);
    }
    let roots: Vec<usize> = (0..dependencies.len())
        .filter(|&stage| dependencies[stage].is_empty())
        .collect();
    let graph = Graph {
        dependencies,
        dependents,
        roots,
    };
    let names: Vec<&str> = stages.map(|(name, _)| name).collect();
    ensure_acyclic(pipeline, &graph, &names)?;
    Ok(graph)
}

/// Fails with [`BuildError::Cycle`] unless every stage of `graph` can be ordered after its
/// dependencies.
///
/// The cycle named is one found among the stages left by Kahn's algorithm. Should no cycle be
/// found among them (impossible for a graph whose `dependents` mirror its `dependencies`), the
/// error names every stage left instead: a graph that cannot be ordered is never accepted.
fn ensure_acyclic(pipeline: &str, graph: &Graph, names: &[&str]) -> Result<(), BuildError> {
    let pending = unordered(graph);
    let Some(start) = pending.iter().position(|&count| count > 0) else {
        return Ok(());
    };
    let stages = find_cycle(graph, &pending, start).unwrap_or_else(|| {
        (0..pending.len())
            .filter(|&stage| pending[stage] > 0)
            .collect()
    });
    Err(BuildError::Cycle {
        pipeline: pipeline.to_owned(),
        cycle: stages
            .into_iter()
            .map(|stage| names[stage].to_owned())
            .collect(),
    })
}

/// Runs Kahn's algorithm; returns, per stage, how many of its dependencies could not be
/// ordered (all zero when the graph is acyclic).
fn unordered(graph: &Graph) -> Vec<usize> {
    let mut pending: Vec<usize> = graph.dependencies.iter().map(Vec::len).collect();
    let mut ready: VecDeque<usize> = graph.roots.iter().copied().collect();
    while let Some(stage) = ready.pop_front() {
        for &dependent in &graph.dependents[stage] {
            pending[dependent] -= 1;
            if pending[dependent] == 0 {
                ready.push_back(dependent);
            }
        }
    }
    pending
}

/// Walks the dependencies left by Kahn's algorithm from `start` (one of them) and returns the
/// cycle it comes back to, each stage depending on the next, the first repeated last.
fn find_cycle(graph: &Graph, pending: &[usize], start: usize) -> Option<Vec<usize>> {
    // Every stage left has a dependency that is also left, so walking those dependencies from
    // any of them must come back to a stage already on the path.
    let mut path = vec![start];
    let mut current = start;
    loop {
        current = *graph.dependencies[current]
            .iter()
            .find(|&&dependency| pending[dependency] > 0)?;
        if let Some(position) = path.iter().position(|&stage| stage == current) {
            let mut cycle = path.split_off(position);
            cycle.push(current);
            return Some(cycle);
        }
        path.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(stages: &[(&str, &[&str])]) -> Result<Graph, BuildError> {
        let owned: Vec<(String, Vec<String>)> = stages
            .iter()
            .map(|(name, deps)| {
                (
                    (*name).to_owned(),
                    deps.iter().map(|dep| (*dep).to_owned()).collect(),
                )
            })
            .collect();
        validate(
            "p",
            owned
                .iter()
                .map(|(name, deps)| (name.as_str(), deps.as_slice())),
        )
    }

    #[test]
    fn resolves_the_chat_dag() {
        let graph = check(&[
            ("input_guard", &[]),
            ("profile_enrich", &[]),
            ("summary_enrich", &[]),
            (
                "llm",
                &[
                    "input_guard",
                    "profile_enrich",
                    "summary_enrich",
                    "input_guard",
                ],
            ),
            ("output_guard", &["llm"]),
            ("persist", &["output_guard"]),
        ]);
        let graph = graph.ok();
        assert_eq!(graph.as_ref().map(|g| g.roots.clone()), Some(vec![0, 1, 2]));
        assert_eq!(
            graph.as_ref().map(|g| g.dependencies[3].clone()),
            Some(vec![0, 1, 2])
        );
        assert_eq!(graph.map(|g| g.dependents[0].clone()), Some(vec![3]));
    }

    #[test]
    fn rejects_invalid_graphs_naming_the_stages() {
        assert_eq!(
            check(&[]),
            Err(BuildError::Empty {
                pipeline: "p".into()
            })
        );
        assert_eq!(
            check(&[("a", &[]), ("a", &[])]),
            Err(BuildError::DuplicateStage {
                pipeline: "p".into(),
                stage: "a".into()
            })
        );
        assert_eq!(
            check(&[("a", &["ghost"])]),
            Err(BuildError::UnknownDependency {
                pipeline: "p".into(),
                stage: "a".into(),
                dependency: "ghost".into()
            })
        );
        assert_eq!(
            check(&[
                ("root", &[]),
                ("a", &["root", "c"]),
                ("b", &["a"]),
                ("c", &["b"])
            ]),
            Err(BuildError::Cycle {
                pipeline: "p".into(),
                cycle: vec!["a".into(), "c".into(), "b".into(), "a".into()]
            })
        );
        assert_eq!(
            check(&[("self", &["self"])]),
            Err(BuildError::Cycle {
                pipeline: "p".into(),
                cycle: vec!["self".into(), "self".into()]
            })
        );
    }

    #[test]
    fn a_graph_left_unordered_without_a_traceable_cycle_is_rejected() {
        // Inconsistent on purpose (`dependents` does not mirror `dependencies`), so that Kahn's
        // algorithm leaves `b` unordered but no cycle can be walked: the path that used to
        // accept the graph.
        let graph = Graph {
            dependencies: vec![vec![], vec![0]],
            dependents: vec![vec![], vec![]],
            roots: vec![0],
        };
        assert_eq!(
            ensure_acyclic("p", &graph, &["a", "b"]),
            Err(BuildError::Cycle {
                pipeline: "p".into(),
                cycle: vec!["b".into()]
            })
        );
        let consistent = Graph {
            dependents: vec![vec![1], vec![]],
            ..graph
        };
        assert_eq!(ensure_acyclic("p", &consistent, &["a", "b"]), Ok(()));
    }
}
