//! Vectors as stored: `dimensions` little-endian `f32` values in a `BLOB` / `BYTEA`.

/// The bytes of `vector`.
pub(super) fn encode(vector: &[f32]) -> Vec<u8> {
    vector
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

/// The vector of `bytes`, when they hold exactly `dimensions` values.
pub(super) fn decode(bytes: &[u8], dimensions: i32) -> Option<Vec<f32>> {
    let dimensions = usize::try_from(dimensions).ok()?;
    if bytes.len() != dimensions.checked_mul(4)? {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect(),
    )
}

/// The `dimensions` column of `vector`.
pub(super) fn dimensions(vector: &[f32]) -> i32 {
    i32::try_from(vector.len()).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_and_wrong_sizes_are_refused() {
        let vector = [0.5_f32, -1.25, 3.0, f32::MIN_POSITIVE];
        let bytes = encode(&vector);
        assert_eq!(bytes.len(), 16);
        assert_eq!(&bytes[..4], &0.5_f32.to_le_bytes());
        assert_eq!(decode(&bytes, dimensions(&vector)), Some(vector.to_vec()));
        assert_eq!(decode(&bytes, 3), None);
        assert_eq!(decode(&bytes[..15], 4), None);
        assert_eq!(decode(&bytes, -1), None);
        assert_eq!(decode(&[], 0), Some(Vec::new()));
    }
}
