//! Ranking by cosine similarity, brute force: the vectors of one organization (or session) are
//! few enough to score them all. The cosine is computed in full (in `f64`) even though most
//! models answer unit vectors: a provider that does not normalise still ranks correctly.

use hellosales_domain::semantic::StoredVector;
use std::cmp::Ordering;

/// The cosine similarity of `a` and `b` (-1 to 1); `None` when their lengths differ, they are
/// empty, or one of them is zero or not finite.
#[must_use]
pub fn cosine(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut norm_a, mut norm_b) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    let norms = norm_a.sqrt() * norm_b.sqrt();
    let score = dot / norms;
    // A cosine is within -1..=1: the cast loses precision only.
    (norms > 0.0 && score.is_finite()).then_some(score.clamp(-1.0, 1.0) as f32)
}

/// `vectors` with their similarity to `query`, best first (ties in the order given); vectors
/// that cannot be compared (another length, zero) are left out.
#[must_use]
pub fn ranked(query: &[f32], vectors: Vec<StoredVector>) -> Vec<(f32, StoredVector)> {
    let mut scored: Vec<(f32, StoredVector)> = vectors
        .into_iter()
        .filter_map(|vector| cosine(query, &vector.vector).map(|score| (score, vector)))
        .collect();
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;
    use hellosales_domain::semantic::SearchKind;
    use uuid::Uuid;

    fn stored(vector: Vec<f32>) -> StoredVector {
        StoredVector {
            kind: SearchKind::Product,
            item_id: Uuid::now_v7(),
            vector,
        }
    }

    #[test]
    fn cosine_does_not_assume_unit_vectors() {
        let close = |a: Option<f32>, b: f32| a.is_some_and(|a| (a - b).abs() < 1e-6);
        assert!(close(cosine(&[1.0, 0.0], &[3.0, 0.0]), 1.0));
        assert!(close(cosine(&[1.0, 0.0], &[0.0, 2.0]), 0.0));
        assert!(close(cosine(&[1.0, 1.0], &[-5.0, -5.0]), -1.0));
        assert!(close(cosine(&[1.0, 2.0], &[2.0, 1.0]), 0.8));
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), None);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), None);
        assert_eq!(cosine(&[], &[]), None);
        assert_eq!(cosine(&[f32::NAN, 1.0], &[1.0, 1.0]), None);
    }

    #[test]
    fn ranking_is_best_first_and_skips_what_cannot_be_compared() {
        let far = stored(vec![0.0, 1.0]);
        let near = stored(vec![10.0, 1.0]);
        let odd = stored(vec![1.0, 0.0, 0.0]);
        let ranked = ranked(&[1.0, 0.0], vec![far.clone(), odd, near.clone()]);
        let ids: Vec<Uuid> = ranked.iter().map(|(_, v)| v.item_id).collect();
        assert_eq!(ids, [near.item_id, far.item_id]);
        assert!(ranked[0].0 > ranked[1].0);
    }
}
