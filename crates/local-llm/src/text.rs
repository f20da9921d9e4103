//! Turning token bytes into streamed text: whole UTF-8 characters only, and stop sequences
//! held back until they can be told apart from ordinary text.

/// Collects token bytes and releases the longest valid UTF-8 prefix. A token may end in the
/// middle of a character (byte-level BPE); the rest of the character waits for the next token.
#[derive(Debug, Default)]
pub struct Utf8Assembler {
    pending: Vec<u8>,
}

impl Utf8Assembler {
    /// Adds `bytes` and returns the text that is now complete (possibly empty).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(text) => {
                    out.push_str(text);
                    self.pending.clear();
                    return out;
                }
                Err(error) => {
                    let valid = error.valid_up_to();
                    out.push_str(&String::from_utf8_lossy(&self.pending[..valid]));
                    match error.error_len() {
                        // An incomplete character at the end: keep it for the next token.
                        None => {
                            self.pending.drain(..valid);
                            return out;
                        }
                        // Bytes that can never be valid: replace them and go on.
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            self.pending.drain(..valid + bad);
                        }
                    }
                }
            }
        }
    }

    /// What is left at the end of generation, with any broken character replaced.
    pub fn finish(&mut self) -> String {
        let rest = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        rest
    }
}

/// Finds stop sequences in streamed text. Text that could be the start of a stop sequence is
/// held back until the next piece shows whether it is one.
#[derive(Debug, Default)]
pub struct StopScanner {
    stops: Vec<String>,
    held: String,
}

/// What [`StopScanner::push`] released.
#[derive(Debug, PartialEq, Eq)]
pub struct Scanned {
    /// Text to send.
    pub text: String,
    /// A stop sequence was found: `text` ends before it and generation must end.
    pub stopped: bool,
}

impl StopScanner {
    /// A scanner for `stops` (empty strings are ignored).
    pub fn new(stops: &[String]) -> Self {
        Self {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            held: String::new(),
        }
    }

    /// Adds `piece` and returns what can be sent.
    pub fn push(&mut self, piece: &str) -> Scanned {
        self.held.push_str(piece);
        if self.stops.is_empty() {
            return Scanned {
                text: std::mem::take(&mut self.held),
                stopped: false,
            };
        }
        if let Some(at) = self
            .stops
            .iter()
            .filter_map(|s| self.held.find(s.as_str()))
            .min()
        {
            let text = self.held[..at].to_owned();
            self.held.clear();
            return Scanned {
                text,
                stopped: true,
            };
        }
        // Hold back the longest suffix that is a prefix of a stop sequence.
        let keep = self
            .held
            .char_indices()
            .map(|(at, _)| at)
            .find(|&at| {
                let tail = &self.held[at..];
                self.stops.iter().any(|stop| stop.starts_with(tail))
            })
            .unwrap_or(self.held.len());
        let text = self.held[..keep].to_owned();
        self.held.drain(..keep);
        Scanned {
            text,
            stopped: false,
        }
    }

    /// The held-back text at the end of generation (it was not a stop sequence).
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_across_tokens_waits_for_its_end() {
        let mut assembler = Utf8Assembler::default();
        let euro = "€".as_bytes();
        assert_eq!(assembler.push(&[b'a', euro[0]]), "a");
        assert_eq!(assembler.push(&euro[1..2]), "");
        assert_eq!(assembler.push(&euro[2..]), "€");
        assert_eq!(assembler.finish(), "");
    }

    #[test]
    fn invalid_bytes_are_replaced_and_the_rest_goes_on() {
        let mut assembler = Utf8Assembler::default();
        assert_eq!(assembler.push(&[b'x', 0xFF, b'y']), "x\u{FFFD}y");
        assert_eq!(assembler.push(&[0xE2]), "");
        assert_eq!(assembler.finish(), "\u{FFFD}");
    }

    #[test]
    fn a_stop_sequence_split_across_pieces_is_found_and_not_sent() {
        let mut scanner = StopScanner::new(&["<END>".to_owned()]);
        let first = scanner.push("Hello <E");
        assert_eq!(first.text, "Hello ");
        assert!(!first.stopped);
        let second = scanner.push("ND> ignored");
        assert_eq!(second.text, "");
        assert!(second.stopped);
    }

    #[test]
    fn held_text_that_is_not_a_stop_is_released() {
        let mut scanner = StopScanner::new(&["<END>".to_owned()]);
        assert_eq!(scanner.push("a <").text, "a ");
        assert_eq!(scanner.push("b").text, "<b");
        assert_eq!(scanner.push(" <E").text, " ");
        assert_eq!(scanner.finish(), "<E");
    }

    #[test]
    fn without_stops_everything_passes_through() {
        let mut scanner = StopScanner::new(&[String::new()]);
        let scanned = scanner.push("<<<");
        assert_eq!(scanned.text, "<<<");
        assert!(!scanned.stopped);
    }
}
