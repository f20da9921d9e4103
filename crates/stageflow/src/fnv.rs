//! A small FNV-1a hasher for the engine's internal maps, keyed by stage names and
//! application-chosen keys (short strings the application controls, so hash flooding is not a
//! concern), where SipHash would dominate the cost of a lookup.

use std::hash::{BuildHasherDefault, Hasher};

/// `HashMap` hasher state for [`Fnv`].
pub(crate) type FnvBuildHasher = BuildHasherDefault<Fnv>;

/// The 64-bit FNV-1a hash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn matches_the_reference_vectors() {
        let hash = |bytes: &[u8]| {
            let mut hasher = Fnv::default();
            hasher.write(bytes);
            hasher.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            FnvBuildHasher::default().hash_one("llm"),
            FnvBuildHasher::default().hash_one("llm")
        );
    }
}
