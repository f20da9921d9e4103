//! Test audio: a real WAV of a sine tone ([`sine_wav`]), and the playing time of received audio
//! (read independently of the adapters' own WAV code, so that each checks the other).

use std::f64::consts::PI;

/// A 16-bit mono RIFF WAVE of a 440 Hz sine lasting `duration_ms` at `sample_rate`.
#[must_use]
pub fn sine_wav(duration_ms: u32, sample_rate: u32) -> Vec<u8> {
    let samples = u64::from(sample_rate) * u64::from(duration_ms) / 1000;
    let samples = u32::try_from(samples).unwrap_or(u32::MAX / 2 - 36);
    let data_bytes = samples.saturating_mul(2);
    let mut wav = Vec::with_capacity(44 + usize::try_from(data_bytes).unwrap_or(0));
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&data_bytes.saturating_add(36).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16_u32.to_le_bytes());
    wav.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1_u16.to_le_bytes()); // mono
    wav.extend_from_slice(&sample_rate.to_le_bytes());
    wav.extend_from_slice(&sample_rate.saturating_mul(2).to_le_bytes());
    wav.extend_from_slice(&2_u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16_u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_bytes.to_le_bytes());
    let rate = f64::from(sample_rate.max(1));
    for index in 0..samples {
        let value = (2.0 * PI * 440.0 * f64::from(index) / rate).sin() * 0.3 * f64::from(i16::MAX);
        #[allow(clippy::cast_possible_truncation)]
        wav.extend_from_slice(&(value.round() as i16).to_le_bytes());
    }
    wav
}

/// How long `audio` plays: a WAV by its header, else raw 16-bit mono PCM at `pcm_rate`.
pub(crate) fn duration_ms(audio: &[u8], pcm_rate: Option<u32>) -> Option<u32> {
    if let Some(ms) = wav_duration_ms(audio) {
        return Some(ms);
    }
    let rate = u64::from(pcm_rate.filter(|rate| *rate > 0)?);
    u32::try_from((audio.len() as u64 / 2) * 1000 / rate).ok()
}

/// The playing time of a PCM WAV, from its `fmt ` and `data` chunks.
fn wav_duration_ms(audio: &[u8]) -> Option<u32> {
    if audio.get(0..4)? != b"RIFF" || audio.get(8..12)? != b"WAVE" {
        return None;
    }
    let le32 = |at: usize| Some(u32::from_le_bytes(audio.get(at..at + 4)?.try_into().ok()?));
    let le16 = |at: usize| Some(u16::from_le_bytes(audio.get(at..at + 2)?.try_into().ok()?));
    let mut at = 12;
    let mut frame_rate = None;
    while at + 8 <= audio.len() {
        let size = usize::try_from(le32(at + 4)?).ok()?;
        match audio.get(at..at + 4)? {
            b"fmt " => {
                let channels = u64::from(le16(at + 10)?);
                let rate = u64::from(le32(at + 12)?);
                let bits = u64::from(le16(at + 22)?);
                frame_rate = Some((channels * bits / 8, rate));
            }
            b"data" => {
                let (frame, rate) = frame_rate?;
                if frame == 0 || rate == 0 {
                    return None;
                }
                let present = audio.len().saturating_sub(at + 8).min(size) as u64;
                return u32::try_from(present / frame * 1000 / rate).ok();
            }
            _ => {}
        }
        at = at.checked_add(8)?.checked_add(size + size % 2)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_wav_plays_for_its_duration() {
        let wav = sine_wav(1500, 16_000);
        assert_eq!(wav.len(), 44 + 16_000 * 3);
        assert_eq!(duration_ms(&wav, None), Some(1500));
        assert!(wav[44..].iter().any(|byte| *byte != 0), "not silent");
    }

    #[test]
    fn raw_pcm_needs_its_rate() {
        assert_eq!(duration_ms(&[0; 32_000], Some(16_000)), Some(1000));
        assert_eq!(duration_ms(&[0; 32_000], None), None);
        assert_eq!(duration_ms(b"OggS....", Some(0)), None);
    }
}
