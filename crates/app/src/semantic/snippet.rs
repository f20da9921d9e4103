//! Snippets: the part of a result's text that best matches the query, about
//! [`SNIPPET_CHARS`] characters, cut at word boundaries, with `…` where text was left out.
//!
//! The best part is the window of words holding the most distinct query words (then the most
//! matches), centred on its matches; without any match, the beginning of the text. A word of
//! the text matches a query word when it equals it or, for query words of three characters or
//! more, starts with it ("price" matches "prices"), case-insensitively.

/// The longest snippet, in characters (without the ellipses).
pub const SNIPPET_CHARS: usize = 200;

const ELLIPSIS: char = '…';

/// The snippet of `text` for `query`.
#[must_use]
pub fn snippet(text: &str, query: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return String::new();
    }
    let terms = terms(query);
    let matches: Vec<Option<usize>> = words.iter().map(|w| matching_term(w, &terms)).collect();
    let lengths: Vec<usize> = words.iter().map(|w| w.chars().count()).collect();
    let (start, end) = match best_window(&matches, &lengths, terms.len()) {
        Some((first, last)) => centred(&lengths, first, last),
        None => grow_right(&lengths, 0),
    };
    render(&words, &lengths, start, end)
}

/// The distinct query words, lower-cased (letters and digits only, two characters or more).
fn terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.chars().count() >= 2 && !terms.contains(&word) {
            terms.push(word);
        }
    }
    terms
}

/// The query word that `word` matches, if any.
fn matching_term(word: &str, terms: &[String]) -> Option<usize> {
    let word: String = word
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    terms.iter().position(|term| {
        if term.chars().count() >= 3 {
            word.starts_with(term.as_str())
        } else {
            word == *term
        }
    })
}

/// Characters of words `start..end` joined by spaces.
fn span(lengths: &[usize], start: usize, end: usize) -> usize {
    lengths[start..end].iter().sum::<usize>() + end.saturating_sub(start + 1)
}

/// The first and last matching word of the window (of at most [`SNIPPET_CHARS`]) with the
/// most distinct matched terms, then the most matches, earliest first; `None` without any
/// match.
fn best_window(
    matches: &[Option<usize>],
    lengths: &[usize],
    term_count: usize,
) -> Option<(usize, usize)> {
    let mut counts = vec![0_usize; term_count];
    let (mut distinct, mut total) = (0_usize, 0_usize);
    let mut best: Option<((usize, usize), (usize, usize))> = None;
    let mut end = 0;
    for start in 0..matches.len() {
        if end < start {
            end = start;
        }
        // Grow while the next word fits (a window always holds at least its first word).
        while end < matches.len()
            && (end == start || span(lengths, start, end + 1) <= SNIPPET_CHARS)
        {
            if let Some(term) = matches[end] {
                if counts[term] == 0 {
                    distinct += 1;
                }
                counts[term] += 1;
                total += 1;
            }
            end += 1;
        }
        if matches[start].is_some() && best.is_none_or(|(score, _)| (distinct, total) > score) {
            // Windows starting at a match; the last match inside it ends the span.
            let last = (start..end)
                .rev()
                .find(|&i| matches[i].is_some())
                .unwrap_or(start);
            best = Some(((distinct, total), (start, last)));
        }
        if let Some(term) = matches[start] {
            counts[term] -= 1;
            if counts[term] == 0 {
                distinct -= 1;
            }
            total -= 1;
        }
    }
    best.map(|(_, window)| window)
}

/// Words around `first..=last`: half the room left before them, the rest after.
fn centred(lengths: &[usize], first: usize, last: usize) -> (usize, usize) {
    let room = SNIPPET_CHARS.saturating_sub(span(lengths, first, last + 1));
    let mut start = first;
    while start > 0 && span(lengths, start - 1, first) <= room / 2 {
        start -= 1;
    }
    let (_, mut end) = grow_right(lengths, start);
    end = end.max(last + 1);
    // Near the end of the text: use what is left before the matches.
    while start > 0 && span(lengths, start - 1, end) <= SNIPPET_CHARS {
        start -= 1;
    }
    (start, end)
}

/// Words from `start` on, as many as fit (at least one).
fn grow_right(lengths: &[usize], start: usize) -> (usize, usize) {
    let mut end = start + 1;
    while end < lengths.len() && span(lengths, start, end + 1) <= SNIPPET_CHARS {
        end += 1;
    }
    (start, end)
}

fn render(words: &[&str], lengths: &[usize], start: usize, end: usize) -> String {
    let mut text = String::new();
    if start > 0 {
        text.push(ELLIPSIS);
    }
    let body = words[start..end].join(" ");
    if span(lengths, start, end) > SNIPPET_CHARS {
        // One word longer than a snippet.
        text.extend(body.chars().take(SNIPPET_CHARS));
        text.push(ELLIPSIS);
        return text;
    }
    text.push_str(&body);
    if end < words.len() {
        text.push(ELLIPSIS);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filler(words: usize, word: &str) -> String {
        vec![word; words].join(" ")
    }

    #[test]
    fn short_texts_are_whole_and_whitespace_is_collapsed() {
        assert_eq!(
            snippet("Zephyr\n  analytics  ", "nothing"),
            "Zephyr analytics"
        );
        assert_eq!(snippet("", "x"), "");
    }

    #[test]
    fn without_a_match_the_beginning_is_shown() {
        let text = filler(100, "lorem");
        let shown = snippet(&text, "zephyr");
        assert!(shown.starts_with("lorem lorem"));
        assert!(shown.ends_with('…'));
        assert!(shown.chars().count() <= SNIPPET_CHARS + 1);
    }

    #[test]
    fn the_window_with_most_query_words_is_centred_on_them() {
        let text = format!(
            "{} Pricing once. {} The Zephyr enterprise PRICING, per seat. {}",
            filler(60, "alpha"),
            filler(60, "beta"),
            filler(60, "gamma")
        );
        let shown = snippet(&text, "zephyr pricing");
        assert!(
            shown.contains("The Zephyr enterprise PRICING, per seat."),
            "{shown}"
        );
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(
            shown.contains("beta") && shown.contains("gamma"),
            "centred: {shown}"
        );
        assert!(shown.chars().count() <= SNIPPET_CHARS + 2);
    }

    #[test]
    fn prefixes_match_and_a_match_at_the_end_keeps_the_text_before_it() {
        let text = format!("{} about prices", filler(80, "word"));
        let shown = snippet(&text, "price");
        assert!(shown.ends_with("about prices"), "{shown}");
        assert!(shown.starts_with('…'));
        assert!(
            shown.chars().count() > SNIPPET_CHARS - 10,
            "the room is used: {shown}"
        );
    }

    #[test]
    fn a_giant_word_is_cut() {
        let text = "x".repeat(500);
        let shown = snippet(&text, "y");
        assert_eq!(shown.chars().count(), SNIPPET_CHARS + 1);
    }
}
