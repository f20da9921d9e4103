//! Content-based fake embeddings: a bag-of-words hashing vector per input, so that tests can
//! assert a ranking through the real HTTP path.
//!
//! Each word (lower-cased, letters and digits only, at least two characters, not one of a few
//! English stop words) adds ±1 to one of `dimensions` buckets chosen by its FNV-1a hash (the
//! sign from another bit of the hash, which keeps collisions from always adding up); the vector
//! is then normalised to length 1. Texts sharing words are closer; texts sharing none are
//! orthogonal unless two words collide. An input without words is the zero vector.

use serde_json::Value;

/// Words too common to tell texts apart.
const STOP_WORDS: &[&str] = &[
    "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "in", "is",
    "it", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their", "this", "to", "us",
    "was", "we", "what", "with", "you", "your",
];

/// The inputs of an OpenAI embeddings request body: `input` as one string or a list of them.
pub(crate) fn inputs(body: &Value) -> Vec<String> {
    match body.get("input") {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().unwrap_or_default().to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// The normalised hashing vector of `text` in `dimensions` buckets.
pub(crate) fn vector(text: &str, dimensions: usize) -> Vec<f32> {
    let mut values = vec![0.0_f32; dimensions.max(1)];
    let buckets = values.len() as u64;
    for word in words(text) {
        let hash = fnv1a(word.as_bytes());
        let Ok(bucket) = usize::try_from(hash % buckets) else {
            continue;
        };
        let sign = if hash >> 63 == 0 { 1.0 } else { -1.0 };
        values[bucket] += sign;
    }
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for value in &mut values {
            *value /= norm;
        }
    }
    values
}

/// The words of `text` that count.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|word| word.chars().count() >= 2 && !STOP_WORDS.contains(&word.as_str()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn shared_words_are_close_and_others_orthogonal() {
        let query = vector("Zephyr pricing for enterprise", 384);
        let close = vector("The Zephyr enterprise plan: pricing per seat", 384);
        let far = vector("Croissants at the bakery downstairs", 384);
        assert!((cosine(&query, &query) - 1.0).abs() < 1e-5, "normalised");
        assert!(cosine(&query, &close) > 0.5);
        assert!(cosine(&query, &far).abs() < 1e-6);
        assert_eq!(vector("", 8), vec![0.0; 8], "no words: the zero vector");
        assert_eq!(vector("Same words", 8), vector("same, WORDS!", 8));
    }

    #[test]
    fn inputs_are_one_string_or_a_list() {
        assert_eq!(inputs(&json!({"input": "a"})), ["a"]);
        assert_eq!(inputs(&json!({"input": ["a", "b"]})), ["a", "b"]);
        assert!(inputs(&json!({})).is_empty());
    }
}
