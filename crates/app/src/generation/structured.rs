//! The structured answers of the generation prompts: the JSON Schemas sent to providers that
//! support them ([`script_schema`], [`email_schema`]), and the parsers that turn a model's
//! text into a [`ScriptDraft`] or an [`EmailDraft`] — or into an [`InvalidOutput`] whose
//! problem goes back to the model in a repair message
//! ([`repair_message`](super::prompts::repair_message)).
//!
//! The parsers are tolerant of what models do around the answer: prose before or after it, a
//! ```` ```json ```` fence, whitespace. They take the first complete top-level JSON object of the
//! text (found with a brace matcher that knows about strings and escapes), then check its keys:
//! the required ones present with the right types, extra ones ignored, texts trimmed, blank
//! list items dropped. Every problem found is reported at once, each as a short sentence that
//! names the key.
//!
//! Personalisation placeholders are written `{{name}}` ([`placeholders`]); any other template
//! marker left in a text (`[Company Name]`, `<insert date>`, `{name}`) is found by
//! [`unfilled_template_syntax`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt;

/// The keys of a script answer, in the order the prompt describes them.
const SCRIPT_KEYS: [&str; 5] = [
    "content",
    "key_talking_points",
    "objection_handlers",
    "discovery_questions",
    "closing_techniques",
];

/// The keys of an email answer, in the order the prompt describes them.
const EMAIL_KEYS: [&str; 4] = [
    "subject",
    "body",
    "call_to_action",
    "personalization_fields",
];

/// The longest template marker [`unfilled_template_syntax`] recognises, in bytes.
const MAX_MARKER_LEN: usize = 80;

/// The JSON Schema (a draft 2020-12 subset: `type`, `properties`, `required`,
/// `additionalProperties`, `items`, `description`) of a script answer:
/// `{content, key_talking_points, objection_handlers, discovery_questions, closing_techniques}`.
#[must_use]
pub fn script_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "content": {
                "type": "string",
                "description": "The full script the sales rep says on the call."
            },
            "key_talking_points": strings("The points the rep must get across."),
            // An array of pairs rather than a map: strict structured-output modes (OpenAI's
            // `strict: true`, Gemini's response schema) accept only closed objects.
            "objection_handlers": {
                "type": "array",
                "description": "Objections the client may raise, each with the rep's response.",
                "items": {
                    "type": "object",
                    "properties": {
                        "objection": {"type": "string"},
                        "response": {"type": "string"}
                    },
                    "required": ["objection", "response"],
                    "additionalProperties": false
                }
            },
            "discovery_questions": strings("Questions that uncover the client's needs."),
            "closing_techniques": strings("Ways to ask for the next step or the deal."),
        },
        "required": SCRIPT_KEYS,
        "additionalProperties": false
    })
}

/// The JSON Schema (the same subset as [`script_schema`]) of an email answer:
/// `{subject, body, call_to_action, personalization_fields}`.
#[must_use]
pub fn email_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "subject": {"type": "string", "description": "The subject line."},
            "body": {"type": "string", "description": "The body of the email."},
            "call_to_action": {
                "type": "string",
                "description": "The one thing the reader is asked to do."
            },
            "personalization_fields": strings(
                "The names of the {{placeholders}} used in the subject and body, without braces."
            ),
        },
        "required": EMAIL_KEYS,
        "additionalProperties": false
    })
}

/// The schema of an array of strings.
fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

/// A sales call script as the model wrote it, checked and normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptDraft {
    /// The script itself (trimmed, never blank).
    pub content: String,
    /// Key talking points.
    pub key_talking_points: Vec<String>,
    /// Objection → response.
    pub objection_handlers: BTreeMap<String, String>,
    /// Questions to ask.
    pub discovery_questions: Vec<String>,
    /// Closing techniques.
    pub closing_techniques: Vec<String>,
}

