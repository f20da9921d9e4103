//! A value that satisfies a JSON schema, for replies that answer whatever structured output a
//! request asks for ([`Reply::matching_schema`](crate::Reply::matching_schema)): every
//! property of an object (required or not), at least `minItems` (and one) items per array, the
//! first value of an `enum`, and strings of readable words at least `minLength` long. `$ref`
//! into `$defs` / `definitions` is followed; `anyOf` / `oneOf` take their first non-null
//! branch.

use serde_json::{Map, Value, json};

/// How deep nested schemas are followed (a recursive `$ref` stops there with `null`).
const MAX_DEPTH: usize = 16;

/// The schema a request asks the answer to follow: OpenAI's
/// `response_format.json_schema.schema` or Gemini's `generationConfig.responseSchema`.
pub(crate) fn requested_schema(body: &Value) -> Option<&Value> {
    body.pointer("/response_format/json_schema/schema")
        .or_else(|| body.pointer("/generationConfig/responseSchema"))
        .filter(|schema| schema.is_object())
}

/// A value of `schema`; strings say what they are (`"the subject, written by the fake model"`).
pub(crate) fn instance(schema: &Value) -> Value {
    build(schema, schema, "value", 0)
}

fn build(schema: &Value, root: &Value, name: &str, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return resolve(reference, root)
            .map_or(Value::Null, |target| build(target, root, name, depth + 1));
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let branch = branches
                .iter()
                .find(|branch| branch.get("type").and_then(Value::as_str) != Some("null"));
            if let Some(branch) = branch {
                return build(branch, root, name, depth + 1);
            }
        }
    }
    match type_of(schema) {
        "object" => {
            let mut object = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    object.insert(key.clone(), build(property, root, key, depth + 1));
                }
            }
            Value::Object(object)
        }
        "array" => {
            let count = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 3);
            let items = schema.get("items").unwrap_or(&Value::Null);
            let singular = name.strip_suffix('s').unwrap_or(name);
            Value::Array(
                (1..=count)
                    .map(|index| build(items, root, &format!("{singular} {index}"), depth + 1))
                    .collect(),
            )
        }
        "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
        "boolean" => Value::Bool(true),
        "null" => Value::Null,
        _ => Value::String(text(name, schema)),
    }
}

/// The schema's type: its `type` (the first non-null one of a list), or what its keywords imply.
fn type_of(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(kind)) => kind,
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => "string",
    }
}

/// Follows a local `$ref` (`#/$defs/Name`, `#/definitions/Name`).
fn resolve<'a>(reference: &str, root: &'a Value) -> Option<&'a Value> {
    reference
        .strip_prefix('#')
        .and_then(|pointer| root.pointer(pointer))
}

/// A readable string naming the field, padded to the schema's `minLength` and cut at its
/// `maxLength`.
fn text(name: &str, schema: &Value) -> String {
    let field = name.replace('_', " ");
    let mut text = format!("The {field}, written by the fake model.");
    let min = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    while text.chars().count() < min {
        text.push_str(" More words.");
    }
    if let Some(max) = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
    {
        text = text.chars().take(max).collect();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{instance, requested_schema};
    use serde_json::json;

    #[test]
    fn objects_get_every_property_and_arrays_their_minimum() {
        let schema = json!({
            "type": "object",
            "properties": {
                "subject": {"type": "string", "minLength": 60},
                "tone": {"type": "string", "enum": ["warm", "formal"]},
                "points": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "handlers": {"type": "array", "items": {"$ref": "#/$defs/Handler"}},
                "note": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]},
            },
            "$defs": {"Handler": {"type": "object", "properties": {"objection": {"type": "string"}}}},
        });
        let value = instance(&schema);
        assert!(
            value["subject"]
                .as_str()
                .is_some_and(|s| s.chars().count() >= 60)
        );
        assert_eq!(value["tone"], "warm");
        assert_eq!(value["points"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            value["handlers"][0]["objection"],
            "The objection, written by the fake model."
        );
        assert_eq!(value["note"], 3);
    }

    #[test]
    fn the_schema_is_found_in_openai_and_gemini_requests() {
        let schema = json!({"type": "object"});
        let openai =
            json!({"response_format": {"type": "json_schema", "json_schema": {"schema": schema}}});
        let gemini = json!({"generationConfig": {"responseSchema": schema}});
        assert_eq!(requested_schema(&openai), Some(&schema));
        assert_eq!(requested_schema(&gemini), Some(&schema));
        assert_eq!(requested_schema(&json!({"messages": []})), None);
    }
}
