//! [`AudioInbox`]: how a voice turn's audio reaches the `stt` stage of its run. A run's data
//! is JSON; audio is bytes (megabytes of them) and may be a live transcription under way, so
//! the service leaves it here under the run's id before the run starts and the stage takes it.
//! Whatever a run did not take (it was cancelled first) is dropped when the turn ends.

use hellosales_domain::ports::AudioFormat;
use hellosales_providers::RecordedSttStream;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// The audio of one voice turn.
pub(crate) struct HeardAudio {
    /// The whole recording.
    pub(crate) audio: Vec<u8>,
    /// Its encoding.
    pub(crate) format: AudioFormat,
    /// Samples per second, when given.
    pub(crate) sample_rate: Option<u32>,
    /// Its language, when given.
    pub(crate) language: Option<String>,
    /// The live transcription fed while it was recorded, if any.
    pub(crate) live: Option<RecordedSttStream>,
}

/// Audio waiting for its run's `stt` stage. Cheap to clone.
#[derive(Clone, Default)]
pub struct AudioInbox {
    waiting: Arc<Mutex<HashMap<Uuid, HeardAudio>>>,
}

impl fmt::Debug for AudioInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("AudioInbox")
            .field("waiting", &waiting)
            .finish()
    }
}

impl AudioInbox {
    /// Leaves `audio` for run `run`.
    pub(crate) fn put(&self, run: Uuid, audio: HeardAudio) {
        self.lock().insert(run, audio);
    }

    /// Takes the audio of run `run`.
    pub(crate) fn take(&self, run: Uuid) -> Option<HeardAudio> {
        self.lock().remove(&run)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, HeardAudio>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