/// A sales email as the model wrote it, checked and normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDraft {
    /// Subject line (on one line, never blank).
    pub subject: String,
    /// Body (trimmed, never blank).
    pub body: String,
    /// What the reader is asked to do; `None` when the model gave none.
    pub call_to_action: Option<String>,
    /// The names of the placeholders to fill per send: the model's list, then every other
    /// `{{name}}` of the subject, body and call to action, in order of appearance.
    pub personalization_fields: Vec<String>,
}

/// Why a model's answer could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidOutput {
    /// What is wrong, in short sentences naming the keys (sent back to the model).
    pub problem: String,
}

impl InvalidOutput {
    /// An invalid output for `problem`.
    pub fn new(problem: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
        }
    }
}

impl fmt::Display for InvalidOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid model output: {}", self.problem)
    }
}

impl std::error::Error for InvalidOutput {}

/// The script answer in `text`.
///
/// All five keys are required; `objection_handlers` may also come as an array of
/// `{"objection": …, "response": …}` objects.
///
/// # Errors
/// [`InvalidOutput`] when `text` holds no JSON object, or when the first one lacks a key, has
/// one of the wrong type, or has a blank `content`.
pub fn parse_script(text: &str) -> Result<ScriptDraft, InvalidOutput> {
    let object = first_object(text)?;
    let mut problems = Problems::default();
    let content = problems.check(required_text(&object, "content"));
    let key_talking_points = problems.check(string_list(&object, "key_talking_points"));
    let objection_handlers = problems.check(objection_handlers(&object));
    let discovery_questions = problems.check(string_list(&object, "discovery_questions"));
    let closing_techniques = problems.check(string_list(&object, "closing_techniques"));
    problems.finish()?;
    Ok(ScriptDraft {
        content: content.unwrap_or_default(),
        key_talking_points: key_talking_points.unwrap_or_default(),
        objection_handlers: objection_handlers.unwrap_or_default(),
        discovery_questions: discovery_questions.unwrap_or_default(),
        closing_techniques: closing_techniques.unwrap_or_default(),
    })
}

/// The email answer in `text`.
///
/// `subject` and `body` are required and may not be blank (the subject is put on one line).
/// `call_to_action` and `personalization_fields` may be missing or `null`: a blank or absent
/// call to action is `None`, and `personalization_fields` is completed with every placeholder
/// of the subject, body and call to action (braces stripped from the model's names, duplicates
/// dropped, the model's order kept).
///
/// # Errors
/// [`InvalidOutput`] when `text` holds no JSON object, or when the first one lacks `subject`
/// or `body`, has a key of the wrong type, or has a blank subject or body.
pub fn parse_email(text: &str) -> Result<EmailDraft, InvalidOutput> {
    let object = first_object(text)?;
    let mut problems = Problems::default();
    let subject = problems
        .check(required_text(&object, "subject"))
        .map(|subject| subject.split_whitespace().collect::<Vec<_>>().join(" "));
    let body = problems.check(required_text(&object, "body"));
    let call_to_action = problems.check(optional_text(&object, "call_to_action"));
    let listed = problems.check(match object.get("personalization_fields") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => string_list(&object, "personalization_fields"),
    });
    problems.finish()?;
    let (subject, body) = (subject.unwrap_or_default(), body.unwrap_or_default());
    let call_to_action = call_to_action.flatten();
    let mut fields: Vec<String> = Vec::new();
    let found = [subject.as_str(), body.as_str()]
        .into_iter()
        .chain(call_to_action.as_deref())
        .flat_map(placeholders);
    let listed = listed
        .unwrap_or_default()
        .into_iter()
        .map(|name| strip_braces(&name).to_owned());
    for name in listed.chain(found) {
        if !name.is_empty() && !fields.contains(&name) {
            fields.push(name);
        }
    }
    Ok(EmailDraft {
        subject,
        body,
        call_to_action,
        personalization_fields: fields,
    })
}

