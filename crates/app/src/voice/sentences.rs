//! Sentences of an answer, for speaking it one clip per sentence: a sentence ends at `.`, `!`
//! or `?` (with any closing quotes or brackets) followed by whitespace and a word that does not
//! start in lower case, or at a line break. Decimal points (`4.5`), abbreviations inside a
//! sentence (`e.g. for teams`) and quoted questions (`"Really?" she asked.`) stay inside it; very long sentences are cut at a comma or space so
//! that no clip waits for a whole paragraph.

/// The longest sentence spoken as one clip, in characters.
pub const MAX_SENTENCE_CHARS: usize = 400;

/// The sentences of `text`, trimmed, without empty ones.
#[must_use]
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            push(&mut sentences, &mut current);
            continue;
        }
        current.push(c);
        if matches!(c, '.' | '!' | '?') {
            while let Some(&closing) = chars.peek() {
                if matches!(
                    closing,
                    '"' | '\'' | ')' | ']' | '”' | '’' | '.' | '!' | '?'
                ) {
                    current.push(closing);
                    chars.next();
                } else {
                    break;
                }
            }
            let next_word = chars.clone().find(|c| !c.is_whitespace());
            let at_space = chars.peek().is_none_or(|next| next.is_whitespace());
            if at_space && !next_word.is_some_and(char::is_lowercase) {
                push(&mut sentences, &mut current);
            }
        } else if current.chars().count() >= MAX_SENTENCE_CHARS {
            let cut = current
                .rfind([',', ';', ':'])
                .or_else(|| current.rfind(' '))
                .map_or(current.len(), |at| at + 1);
            let rest = current.split_off(cut);
            push(&mut sentences, &mut current);
            current = rest;
        }
    }
    push(&mut sentences, &mut current);
    sentences
}

fn push(sentences: &mut Vec<String>, current: &mut String) {
    let sentence = current.trim();
    if sentence.chars().any(char::is_alphanumeric) {
        sentences.push(sentence.to_owned());
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_their_punctuation() {
        assert_eq!(
            split_sentences("Hello there. How are you? Great!"),
            ["Hello there.", "How are you?", "Great!"]
        );
    }

    #[test]
    fn numbers_abbreviations_and_quotes_stay_whole() {
        assert_eq!(
            split_sentences("It costs $4.50 per seat, e.g. for teams. \"Really?\" she asked."),
            [
                "It costs $4.50 per seat, e.g. for teams.",
                "\"Really?\" she asked."
            ]
        );
        assert_eq!(
            split_sentences("Wait... what?! Yes."),
            ["Wait... what?!", "Yes."]
        );
    }

    #[test]
    fn line_breaks_end_list_items_and_blank_pieces_are_dropped() {
        assert_eq!(
            split_sentences("Three points:\n- fast\n- secure\n\n...\nThat is all"),
            ["Three points:", "- fast", "- secure", "That is all"]
        );
        assert!(split_sentences("  \n . ").is_empty());
    }

    #[test]
    fn a_long_sentence_is_cut_at_a_comma_or_a_space() {
        let long = format!("{}, {}", "word ".repeat(60), "more ".repeat(60));
        let pieces = split_sentences(&long);
        assert!(pieces.len() >= 2, "{pieces:?}");
        assert!(
            pieces
                .iter()
                .all(|p| p.chars().count() <= MAX_SENTENCE_CHARS)
        );
        assert_eq!(
            pieces.join(" ").split_whitespace().count(),
            long.split_whitespace().count(),
            "no word is lost"
        );
    }
}
