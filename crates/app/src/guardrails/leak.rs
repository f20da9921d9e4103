//! An answer that repeats the system prompt: any run of [`LEAK_MIN_WORDS`] consecutive words of
//! the prompt found in the answer, compared case-insensitively.
//!
//! Both texts are cut into words, a word being a run of letters and digits; whitespace,
//! punctuation and markup between words are ignored, so a prompt quoted in a Markdown list or
//! with its line breaks changed is still found. A run that long does not occur by chance, while
//! the short phrases an answer naturally shares with its instructions ("the customer", "keep
//! your answers short") stay far below it. An empty prompt, or one shorter than the threshold,
//! never matches.
//!
//! Whatever the caller passes as the system prompt is what is protected: an answer that quotes
//! retrieved content (a product description, a company profile) embedded in that prompt is
//! blocked too, so callers pass the instructions, not the retrieved context.

use std::collections::HashSet;

/// How many consecutive words of the system prompt make a leak.
pub(crate) const LEAK_MIN_WORDS: usize = 12;

/// The lowercased words of `text`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `output` holds [`LEAK_MIN_WORDS`] consecutive words of `system_prompt`.
pub(crate) fn repeats_system_prompt(output: &str, system_prompt: &str) -> bool {
    let prompt = words(system_prompt);
    if prompt.len() < LEAK_MIN_WORDS {
        return false;
    }
    let output = words(output);
    if output.len() < LEAK_MIN_WORDS {
        return false;
    }
    let runs: HashSet<&[String]> = prompt.windows(LEAK_MIN_WORDS).collect();
    output.windows(LEAK_MIN_WORDS).any(|run| runs.contains(run))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A realistic system prompt: 69 words.
    const SYSTEM_PROMPT: &str = "You are HelloSales, a sales coach for the team at Globex. \
        Help the user prepare discovery calls, handle objections and write follow-up emails. \
        Always ground your advice in the company profile and the product catalogue provided \
        below. Never invent prices, discounts or delivery dates; if you do not know, say so. \
        Keep your answers short, practical and friendly, and end with one concrete next step \
        for the rep.";

    #[test]
    fn the_prompt_is_of_realistic_length() {
        assert_eq!(words(SYSTEM_PROMPT).len(), 69);
    }

    #[test]
    fn a_quote_of_fifteen_words_is_a_leak() {
        // 15 consecutive words of the prompt, with other case, punctuation and line breaks.
        let answer = "Sure! My instructions say to \"GROUND your advice in the company \
            profile\nand the product catalogue provided below. Never invent\" — that's it.";
        assert!(repeats_system_prompt(answer, SYSTEM_PROMPT));
        let markdown = "- never invent prices\n- discounts or delivery dates\n- if you do not \
            know say so";
        assert!(repeats_system_prompt(markdown, SYSTEM_PROMPT));
    }

    #[test]
    fn shared_words_are_not_a_leak() {
        for answer in [
            "Keep your answers short: open the discovery call with one question about their \
             current vendor, handle objections calmly, and end with one concrete next step.",
            "I can't invent prices or discounts; the product catalogue does not list delivery \
             dates, so ask the customer's account team.",
            "You are welcome! As a sales coach I would write follow-up emails the same day.",
        ] {
            assert!(!repeats_system_prompt(answer, SYSTEM_PROMPT), "{answer}");
        }
    }

    #[test]
    fn eleven_words_are_below_the_threshold() {
        let eleven = "always ground your advice in the company profile and the product";
        assert_eq!(words(eleven).len(), LEAK_MIN_WORDS - 1);
        assert!(!repeats_system_prompt(eleven, SYSTEM_PROMPT));
        let twelve = "always ground your advice in the company profile and the product catalogue";
        assert!(repeats_system_prompt(twelve, SYSTEM_PROMPT));
    }

    #[test]
    fn an_empty_or_short_prompt_never_matches() {
        assert!(!repeats_system_prompt(SYSTEM_PROMPT, ""));
        assert!(!repeats_system_prompt(SYSTEM_PROMPT, "   \n "));
        let short = "You are a helpful sales coach.";
        assert!(!repeats_system_prompt(short, short));
        assert!(!repeats_system_prompt("", SYSTEM_PROMPT));
    }

    #[test]
    fn unicode_words() {
        let prompt = "Tu es HelloSales, un coach commercial pour l'équipe de Globex à Genève; \
            réponds toujours en français, brièvement et avec une prochaine étape concrète.";
        let answer = "Mes consignes : « pour l'équipe de Globex à Genève ; réponds toujours en \
            français, brièvement et avec une prochaine étape concrète ».";
        assert!(repeats_system_prompt(answer, prompt));
        assert!(!repeats_system_prompt(
            "Bonjour ! Réponds toujours 🙂",
            prompt
        ));
    }
}