/// The distinct `{{name}}` placeholders of `text`, in order of first appearance. A name is
/// letters, digits and underscores, with spaces allowed around it inside the braces
/// (`{{ first_name }}` is `first_name`).
#[must_use]
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, inner, _) in double_braces(text) {
        if let Some(name) = placeholder_name(inner)
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_owned());
        }
    }
    names
}

/// The template markers left in `text` that are not declared placeholders, distinct, in order
/// of appearance, as written: `{{x}}` whose name is not in `allowed` (or is not a valid name),
/// bracketed capitalised placeholders (`[Company Name]`, `[DATE]`; not markdown links),
/// `<insert …>`, and single-brace markers (`{first_name}`, which no `{{…}}` substitution fills).
#[must_use]
pub fn unfilled_template_syntax(text: &str, allowed: &[String]) -> Vec<String> {
    let mut found: Vec<(usize, &str)> = Vec::new();
    for (start, inner, end) in double_braces(text) {
        let declared =
            placeholder_name(inner).is_some_and(|name| allowed.iter().any(|a| a == name));
        if !declared {
            found.push((start, &text[start..end]));
        }
    }
    let bytes = text.as_bytes();
    for (start, byte) in bytes.iter().enumerate() {
        let marker = match byte {
            b'[' => bracketed(text, start),
            b'<' => insert_marker(text, start),
            b'{' => single_brace(text, start),
            _ => None,
        };
        if let Some(end) = marker {
            found.push((start, &text[start..end]));
        }
    }
    found.sort_by_key(|(start, _)| *start);
    let mut markers: Vec<String> = Vec::new();
    for (_, marker) in found {
        if !markers.iter().any(|m| m == marker) {
            markers.push(marker.to_owned());
        }
    }
    markers
}

/// Every `{{…}}` of `text` on one line and at most [`MAX_MARKER_LEN`] long: its start, the text
/// between the braces, and its end (exclusive).
fn double_braces(text: &str) -> Vec<(usize, &str, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let start = from + offset;
        let rest = &text[start + 2..];
        let close = rest
            .find("}}")
            .filter(|&close| close + 4 <= MAX_MARKER_LEN && !rest[..close].contains('\n'));
        match close {
            Some(close) if !rest[..close].contains('{') => {
                let end = start + 2 + close + 2;
                spans.push((start, &rest[..close], end));
                from = end;
            }
            // A brace further in (`{{{x}}}`) may start the next candidate.
            _ => from = start + 1,
        }
    }
    spans
}

/// The placeholder name between the braces of `{{inner}}`, when it is one.
fn placeholder_name(inner: &str) -> Option<&str> {
    let name = inner.trim_matches(' ');
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(name)
}

/// A name the model listed, without the braces it may have kept (`{{first_name}}`).
fn strip_braces(name: &str) -> &str {
    name.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
}

/// The end of a `[Capitalised Placeholder]` starting at `start`, not followed by `(` or `[`
/// (a markdown link).
fn bracketed(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start + 1..];
    let close = rest
        .find(']')
        .filter(|&close| close + 2 <= MAX_MARKER_LEN)?;
    let inner = &rest[..close];
    let capitalised = inner.chars().next().is_some_and(char::is_uppercase);
    let plain = inner
        .chars()
        .all(|c| c.is_alphanumeric() || " '’-/&._".contains(c));
    let end = start + 1 + close + 1;
    let link = matches!(text[end..].chars().next(), Some('(' | '['));
    (capitalised && plain && !inner.ends_with(' ') && !link).then_some(end)
}

/// The end of an `<insert …>` starting at `start`.
fn insert_marker(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start + 1..];
    let keyword = rest
        .get(..6)
        .is_some_and(|word| word.eq_ignore_ascii_case("insert"));
    let close = rest
        .find('>')
        .filter(|&close| close + 2 <= MAX_MARKER_LEN)?;
    (keyword && !rest[..close].contains(['\n', '<'])).then_some(start + 1 + close + 1)
}

