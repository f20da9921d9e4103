//! The audio the fake text-to-speech server answers: a real sine tone as PCM or WAV, and fixed
//! bytes standing in for compressed formats.

/// What Google's `MP3` answers carry.
pub const FAKE_MP3: &[u8] = b"\xff\xfb\x90\x64fake mp3 frame";
/// What Google's `OGG_OPUS` answers carry.
pub const FAKE_OGG_OPUS: &[u8] = b"OggS\x00\x02fake opus page";

/// `duration_ms` of a 440 Hz sine at `rate`, as 16-bit little-endian mono PCM.
pub(super) fn tone(duration_ms: u32, rate: u32) -> Vec<u8> {
    let samples = u64::from(rate) * u64::from(duration_ms) / 1000;
    (0..samples)
        .flat_map(|i| {
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let value = ((i as f64) * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin();
            #[allow(clippy::cast_possible_truncation)]
            let sample = (value * 8_000.0) as i16;
            sample.to_le_bytes()
        })
        .collect()
}

/// `pcm` (16-bit mono at `rate`) in a 44-byte RIFF WAVE header.
pub(super) fn wav(pcm: &[u8], rate: u32) -> Vec<u8> {
    let data = u32::try_from(pcm.len()).unwrap_or(u32::MAX);
    let mut wav = Vec::with_capacity(pcm.len() + 44);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&data.saturating_add(36).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0");
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&rate.saturating_mul(2).to_le_bytes());
    wav.extend_from_slice(b"\x02\0\x10\0data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.extend_from_slice(pcm);
    wav
}
