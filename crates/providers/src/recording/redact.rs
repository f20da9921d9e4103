//! Scrubbing of secrets from error messages before they are stored or logged: a second line
//! of defence behind the adapters, which already keep their keys out of their messages.
//!
//! Masked: the token after `Bearer`, words that look like provider keys (`sk-…`, `gsk_…`,
//! `AIza…`, `xai-…`), and the values of `key`, `api_key`, `apikey`, `token` and `access_token`
//! URL query parameters (a Gemini URL carries its key as `?key=…`).

const MASK: &str = "***";
const KEY_PREFIXES: [&str; 4] = ["sk-", "gsk_", "AIza", "xai-"];
const SECRET_PARAMS: [&str; 5] = ["key=", "api_key=", "apikey=", "token=", "access_token="];

/// `text` with every secret-looking part replaced by `***`.
pub(crate) fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_bearer = false;
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        let separator = &piece[word.len()..];
        if word.is_empty() {
            out.push_str(separator);
            continue;
        }
        if after_bearer {
            out.push_str(MASK);
        } else {
            out.push_str(&redact_word(word));
        }
        after_bearer = word.eq_ignore_ascii_case("bearer");
        out.push_str(separator);
    }
    out
}

fn redact_word(word: &str) -> String {
    let start = word.find(|c: char| c.is_ascii_alphanumeric()).unwrap_or(0);
    if KEY_PREFIXES
        .iter()
        .any(|prefix| word[start..].starts_with(prefix))
    {
        let end = word[start..]
            .find(is_delimiter)
            .map_or(word.len(), |i| start + i);
        return format!("{}{MASK}{}", &word[..start], &word[end..]);
    }
    redact_params(word)
}

/// Masks `name=value` after `?` or `&` for the secret parameter names.
fn redact_params(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(i) = rest.find(['?', '&']) {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let lower = rest.to_ascii_lowercase();
        if let Some(param) = SECRET_PARAMS.iter().find(|p| lower.starts_with(**p)) {
            out.push_str(&rest[..param.len()]);
            out.push_str(MASK);
            let value = &rest[param.len()..];
            rest = &value[value
                .find(['&', '#', ')', '"', '\''])
                .unwrap_or(value.len())..];
        }
    }
    out.push_str(rest);
    out
}

fn is_delimiter(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::redact_secrets;

    #[test]
    fn bearer_tokens_keys_and_key_parameters_are_masked() {
        assert_eq!(
            redact_secrets("sent Authorization: Bearer abc.def and got 401"),
            "sent Authorization: Bearer *** and got 401"
        );
        assert_eq!(
            redact_secrets("invalid key 'sk-proj-123_456', try again"),
            "invalid key '***', try again"
        );
        assert_eq!(redact_secrets("gsk_ABC123"), "***");
        assert_eq!(
            redact_secrets("error for url (https://g.dev/v1beta/m:stream?alt=sse&key=AIzaXYZ)"),
            "error for url (https://g.dev/v1beta/m:stream?alt=sse&key=***)"
        );
        assert_eq!(
            redact_secrets("https://x/?API_KEY=s3cret&model=a"),
            "https://x/?API_KEY=***&model=a"
        );
    }

    #[test]
    fn ordinary_messages_are_unchanged() {
        for text in [
            "groq llm failed: HTTP 500",
            "no data within 30000 ms",
            "the monkey=banana ratio",
            "ask-me anything",
        ] {
            assert_eq!(redact_secrets(text), text);
        }
    }
}
