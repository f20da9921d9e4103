//! A rough token estimator for calls whose provider reported no usage: about four characters
//! per token (the usual rule of thumb for English with BPE tokenizers), and at least one token
//! for any non-empty text. Records built from it are flagged `tokens_estimated`.

use hellosales_domain::ports::ChatMessage;

/// Characters per token, on average.
const CHARS_PER_TOKEN: usize = 4;

/// The estimated tokens of `chars` characters of text (0 only for no text).
#[must_use]
pub fn estimate_from_chars(chars: usize) -> u32 {
    u32::try_from(chars.div_ceil(CHARS_PER_TOKEN)).unwrap_or(u32::MAX)
}

/// The estimated tokens of `text`.
#[must_use]
pub fn estimate_text(text: &str) -> u32 {
    estimate_from_chars(text.chars().count())
}

/// The estimated tokens of a prompt: the sum of its messages' estimates.
#[must_use]
pub fn estimate_messages(messages: &[ChatMessage]) -> u32 {
    messages
        .iter()
        .map(|message| estimate_text(&message.content))
        .fold(0, u32::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_four_characters_per_token_and_never_zero_for_text() {
        assert_eq!(estimate_text(""), 0);
        assert_eq!(estimate_text("a"), 1);
        assert_eq!(estimate_text("abcd"), 1);
        assert_eq!(estimate_text("abcde"), 2);
        assert_eq!(estimate_text("héllo wörld!"), 3, "characters, not bytes");
    }

    #[test]
    fn a_prompt_sums_its_messages() {
        let messages = [
            ChatMessage::system("You sell."),
            ChatMessage::user("Hi"),
            ChatMessage::assistant(""),
        ];
        assert_eq!(estimate_messages(&messages), 3 + 1);
    }
}
