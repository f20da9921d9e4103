//! What the text-to-speech adapters share: decoding base64 audio, finding the samples of a WAV,
//! and answering linear PCM as the WAV or the raw PCM a request asked for.
//!
//! Nothing here speaks HTTP or runs a process; the adapters turn the [`Fault`]s into errors.

use crate::failure::Fault;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hellosales_domain::ports::speech::{
    AudioFormat, SpeechAudio, WavInfo, pcm16_duration_ms, wav_from_pcm16,
};

/// The bytes of base64 `data` (standard alphabet, padded, as Google sends it).
pub(crate) fn decode_base64(data: &str) -> Result<Vec<u8>, Fault> {
    STANDARD
        .decode(data.trim())
        .map_err(|err| Fault::malformed(format!("the audio is not valid base64: {err}")))
}

/// The sample rate and the samples of a WAV holding 16-bit mono PCM.
pub(crate) fn wav_pcm16(wav: &[u8]) -> Result<(u32, &[u8]), Fault> {
    let info = WavInfo::read(wav).ok_or_else(|| Fault::malformed("the audio is not a WAV"))?;
    if info.channels != 1 || info.bits_per_sample != 16 {
        return Err(Fault::malformed(format!(
            "the WAV holds {} channel(s) of {}-bit samples, not 16-bit mono",
            info.channels, info.bits_per_sample
        )));
    }
    let start = data_offset(wav).ok_or_else(|| Fault::malformed("the WAV has no data"))?;
    let len = usize::try_from(info.data_bytes).unwrap_or(usize::MAX);
    let end = start.saturating_add(len).min(wav.len());
    // A streamed WAV may end inside a sample: only whole samples are kept.
    let end = start + (end - start) / 2 * 2;
    Ok((info.sample_rate, &wav[start..end]))
}

/// Where the samples of the `data` chunk begin (`WavInfo::read` has checked the chunks before).
fn data_offset(wav: &[u8]) -> Option<usize> {
    let mut offset: usize = 12;
    while offset.checked_add(8)? <= wav.len() {
        let size = u32::from_le_bytes(wav.get(offset + 4..offset + 8)?.try_into().ok()?);
        if wav.get(offset..offset + 4)? == b"data" {
            return Some(offset + 8);
        }
        let padded = usize::try_from(size)
            .ok()?
            .checked_add(usize::from(size % 2 == 1))?;
        offset = offset.checked_add(8)?.checked_add(padded)?;
    }
    None
}

/// 16-bit mono `pcm` at `sample_rate` as raw PCM when [`AudioFormat::Pcm16`] was asked for, as
/// a WAV (with exact sizes in its header) for any other format; model and tokens unset.
pub(crate) fn linear_audio(pcm: &[u8], sample_rate: u32, asked: AudioFormat) -> SpeechAudio {
    let (audio, format) = if asked == AudioFormat::Pcm16 {
        (pcm.to_vec(), AudioFormat::Pcm16)
    } else {
        (wav_from_pcm16(pcm, sample_rate), AudioFormat::Wav)
    };
    SpeechAudio {
        audio,
        format,
        sample_rate: Some(sample_rate),
        duration_ms: pcm16_duration_ms(pcm.len(), sample_rate),
        model: None,
        tokens_in: None,
        tokens_out: None,
    }
}

/// The model to record: the requested one, or `fallback` when the request names none.
pub(crate) fn model_or(requested: &str, fallback: &str) -> String {
    let requested = requested.trim();
    if requested.is_empty() {
        fallback.to_owned()
    } else {
        requested.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_of_a_wav_are_found_after_other_chunks() {
        let pcm: Vec<u8> = (0..200_u8).collect();
        let wav = wav_from_pcm16(&pcm, 16_000);
        assert_eq!(wav_pcm16(&wav).ok(), Some((16_000, &pcm[..])));
        // A `LIST` chunk (odd size, padded) between `fmt ` and `data`.
        let mut with_list = wav[..36].to_vec();
        with_list.extend_from_slice(b"LIST\x03\0\0\0abc\0");
        with_list.extend_from_slice(&wav[36..]);
        assert_eq!(wav_pcm16(&with_list).ok(), Some((16_000, &pcm[..])));
        assert!(wav_pcm16(b"ID3 not a wav").is_err());
    }

    #[test]
    fn linear_audio_is_wav_unless_pcm_was_asked() {
        let pcm = vec![0_u8; 48_000];
        let wav = linear_audio(&pcm, 24_000, AudioFormat::Mp3);
        assert_eq!(wav.format, AudioFormat::Wav);
        assert_eq!(wav.duration_ms, Some(1000));
        assert_eq!(
            WavInfo::read(&wav.audio).map(|i| i.data_bytes),
            Some(48_000)
        );
        let raw = linear_audio(&pcm, 24_000, AudioFormat::Pcm16);
        assert_eq!((raw.format, raw.audio.len()), (AudioFormat::Pcm16, 48_000));
        assert_eq!(model_or(" ", "espeak-ng"), "espeak-ng");
        assert!(decode_base64("%%").is_err());
    }
}