/// The end of a single-brace `{name}` starting at `start` (neither brace doubled).
fn single_brace(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let doubled = |i: usize| bytes.get(i) == Some(&b'{');
    if (start > 0 && doubled(start - 1)) || doubled(start + 1) {
        return None;
    }
    let rest = &text[start + 1..];
    let close = rest
        .find('}')
        .filter(|&close| close + 2 <= MAX_MARKER_LEN)?;
    let inner = rest[..close].trim_matches(' ');
    let end = start + 1 + close + 1;
    let named = inner
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || " _-.".contains(c));
    (named && bytes.get(end) != Some(&b'}')).then_some(end)
}

/// The first complete top-level JSON object of `text`.
fn first_object(text: &str) -> Result<Map<String, Value>, InvalidOutput> {
    let mut from = 0;
    let mut problem: Option<String> = None;
    while let Some(offset) = text[from..].find('{') {
        let start = from + offset;
        let after = text[start + 1..].trim_start();
        // An object's first token is a key or its closing brace; prose in braces is skipped.
        let looks_like_json = after.starts_with('"') || after.starts_with('}');
        match closing_brace(text, start) {
            Some(end) => {
                match serde_json::from_str::<Value>(&text[start..=end]) {
                    Ok(Value::Object(object)) => return Ok(object),
                    Ok(_) => {}
                    Err(error) => {
                        if looks_like_json && problem.is_none() {
                            problem = Some(format!("the answer is not valid JSON ({error})"));
                        }
                    }
                }
                from = end + 1;
            }
            None if looks_like_json => {
                return Err(InvalidOutput::new(problem.unwrap_or_else(|| {
                    "the JSON object is incomplete: it ends before its closing brace".to_owned()
                })));
            }
            None => from = start + 1,
        }
    }
    Err(InvalidOutput::new(problem.unwrap_or_else(|| {
        "the answer holds no JSON object".to_owned()
    })))
}

/// The index of the `}` that closes the `{` at `start`, skipping braces inside JSON strings.
/// Bytes suffice: braces, quotes and backslashes never occur inside a multi-byte character.
fn closing_brace(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, byte) in text.bytes().enumerate().skip(start) {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// The problems found in an answer, collected so that the model hears of all of them at once.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    /// The value of `result`, or `None` with its problem noted.
    fn check<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.0.push(problem)).ok()
    }

    /// `Ok` when no problem was noted.
    fn finish(self) -> Result<(), InvalidOutput> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(InvalidOutput::new(self.0.join("; ")))
        }
    }
}

