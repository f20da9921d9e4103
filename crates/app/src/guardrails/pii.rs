//! Personal data: email addresses, phone numbers and payment card numbers, found and replaced by
//! `[email]`, `[phone]` and `[card]`.
//!
//! A regex finds candidates; a check in code then accepts or rejects each one, so that the
//! patterns stay readable and the judgement (digit counts, the Luhn checksum, what surrounds the
//! number) is plain Rust:
//!
//! - **Email**: `local@domain.tld`, letters of any script in the local part and the domain.
//! - **Card**: 13 to 19 digits, optionally grouped by single spaces or dashes, not glued to other
//!   digits, letters or a `+`, not starting with 0, and passing the Luhn checksum; a 16-digit
//!   number that fails Luhn (an order number, an id) is left alone.
//! - **Phone**: an international form (`+` and a country code, then digit groups, optionally a
//!   `(0)` or an area code in brackets: `+1 415 555 0100`, `+44 20 7946 0958`,
//!   `+4915112345678`) or a national form with separators (`(415) 555-0100`, `415-555-0100`,
//!   `415.555.0100`, `020 7946 0958`, `06 12 34 56 78`, `07700 900123`), with 9 to 15 digits.
//!   A plain run of digits without `+` is never a phone (it may be an order number), and
//!   neither is a number glued to letters, a currency sign or other digits (`$415 555 0100`,
//!   `1.250.000.000`, `INV-415-555-0100`), a date followed by a time (`2024-06-15 10:30`), a
//!   list of years (`2023 2024 2025`), nor digits grouped by thousands (`100 000 000`,
//!   `250.000.000`). The last rule is the trade-off: a national number written in groups of
//!   three without a leading 0 (`612 345 678`) is not detected unless written with its country
//!   code.
//!
//! Cards are looked for before phones, so that a card number is never half-redacted as a phone.

use regex::Regex;

/// A kind of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PiiKind {
    /// An email address.
    Email,
    /// A payment card number.
    Card,
    /// A phone number.
    Phone,
}

impl PiiKind {
    /// What replaces it in a redacted text.
    pub(crate) const fn placeholder(self) -> &'static str {
        match self {
            Self::Email => "[email]",
            Self::Card => "[card]",
            Self::Phone => "[phone]",
        }
    }

    /// Its name in a sentence shown to the user.
    pub(crate) const fn described(self) -> &'static str {
        match self {
            Self::Email => "an email address",
            Self::Card => "a payment card number",
            Self::Phone => "a phone number",
        }
    }
}

/// What [`PiiRules::redact`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Redaction {
    /// The text with each finding replaced by its placeholder.
    pub(crate) text: String,
    /// The kinds found, in the order they are looked for, each once.
    pub(crate) kinds: Vec<PiiKind>,
}

const EMAIL_PATTERN: &str = r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?)*\.\p{L}{2,}";
const CARD_PATTERN: &str = r"[0-9](?:[ \-]?[0-9]){12,18}";
const PHONE_PATTERN: &str = concat!(
    // International: +country code, then up to six groups.
    r"\+[0-9]{1,3}(?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{1,5})){1,6}",
    // National: a bracketed or separated first group, then two to four groups.
    r"|(?:\([0-9]{2,5}\)[ .\-]?|[0-9]{2,5}[ .\-])[0-9]{2,4}(?:[ .\-][0-9]{2,4}){1,3}",
    // National with a trunk 0 and one separator: 07700 900123.
    r"|0[0-9]{3,4}[ .\-][0-9]{6,7}",
);

/// The fewest and most digits of a phone number.
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 9..=15;
/// The fewest and most digits of a payment card number.
const CARD_DIGITS: std::ops::RangeInclusive<usize> = 13..=19;

/// The compiled personal-data rules.
#[derive(Debug)]
pub(crate) struct PiiRules {
    email: Regex,
    card: Regex,
    phone: Regex,
}

impl PiiRules {
    /// Compiles the rules.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            email: Regex::new(EMAIL_PATTERN)?,
            card: Regex::new(CARD_PATTERN)?,
            phone: Regex::new(PHONE_PATTERN)?,
        })
    }

    /// `text` with every email, card and phone number replaced, or `None` when there is none.
    pub(crate) fn redact(&self, text: &str) -> Option<Redaction> {
        let mut kinds = Vec::new();
        let mut current = text.to_owned();
        for (kind, regex) in [
            (PiiKind::Email, &self.email),
            (PiiKind::Card, &self.card),
            (PiiKind::Phone, &self.phone),
        ] {
            let accept: fn(&str, usize, usize) -> bool = match kind {
                PiiKind::Email => |_: &str, _: usize, _: usize| true,
                PiiKind::Card => is_card,
                PiiKind::Phone => is_phone,
            };
            if let Some(replaced) = replace_accepted(regex, &current, kind.placeholder(), accept) {
                current = replaced;
                kinds.push(kind);
            }
        }
        (!kinds.is_empty()).then_some(Redaction {
            text: current,
            kinds,
        })
    }
}

