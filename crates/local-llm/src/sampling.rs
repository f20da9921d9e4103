//! The sampler chain of a request: the grammar of its response schema (or of any JSON object in
//! JSON mode), a light repetition penalty, then greedy or seeded top-k / top-p / min-p sampling.

use hellosales_domain::ports::ChatRequest;
use llama_cpp_2::json_schema_to_grammar;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use serde_json::Value;

/// The temperature when a request sets none.
const DEFAULT_TEMPERATURE: f32 = 0.5;
/// Recent tokens the repetition penalty looks at.
const PENALTY_LAST_N: i32 = 64;
/// The repetition penalty; small models loop without one.
const PENALTY_REPEAT: f32 = 1.1;

/// The GBNF grammar a request's output must follow, when it asks for structured output.
///
/// # Errors
/// The schema uses something llama.cpp's converter cannot express.
pub fn grammar_for(request: &ChatRequest) -> Result<Option<String>, String> {
    let schema = match (&request.response_schema, request.json_mode) {
        (Some(schema), _) => {
            let mut schema = schema.clone();
            require_content(&mut schema);
            schema.to_string()
        }
        (None, true) => r#"{"type":"object"}"#.to_owned(),
        (None, false) => return Ok(None),
    };
    json_schema_to_grammar(&schema)
        .map(Some)
        .map_err(|error| format!("the response schema cannot be turned into a grammar: {error}"))
}

/// Asks for at least one character in every string and one item in every array that does not
/// say otherwise. A small model under a grammar otherwise often closes a field at once (`""`,
/// `[]`): valid JSON, but an empty subject or script is not an answer.
fn require_content(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            match object.get("type").and_then(Value::as_str) {
                Some("string") if !object.contains_key("enum") => {
                    object.entry("minLength").or_insert(Value::from(1));
                }
                Some("array") => {
                    object.entry("minItems").or_insert(Value::from(1));
                }
                _ => {}
            }
            for value in object.values_mut() {
                require_content(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(require_content),
        _ => {}
    }
}

/// The sampler chain for one generation.
///
/// # Errors
/// llama.cpp rejected the grammar.
pub fn sampler_chain(
    model: &LlamaModel,
    grammar: Option<&str>,
    temperature: Option<f32>,
    seed: u32,
) -> Result<LlamaSampler, String> {
    let mut samplers = Vec::with_capacity(7);
    if let Some(grammar) = grammar {
        samplers.push(
            LlamaSampler::grammar(model, grammar, "root")
                .map_err(|error| format!("llama.cpp rejected the grammar: {error}"))?,
        );
    }
    samplers.push(LlamaSampler::penalties(
        model.n_vocab(),
        PENALTY_LAST_N,
        PENALTY_REPEAT,
        0.0,
        0.0,
    ));
    let temperature = temperature.unwrap_or(DEFAULT_TEMPERATURE);
    if temperature <= 0.0 {
        samplers.push(LlamaSampler::greedy());
    } else {
        samplers.extend([
            LlamaSampler::top_k(40),
            LlamaSampler::top_p(0.95, 1),
            LlamaSampler::min_p(0.05, 1),
            LlamaSampler::temp(temperature),
            LlamaSampler::dist(seed),
        ]);
    }
    Ok(LlamaSampler::chain_simple(samplers))
}

/// Which tokens close a JSON document's open parts, by where the decoder is.
#[derive(Debug, Default)]
pub struct ClosingTokens {
    /// Inside a string: `"` followed only by `]`, `}` and whitespace (the string ends first).
    pub in_string: Vec<bool>,
    /// Between values: runs of `]` and `}` with optional whitespace.
    pub outside: Vec<bool>,
}

impl ClosingTokens {
    /// The closing tokens of `model`'s vocabulary, indexed by token id.
    pub fn of(model: &LlamaModel) -> Self {
        let size = usize::try_from(model.n_vocab()).unwrap_or(0);
        let mut closing = Self {
            in_string: vec![false; size],
            outside: vec![false; size],
        };
        let closer = |b: &u8| matches!(b, b']' | b'}' | b' ' | b'\n');
        for (token, bytes) in model.tokens(false) {
            let Some(slot) = usize::try_from(token.0).ok().filter(|&id| id < size) else {
                continue;
            };
            if let [b'"', rest @ ..] = bytes.as_slice() {
                closing.in_string[slot] = rest.iter().all(closer);
            } else if bytes.iter().any(|b| matches!(b, b']' | b'}')) {
                closing.outside[slot] = bytes.iter().all(closer);
            }
        }
        closing
    }

    /// Whether `token` closes something in the given position.
    pub fn closes(&self, token: LlamaToken, in_string: bool) -> bool {
        let set = if in_string {
            &self.in_string
        } else {
            &self.outside
        };
        usize::try_from(token.0)
            .ok()
            .and_then(|id| set.get(id))
            .copied()
            .unwrap_or(false)
    }
}

/// Follows generated JSON text far enough to know whether it is inside a string.
#[derive(Debug, Default)]
pub struct JsonCursor {
    in_string: bool,
    escaped: bool,
}

impl JsonCursor {
    /// Reads more of the text.
    pub fn advance(&mut self, text: &str) {
        for byte in text.bytes() {
            if self.in_string {
                match (self.escaped, byte) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
            } else if byte == b'"' {
                self.in_string = true;
            }
        }
    }

    /// Whether the text so far ends inside a string.
    pub fn in_string(&self) -> bool {
        self.in_string
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_schema_becomes_a_grammar_naming_its_properties() {
        let request = ChatRequest {
            response_schema: Some(json!({
                "type": "object",
                "properties": {"subject": {"type": "string"}},
                "required": ["subject"],
                "additionalProperties": false
            })),
            ..ChatRequest::default()
        };
        let grammar = grammar_for(&request).ok().flatten().unwrap_or_default();
        assert!(grammar.contains("root ::="), "{grammar}");
        assert!(grammar.contains("subject"), "{grammar}");
    }

    #[test]
    fn strings_and_arrays_must_not_be_empty_unless_the_schema_says_so() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 0}},
                "kind": {"type": "string", "enum": ["a", "b"]}
            }
        });
        require_content(&mut schema);
        assert_eq!(schema["properties"]["subject"]["minLength"], 1);
        assert_eq!(schema["properties"]["tags"]["minItems"], 1);
        assert_eq!(schema["properties"]["tags"]["items"]["minLength"], 0);
        assert!(schema["properties"]["kind"].get("minLength").is_none());
    }

    #[test]
    fn json_mode_without_a_schema_asks_for_an_object() {
        let request = ChatRequest {
            json_mode: true,
            ..ChatRequest::default()
        };
        let grammar = grammar_for(&request).ok().flatten().unwrap_or_default();
        assert!(grammar.contains("root ::= object"), "{grammar}");
    }

    #[test]
    fn the_cursor_knows_when_it_is_inside_a_string() {
        let mut cursor = JsonCursor::default();
        cursor.advance(r#"{"a": "x \" ] } y"#);
        assert!(cursor.in_string());
        cursor.advance(r#"", "b": ["#);
        assert!(!cursor.in_string());
        cursor.advance(r#""\\"#);
        assert!(cursor.in_string());
        cursor.advance(r#"""#);
        assert!(!cursor.in_string());
    }

    #[test]
    fn plain_requests_have_no_grammar() {
        assert_eq!(grammar_for(&ChatRequest::default()), Ok(None));
    }
}
