//! An incremental parser for Server-Sent Events (`text/event-stream`), as streamed by
//! OpenAI-compatible chat completions.
//!
//! Bytes are fed as they arrive from the network with [`SseParser::push`]; an event, a line or
//! even a UTF-8 character may be split across chunks. Only the `data` field matters to the
//! providers: each dispatched event is the concatenation of its `data:` lines (joined by `\n`).
//! Comments (`:` lines) and other fields (`event`, `id`, `retry`) are ignored.

/// Incremental SSE parser. Feed it chunks with [`push`](Self::push), then call
/// [`finish`](Self::finish) at the end of the stream.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes received but not yet terminated by a line end.
    buffer: Vec<u8>,
    /// The `data` lines of the event being read.
    data: Vec<String>,
    /// Whether the event being read has at least one `data` field.
    has_data: bool,
    /// The previous chunk ended with `\r`: a `\n` starting the next chunk belongs to it.
    after_cr: bool,
}

impl SseParser {
    /// A parser with nothing buffered.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk of the stream and returns the `data` of every event completed by it, in
    /// order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut events = Vec::new();
        let mut bytes = chunk;
        if self.after_cr {
            self.after_cr = false;
            if let Some((&b'\n', rest)) = bytes.split_first() {
                bytes = rest;
            }
        }
        while let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.buffer.extend_from_slice(&bytes[..end]);
            let line = std::mem::take(&mut self.buffer);
            self.line(&line, &mut events);
            let skip = if bytes[end] == b'\r' {
                match bytes.get(end + 1) {
                    Some(b'\n') => 2,
                    Some(_) => 1,
                    None => {
                        self.after_cr = true;
                        1
                    }
                }
            } else {
                1
            };
            bytes = &bytes[end + skip..];
        }
        self.buffer.extend_from_slice(bytes);
        events
    }

    /// Ends the stream: returns the `data` of an event left unterminated (a last line without
    /// its line end, or an event without its blank line), if any. Lenient on purpose, so that
    /// a final `data: [DONE]` without a trailing blank line is not lost.
    pub fn finish(&mut self) -> Option<String> {
        let mut events = Vec::new();
        if !self.buffer.is_empty() {
            let line = std::mem::take(&mut self.buffer);
            self.line(&line, &mut events);
        }
        self.line(b"", &mut events);
        self.after_cr = false;
        events.pop()
    }

    fn line(&mut self, line: &[u8], events: &mut Vec<String>) {
        if line.is_empty() {
            if self.has_data {
                events.push(self.data.join("\n"));
            }
            self.data.clear();
            self.has_data = false;
            return;
        }
        if line.first() == Some(&b':') {
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        if field == b"data" {
            self.data.push(String::from_utf8_lossy(value).into_owned());
            self.has_data = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SseParser;

    fn feed_all(chunks: &[&[u8]]) -> Vec<String> {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.push(chunk));
        }
        events.extend(parser.finish());
        events
    }

    #[test]
    fn parses_events_in_one_chunk() {
        let events = feed_all(&[b"data: {\"a\":1}\n\ndata: [DONE]\n\n"]);
        assert_eq!(events, vec!["{\"a\":1}".to_owned(), "[DONE]".to_owned()]);
    }

    #[test]
    fn an_event_split_across_chunks_parses_the_same_at_every_split_point() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"héllo\"}}]}\r\n\r\n: keep-alive\n\nevent: x\ndata: [DONE]\n\n";
        let whole = feed_all(&[stream.as_bytes()]);
        assert_eq!(
            whole,
            vec![
                "{\"choices\":[{\"delta\":{\"content\":\"héllo\"}}]}".to_owned(),
                "[DONE]".to_owned()
            ]
        );
        let bytes = stream.as_bytes();
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            assert_eq!(feed_all(&[a, b]), whole, "split at byte {split}");
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(feed_all(&singles), whole, "one byte at a time");
    }

    #[test]
    fn multi_line_data_is_joined_and_comments_are_ignored() {
        let events = feed_all(&[b": comment\ndata: a\ndata:b\nid: 3\n\n"]);
        assert_eq!(events, vec!["a\nb".to_owned()]);
    }

    #[test]
    fn finish_returns_an_unterminated_last_event() {
        assert_eq!(feed_all(&[b"data: [DONE]"]), vec!["[DONE]".to_owned()]);
        assert_eq!(feed_all(&[b"data: x\n"]), vec!["x".to_owned()]);
        assert!(feed_all(&[b"\n\n: only a comment\n"]).is_empty());
    }

    #[test]
    fn lone_cr_terminates_lines() {
        assert_eq!(
            feed_all(&[b"data: a\r\rdata: b\r", b"\r"]),
            vec!["a".to_owned(), "b".to_owned()]
        );
    }
}