/// `text` with each match of `regex` that `accept(text, start, end)` takes replaced by
/// `placeholder`, or `None` when none is taken.
fn replace_accepted(
    regex: &Regex,
    text: &str,
    placeholder: &str,
    accept: fn(&str, usize, usize) -> bool,
) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for found in regex.find_iter(text) {
        if accept(text, found.start(), found.end()) {
            out.push_str(&text[copied..found.start()]);
            out.push_str(placeholder);
            copied = found.end();
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The character before byte `start` (a char boundary).
fn before(text: &str, start: usize) -> Option<char> {
    text[..start].chars().next_back()
}

/// The character at byte `end` (a char boundary) and the one after it.
fn after(text: &str, end: usize) -> (Option<char>, Option<char>) {
    let mut rest = text[end..].chars();
    (rest.next(), rest.next())
}

fn digits(candidate: &str) -> impl Iterator<Item = u32> + '_ {
    candidate.chars().filter_map(|c| c.to_digit(10))
}

/// Whether the number goes on past the candidate: a letter or digit right after it, or a
/// separator followed by a digit (`…0100-22`, `…000,50`, `…15 10:30`).
fn continues(text: &str, end: usize) -> bool {
    match after(text, end) {
        (Some(c), _) if c.is_alphanumeric() || c == '_' => true,
        (Some('.' | ',' | '/' | '-' | ':'), Some(next)) => next.is_ascii_digit(),
        _ => false,
    }
}

/// Whether the candidate at `start..end` is a payment card number.
fn is_card(text: &str, start: usize, end: usize) -> bool {
    if let Some(c) = before(text, start)
        && (c.is_alphanumeric() || c == '_' || c == '+')
    {
        return false;
    }
    if continues(text, end) {
        return false;
    }
    let candidate = &text[start..end];
    let digits: Vec<u32> = digits(candidate).collect();
    CARD_DIGITS.contains(&digits.len()) && digits.first() != Some(&0) && luhn_valid(&digits)
}

/// The Luhn checksum over `digits` (most significant first).
pub(crate) fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Whether the candidate at `start..end` is a phone number.
fn is_phone(text: &str, start: usize, end: usize) -> bool {
    let candidate = &text[start..end];
    let international = candidate.starts_with('+');
    if let Some(c) = before(text, start) {
        let glued = c.is_alphanumeric() || c == '_' || c == '+' || is_currency(c);
        // `1.250.000.000`, `12,415 555 0100`: the tail of a longer number; `INV-415-555-0100`,
        // `ref/415 555 0100`: the tail of an identifier.
        let previous = before(text, start - c.len_utf8());
        let tail = match c {
            '.' | ',' => previous.is_some_and(|p| p.is_ascii_digit()),
            '-' | '/' => previous.is_some_and(char::is_alphanumeric),
            _ => false,
        };
        if glued || tail {
            return false;
        }
    }
    if continues(text, end) {
        return false;
    }
    if !PHONE_DIGITS.contains(&digits(candidate).count()) {
        return false;
    }
    international || !looks_like_a_quantity(candidate)
}

fn is_currency(c: char) -> bool {
    matches!(c, '$' | '€' | '£' | '¥' | '₹' | '₩' | '₽' | '¢')
}

/// Whether a national candidate reads as numbers rather than one phone number: digits grouped by
/// thousands (`100 000 000`, `1.250.000`) or a list of years (`2023 2024 2025`).
fn looks_like_a_quantity(candidate: &str) -> bool {
    let groups: Vec<&str> = candidate
        .split(|c: char| !c.is_ascii_digit())
        .filter(|group| !group.is_empty())
        .collect();
    let only_spaces_or_dots = candidate
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '.');
    let thousands = only_spaces_or_dots
        && groups.first().is_some_and(|first| first.len() <= 3)
        && groups.iter().skip(1).all(|group| group.len() == 3);
    let years = groups
        .iter()
        .all(|group| group.len() == 4 && (group.starts_with("19") || group.starts_with("20")));
    thousands || years
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn rules() -> PiiRules {
        PiiRules::new().unwrap()
    }

    fn redacted(text: &str) -> Option<String> {
        rules().redact(text).map(|redaction| redaction.text)
    }

    fn kinds(text: &str) -> Vec<PiiKind> {
        rules()
            .redact(text)
            .map(|redaction| redaction.kinds)
            .unwrap_or_default()
    }

    #[test]
    fn luhn() {
        let digits = |s: &str| digits(s).collect::<Vec<_>>();
        assert!(luhn_valid(&digits("4111111111111111")));
        assert!(luhn_valid(&digits("5555555555554444")));
        assert!(luhn_valid(&digits("378282246310005")));
        assert!(!luhn_valid(&digits("4111111111111112")));
        assert!(!luhn_valid(&digits("1234567812345678")));
        assert!(!luhn_valid(&[]));
    }

    #[test]
    fn emails_are_redacted() {
        assert_eq!(
            redacted("Write to jane.doe+deals@acme-corp.co.uk today").as_deref(),
            Some("Write to [email] today")
        );
        assert_eq!(
            redacted("a@b.io, b@c.io").as_deref(),
            Some("[email], [email]")
        );
        assert_eq!(
            redacted("Contact: josé.müller@beispiel.de.").as_deref(),
            Some("Contact: [email].")
        );
        assert_eq!(kinds("x@y.com"), vec![PiiKind::Email]);
    }

    #[test]
    fn things_that_are_not_emails() {
        for text in [
            "ping @jane on Slack",
            "the deal closed @ 3pm",
            "name@localhost",
            "a @ b . com",
        ] {
            assert_eq!(redacted(text), None, "{text}");
        }
    }

    #[test]
    fn cards_need_a_valid_luhn() {
        assert_eq!(
            redacted("Card 4111 1111 1111 1111 exp 12/27").as_deref(),
            Some("Card [card] exp 12/27")
        );
        assert_eq!(redacted("4111-1111-1111-1111").as_deref(), Some("[card]"));
        assert_eq!(redacted("4111111111111111").as_deref(), Some("[card]"));
        assert_eq!(
            redacted("Amex 3782 822463 10005.").as_deref(),
            Some("Amex [card].")
        );
        assert_eq!(kinds("4111 1111 1111 1111"), vec![PiiKind::Card]);
        for text in [
            "4111 1111 1111 1112",
            "4111111111111112",
            "Order 1234567812345678 shipped",
            "0000 0000 0000 0000",
            "ref AB4111111111111111",
            "4111111111111111111111",
        ] {
            assert_eq!(redacted(text), None, "{text}");
        }
    }

    #[test]
    fn phones_are_redacted() {
        for (text, expected) in [
            ("Call +1 415 555 0100 now", "Call [phone] now"),
            ("Call (415) 555-0100.", "Call [phone]."),
            ("London: +44 20 7946 0958", "London: [phone]"),
            ("+44 (0)20 7946 0958", "[phone]"),
            ("+4915112345678", "[phone]"),
            ("+33 1 23 45 67 89", "[phone]"),
            ("415-555-0100", "[phone]"),
            ("415.555.0100", "[phone]"),
            ("020 7946 0958", "[phone]"),
            ("06 12 34 56 78", "[phone]"),
            ("07700 900123", "[phone]"),
            ("0412 345 678", "[phone]"),
            ("mobile:+1-415-555-0100;", "mobile:[phone];"),
        ] {
            assert_eq!(redacted(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(kinds("(415) 555-0100"), vec![PiiKind::Phone]);
    }

    #[test]
    fn numbers_that_are_not_phones() {
        for text in [
            "Call them on Tuesday at 10",
            "Our price is $15,000 for 500 seats in 2024",
            "2024",
            "4155550100",
            "555-0100",
            "We grew 1.250.000.000 in revenue",
            "a budget of 100 000 000 yen",
            "€ 1 250 000",
            "$415 555 0100",
            "Renewals in 2023 2024 2025",
            "Meeting 2024-06-15 10:30",
            "Invoice INV-415-555-0100",
            "Q3 pipeline: 120 340 560",
            "+15,000 net new",
            "+500 seats",
        ] {
            assert_eq!(redacted(text), None, "{text}");
        }
    }

    #[test]
    fn several_kinds_in_one_text() {
        let redaction = rules()
            .redact("Reach me at jo@x.io or +1 415 555 0100; card 4111 1111 1111 1111.")
            .unwrap();
        assert_eq!(
            redaction.text,
            "Reach me at [email] or [phone]; card [card]."
        );
        assert_eq!(
            redaction.kinds,
            vec![PiiKind::Email, PiiKind::Card, PiiKind::Phone]
        );
    }

    #[test]
    fn multibyte_text_around_findings() {
        assert_eq!(
            redacted("Téléphone : 06 12 34 56 78 — merci 🙂").as_deref(),
            Some("Téléphone : [phone] — merci 🙂")
        );
        assert_eq!(
            redacted("日本語 jane@example.jp 日本語").as_deref(),
            Some("日本語 [email] 日本語")
        );
        assert_eq!(
            redacted("🙂4111 1111 1111 1111🙂").as_deref(),
            Some("🙂[card]🙂")
        );
        assert_eq!(redacted("ünïcödé ½ ٣٤٥ 🙂"), None);
    }
}