/// The trimmed, non-blank string at `key`.
fn required_text(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    match object.get(key) {
        None => Err(format!("`{key}` is missing")),
        Some(Value::String(text)) if text.trim().is_empty() => Err(format!("`{key}` is empty")),
        Some(Value::String(text)) => Ok(text.trim().to_owned()),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

/// The trimmed string at `key`; `None` when it is absent, `null` or blank.
fn optional_text(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim().to_owned()).filter(|t| !t.is_empty())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

/// The array of strings at `key`, items trimmed and blank ones dropped.
fn string_list(object: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    let wrong = || format!("`{key}` must be an array of strings");
    let Some(value) = object.get(key) else {
        return Err(format!("`{key}` is missing"));
    };
    let Value::Array(items) = value else {
        return Err(wrong());
    };
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(item) = item else {
            return Err(wrong());
        };
        let item = item.trim();
        if !item.is_empty() {
            list.push(item.to_owned());
        }
    }
    Ok(list)
}

/// The `objection_handlers`: an object of objection → response strings, or an array of
/// `{"objection", "response"}` objects. Keys and values are trimmed and blank pairs dropped;
/// of a repeated objection the first response is kept.
fn objection_handlers(object: &Map<String, Value>) -> Result<BTreeMap<String, String>, String> {
    const KEY: &str = "objection_handlers";
    let wrong = || {
        format!(
            "`{KEY}` must be an object mapping each objection to a response string \
             (or an array of {{\"objection\", \"response\"}} objects)"
        )
    };
    let pairs: Vec<(&str, &str)> = match object.get(KEY) {
        None => return Err(format!("`{KEY}` is missing")),
        Some(Value::Object(handlers)) => handlers
            .iter()
            .map(|(objection, response)| Some((objection.as_str(), response.as_str()?)))
            .collect::<Option<_>>()
            .ok_or_else(wrong)?,
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let item = item.as_object()?;
                let text = |key: &str| item.get(key).and_then(Value::as_str);
                Some((text("objection")?, text("response")?))
            })
            .collect::<Option<_>>()
            .ok_or_else(wrong)?,
        Some(_) => return Err(wrong()),
    };
    let mut handlers = BTreeMap::new();
    for (objection, response) in pairs {
        let (objection, response) = (objection.trim(), response.trim());
        if !objection.is_empty() && !response.is_empty() {
            handlers
                .entry(objection.to_owned())
                .or_insert_with(|| response.to_owned());
        }
    }
    Ok(handlers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = r#"{"content": "  Hi {{first_name}}, this is Sam.  ",
        "key_talking_points": ["saves time", "  ", " exact cost "],
        "objection_handlers": {"too expensive": "It pays for itself."},
        "discovery_questions": ["How do you report today?"],
        "closing_techniques": ["Ask for a 15-minute demo."]}"#;

    fn script(text: &str) -> ScriptDraft {
        parse_script(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    fn script_problem(text: &str) -> String {
        match parse_script(text) {
            Ok(draft) => panic!("expected an error, got {draft:?}"),
            Err(error) => error.problem,
        }
    }

    fn email(text: &str) -> EmailDraft {
        parse_email(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    fn names(items: &[&str]) -> Vec<String> {
        items.iter().map(|&s| s.to_owned()).collect()
    }

    #[test]
    fn a_clean_object_is_parsed_and_normalised() {
        let draft = script(SCRIPT);
        assert_eq!(draft.content, "Hi {{first_name}}, this is Sam.");
        assert_eq!(draft.key_talking_points, ["saves time", "exact cost"]);
        assert_eq!(
            draft
                .objection_handlers
                .get("too expensive")
                .map(String::as_str),
            Some("It pays for itself.")
        );
        assert_eq!(draft.discovery_questions, ["How do you report today?"]);
        assert_eq!(draft.closing_techniques, ["Ask for a 15-minute demo."]);
    }

    #[test]
    fn prose_and_a_fence_around_the_object_are_ignored() {
        let text =
            format!("Sure! Here is the script:\n\n```json\n{SCRIPT}\n```\n\nGood luck {{sic}}!");
        assert_eq!(script(&text), script(SCRIPT));
        let braces_in_prose = format!("I used {{braces}} and {{ here. {SCRIPT}");
        assert_eq!(script(&braces_in_prose), script(SCRIPT));
    }

    #[test]
    fn braces_and_escapes_inside_strings_do_not_end_the_object() {
        let text = r#"{"content": "Say \"}\" then {{first_name}} { and } \\", "key_talking_points": ["a}b"],
            "objection_handlers": {}, "discovery_questions": [], "closing_techniques": []} trailing }"#;
        let draft = script(text);
        assert_eq!(draft.content, r#"Say "}" then {{first_name}} { and } \"#);
        assert_eq!(draft.key_talking_points, ["a}b"]);
    }

    #[test]
    fn missing_keys_wrong_types_and_blank_content_are_named() {
        let missing = script_problem(
            r#"{"key_talking_points": [], "objection_handlers": {}, "discovery_questions": [],
                "closing_techniques": []}"#,
        );
        assert_eq!(missing, "`content` is missing");
        let wrong = script_problem(
            r#"{"content": "x", "key_talking_points": "one", "objection_handlers": {},
                "discovery_questions": [1], "closing_techniques": []}"#,
        );
        assert_eq!(
            wrong,
            "`key_talking_points` must be an array of strings; \
             `discovery_questions` must be an array of strings"
        );
        let blank = script_problem(
            r#"{"content": " \n ", "key_talking_points": [], "objection_handlers": {},
                "discovery_questions": [], "closing_techniques": []}"#,
        );
        assert_eq!(blank, "`content` is empty");
        let handlers = script_problem(
            r#"{"content": "x", "key_talking_points": [], "objection_handlers": {"price": 3},
                "discovery_questions": [], "closing_techniques": []}"#,
        );
        assert!(
            handlers.starts_with("`objection_handlers` must be an object"),
            "{handlers}"
        );
        let not_string = script_problem(
            r#"{"content": 5, "key_talking_points": [], "objection_handlers": {},
                "discovery_questions": [], "closing_techniques": []}"#,
        );
        assert_eq!(not_string, "`content` must be a string");
    }

    #[test]
    fn extra_keys_are_ignored() {
        let text = SCRIPT.replacen('{', r#"{"title": "x", "notes": [1, 2], "#, 1);
        assert_eq!(script(&text), script(SCRIPT));
    }

    #[test]
    fn objection_handlers_may_come_as_an_array_of_objects() {
        let text = r#"{"content": "x", "key_talking_points": [], "discovery_questions": [],
            "closing_techniques": [], "objection_handlers": [
                {"objection": " too expensive ", "response": "It pays for itself."},
                {"objection": "no time", "response": "Setup takes ten minutes."},
                {"objection": "too expensive", "response": "ignored: the first one wins"},
                {"objection": "", "response": "dropped"}]}"#;
        let handlers = script(text).objection_handlers;
        assert_eq!(handlers.len(), 2);
        assert_eq!(
            handlers.get("too expensive").map(String::as_str),
            Some("It pays for itself.")
        );
        let wrong = script_problem(&text.replace("\"response\": \"Setup", "\"answer\": \"Setup"));
        assert!(wrong.starts_with("`objection_handlers` must be"), "{wrong}");
    }

    #[test]
    fn of_two_objects_the_first_wins() {
        let second = SCRIPT.replace("Hi {{first_name}}", "Second");
        let draft = script(&format!("{SCRIPT}\n{second}"));
        assert_eq!(draft.content, "Hi {{first_name}}, this is Sam.");
    }

    #[test]
    fn garbage_and_broken_json_are_errors() {
        assert_eq!(
            script_problem("I cannot help with that."),
            "the answer holds no JSON object"
        );
        assert_eq!(script_problem(""), "the answer holds no JSON object");
        assert!(script_problem("[1, 2, 3]").contains("no JSON object"));
        let trailing_comma = script_problem(r#"{"content": "x",}"#);
        assert!(
            trailing_comma.starts_with("the answer is not valid JSON"),
            "{trailing_comma}"
        );
        let cut = script_problem(r#"{"content": "x", "objection_handlers": {"a": "b"}, "key"#);
        assert!(cut.contains("incomplete"), "{cut}");
    }

    #[test]
    fn unicode_survives_parsing_and_placeholders() {
        let text = r#"Voilà : {"content": "Bonjour {{ prénom }}, ça va ? 🚀 日本", "key_talking_points": ["économies"],
            "objection_handlers": {"trop cher": "Ça se rembourse."}, "discovery_questions": [],
            "closing_techniques": []} — fin"#;
        let draft = script(text);
        assert_eq!(draft.content, "Bonjour {{ prénom }}, ça va ? 🚀 日本");
        assert_eq!(placeholders(&draft.content), ["prénom"]);
        assert_eq!(
            unfilled_template_syntax("Grüße an [Größe Firma] ✓ {{ prénom }}", &names(&["prénom"])),
            ["[Größe Firma]"]
        );
    }

    #[test]
    fn email_placeholders_are_merged_into_the_personalization_fields() {
        let draft = email(
            r#"```json
            {"subject": "  {{company}}:\n faster reports ", "body": "Hi {{ first_name }},\n\nSee {{company}} and {{meeting_link}}.",
             "call_to_action": "Book at {{calendar_url}}",
             "personalization_fields": ["{{meeting_link}}", "sender_name", " ", "meeting_link"]}
            ```"#,
        );
        assert_eq!(draft.subject, "{{company}}: faster reports");
        assert_eq!(
            draft.personalization_fields,
            [
                "meeting_link",
                "sender_name",
                "company",
                "first_name",
                "calendar_url"
            ]
        );
        assert_eq!(
            draft.call_to_action.as_deref(),
            Some("Book at {{calendar_url}}")
        );
    }

    #[test]
    fn an_email_needs_subject_and_body_but_not_a_call_to_action() {
        let draft = email(r#"{"subject": "Hi", "body": "Hello.", "call_to_action": "  "}"#);
        assert_eq!(draft.call_to_action, None);
        assert!(draft.personalization_fields.is_empty());
        let problem = parse_email(r#"{"body": " ", "call_to_action": 1}"#).map_err(|e| e.problem);
        assert_eq!(
            problem,
            Err(String::from(
                "`subject` is missing; `body` is empty; `call_to_action` must be a string"
            ))
        );
        let fields = parse_email(r#"{"subject": "a", "body": "b", "personalization_fields": "x"}"#)
            .map_err(|e| e.problem);
        assert_eq!(
            fields,
            Err(String::from(
                "`personalization_fields` must be an array of strings"
            ))
        );
    }

    #[test]
    fn placeholders_are_distinct_and_in_order() {
        let text = "{{ first_name }} {{company}} {{first_name}} {{bad name}} {{}} { {x} } {{{ y }}} {{a-b}}";
        assert_eq!(placeholders(text), ["first_name", "company", "y"]);
        assert!(placeholders("no placeholders {here}").is_empty());
    }

    #[test]
    fn unfilled_template_syntax_finds_leftover_markers() {
        let allowed = names(&["first_name"]);
        let text = "Hi {{first_name}} from [Company Name], see {{ company }} on <insert date> \
                    or {product_name}. [Company Name] again, [YOUR NAME], {{Your Name}}.";
        assert_eq!(
            unfilled_template_syntax(text, &allowed),
            [
                "[Company Name]",
                "{{ company }}",
                "<insert date>",
                "{product_name}",
                "[YOUR NAME]",
                "{{Your Name}}"
            ]
        );
    }

    #[test]
    fn ordinary_text_is_not_template_syntax() {
        let allowed = names(&["first_name", "company"]);
        for text in [
            "Hi {{first_name}} at {{ company }}.",
            "See [our pricing](https://acme.test/pricing) and [the docs][1].",
            "[Book a demo](https://acme.test/demo) or [Read More][docs].",
            "Footnote [1], a checkbox [ ] or [x], a note [sic].",
            "Use <b>bold</b>, 3 < 4 > 2, and an arrow ->.",
            "Code like fn f() { 1 } or {} or { } or {1}.",
            "A sentence [with a lowercase aside].",
        ] {
            assert_eq!(
                unfilled_template_syntax(text, &allowed),
                Vec::<String>::new(),
                "{text}"
            );
        }
    }

    #[test]
    fn the_schemas_require_the_drafts_keys() {
        for (schema, keys) in [
            (script_schema(), &SCRIPT_KEYS[..]),
            (email_schema(), &EMAIL_KEYS[..]),
        ] {
            assert_eq!(schema["required"], json!(keys));
            assert_eq!(schema["additionalProperties"], json!(false));
            let properties = schema["properties"].as_object().map(|p| p.len());
            assert_eq!(properties, Some(keys.len()));
        }
        // Closed objects only, as strict structured-output modes require.
        let handlers = &script_schema()["properties"]["objection_handlers"];
        assert_eq!(handlers["type"], "array");
        assert_eq!(handlers["items"]["additionalProperties"], json!(false));
        assert_eq!(
            handlers["items"]["required"],
            json!(["objection", "response"])
        );
        let draft = script(SCRIPT);
        let round_trip = serde_json::to_string(&draft).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(script(&round_trip), draft);
    }
}
