//! The organization's blocked terms ([`GuardPolicy::blocked_terms`]).
//!
//! A term matches case-insensitively, as a whole word: "Acme" matches "ACME", "acme's" and
//! "(Acme)" but not "Acmeville" or "acme_corp". A term of several words matches with any
//! whitespace between them ("Project  Falcon", "project\nfalcon"). A term is literal text, never
//! a pattern: its characters (`.`, `+`, `*`, …) mean themselves, so "C++" matches "C++" only.
//!
//! Terms change per organization and per request, so they are matched by a small scanner over
//! the lowercased text rather than by a regex built for each call (which would be compiled on
//! every check, or need a cache of compiled policies). The whole-word rule is that of `\b`: a
//! term that begins (ends) with a letter, digit or `_` must not be preceded (followed) by one;
//! a term that begins or ends with punctuation ("C++", ".NET") has no boundary to respect at
//! that end.

use hellosales_domain::ports::GuardPolicy;

/// The first of `policy`'s blocked terms found in `text`, as the policy spells it (trimmed).
pub(crate) fn find_blocked_term<'p>(policy: &'p GuardPolicy, text: &str) -> Option<&'p str> {
    if policy.blocked_terms.is_empty() {
        return None;
    }
    let haystack = text.to_lowercase();
    policy
        .blocked_terms
        .iter()
        .map(|term| term.trim())
        .find(|term| contains_term(&haystack, term))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the lowercased `haystack` holds `term` as a whole word (or words).
fn contains_term(haystack: &str, term: &str) -> bool {
    let term = term.to_lowercase();
    let words: Vec<&str> = term.split_whitespace().collect();
    let (Some(first), Some(last)) = (words.first(), words.last()) else {
        return false;
    };
    let bounded_start = first.chars().next().is_some_and(is_word_char);
    let bounded_end = last.chars().next_back().is_some_and(is_word_char);

    let mut from = 0;
    while let Some(offset) = haystack[from..].find(first) {
        let start = from + offset;
        // The next search starts one character further, so overlapping occurrences are seen.
        from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);

        if bounded_start
            && haystack[..start]
                .chars()
                .next_back()
                .is_some_and(is_word_char)
        {
            continue;
        }
        let Some(end) = match_rest(haystack, start + first.len(), &words[1..]) else {
            continue;
        };
        if bounded_end && haystack[end..].chars().next().is_some_and(is_word_char) {
            continue;
        }
        return true;
    }
    false
}

/// Where the words after the first end, each preceded by at least one whitespace character,
/// from byte `at`; `None` when they do not follow.
fn match_rest(haystack: &str, mut at: usize, words: &[&str]) -> Option<usize> {
    for word in words {
        let rest = &haystack[at..];
        let trimmed = rest.trim_start();
        if trimmed.len() == rest.len() || !trimmed.starts_with(word) {
            return None;
        }
        at += rest.len() - trimmed.len() + word.len();
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(terms: &[&str]) -> GuardPolicy {
        GuardPolicy {
            blocked_terms: terms.iter().map(|&t| t.to_owned()).collect(),
        }
    }

    fn found(terms: &[&str], text: &str) -> Option<String> {
        find_blocked_term(&policy(terms), text).map(str::to_owned)
    }

    #[test]
    fn whole_words_in_any_case() {
        let terms = &["Acme"];
        for text in [
            "Acme",
            "we beat ACME last year",
            "acme's pricing",
            "(acme)",
            "compared to Acme.",
        ] {
            assert_eq!(found(terms, text).as_deref(), Some("Acme"), "{text}");
        }
        for text in ["Acmeville", "NotAcme", "acme_corp", "acme2", "Ac me"] {
            assert_eq!(found(terms, text), None, "{text}");
        }
    }

    #[test]
    fn several_words_with_any_whitespace() {
        let terms = &["Project Falcon"];
        for text in [
            "about project falcon",
            "PROJECT   FALCON",
            "project\n\tfalcon launch",
        ] {
            assert_eq!(
                found(terms, text).as_deref(),
                Some("Project Falcon"),
                "{text}"
            );
        }
        for text in [
            "projectfalcon",
            "project falconry",
            "project-falcon",
            "project",
        ] {
            assert_eq!(found(terms, text), None, "{text}");
        }
    }

    #[test]
    fn terms_are_literal() {
        assert_eq!(found(&["C++"], "we use C++ daily").as_deref(), Some("C++"));
        assert_eq!(found(&["C++"], "we use C daily"), None);
        assert_eq!(found(&["a.b"], "axb"), None);
        assert_eq!(found(&["a.b"], "see a.b here").as_deref(), Some("a.b"));
        assert_eq!(found(&[".*"], "anything"), None);
        assert_eq!(
            found(&[".NET"], "built on .net core").as_deref(),
            Some(".NET")
        );
    }

    #[test]
    fn the_first_listed_term_found_is_named() {
        assert_eq!(
            found(&["globex", " Initech "], "Initech and Globex").as_deref(),
            Some("globex")
        );
        assert_eq!(found(&["  ", ""], "anything"), None);
        assert_eq!(found(&[], "anything"), None);
    }

    #[test]
    fn overlapping_and_repeated_occurrences() {
        // The first occurrence is inside a longer word; the second stands alone.
        assert_eq!(found(&["aba"], "ababa aba").as_deref(), Some("aba"));
        assert_eq!(
            found(&["deal deal"], "deal deal deal").as_deref(),
            Some("deal deal")
        );
        assert_eq!(
            found(&["deal closed"], "deal deal closed").as_deref(),
            Some("deal closed")
        );
    }

    #[test]
    fn unicode_terms_and_text() {
        assert_eq!(
            found(&["Müller"], "Herr MÜLLER sagt").as_deref(),
            Some("Müller")
        );
        assert_eq!(found(&["Müller"], "Müllerei"), None);
        assert_eq!(found(&["東京"], "東京 office").as_deref(), Some("東京"));
        assert_eq!(found(&["acme"], "🙂acme🙂").as_deref(), Some("acme"));
        assert_eq!(
            found(&["İstanbul"], "in İstanbul").as_deref(),
            Some("İstanbul")
        );
    }
}
