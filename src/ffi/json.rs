//! JSON text for C: arguments in (`zw_payload.args_json` / `kwargs_json`), arguments and
//! details out (`zw_message_*_json`).
//!
//! This is plain JSON, not the WAMP JSON serializer's convention: a string is always a string
//! (binary goes out as `ZW_PAYLOAD_BINARY`), and a binary value received renders as
//! `{"$bytes":"<base64>"}`. A float that JSON cannot write (NaN, infinity) renders as `null`.

use std::fmt::Write;

use base64::Engine;

use super::error::{fail, zw_result};
use crate::wamp::{Dict, Value};

/// Parses `text`, the JSON argument `field` of `function`; the error names the field and the
/// line and column.
pub(crate) fn parse(function: &str, field: &str, text: &str) -> Result<Value, zw_result> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("{function}: `{field}` is not valid JSON: {e}"),
        )
    })?;
    Ok(from_json(json))
}

fn from_json(json: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Value::UInt(u),
            (None, Some(i)) => Value::Int(i),
            // Neither integer form: a float (serde_json gives one for every other number).
            (None, None) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::Str(s),
        J::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        J::Object(map) => Value::Dict(map.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

/// `values` as a JSON array.
pub(crate) fn render_list(values: &[Value]) -> String {
    let mut out = String::new();
    write_list(&mut out, values);
    out
}

/// `dict` as a JSON object.
pub(crate) fn render_dict(dict: &Dict) -> String {
    let mut out = String::new();
    write_dict(&mut out, dict);
    out
}

fn write_list(out: &mut String, values: &[Value]) {
    out.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(out, value);
    }
    out.push(']');
}

fn write_dict(out: &mut String, dict: &Dict) {
    out.push('{');
    for (i, (key, value)) in dict.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, key);
        out.push(':');
        write_value(out, value);
    }
    out.push('}');
}

fn write_str(out: &mut String, s: &str) {
    // serde_json escapes quotes, backslashes and control characters (NUL included, so the
    // text never holds a NUL and can be handed to C as a C string).
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("null"),
    }
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        },
        Value::Str(s) => write_str(out, s),
        Value::Bytes(b) => {
            out.push_str("{\"$bytes\":\"");
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push_str("\"}");
        }
        Value::List(items) => write_list(out, items),
        Value::Dict(dict) => write_dict(out, dict),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn round_trips_and_renders_binary_as_base64() {
        let value = parse(
            "f",
            "x",
            r#"[1, -2, 2.5, "a\u0000b", null, true, {"k": [ ]}]"#,
        )
        .unwrap();
        let Value::List(items) = &value else {
            panic!("not a list: {value:?}")
        };
        assert_eq!(items[0], Value::UInt(1));
        assert_eq!(items[1], Value::Int(-2));
        assert_eq!(items[3], Value::Str("a\0b".into()));
        assert_eq!(
            render_list(items),
            r#"[1,-2,2.5,"a\u0000b",null,true,{"k":[]}]"#
        );
        let binary = [
            Value::Bytes(Bytes::from_static(b"\x00\xff")),
            Value::Float(f64::NAN),
        ];
        assert_eq!(render_list(&binary), r#"[{"$bytes":"AP8="},null]"#);
    }

    #[test]
    fn bad_json_names_the_field_and_the_place() {
        assert_eq!(
            parse("zw_call", "payload->args_json", "[1,\n 2,,]"),
            Err(zw_result::ZW_ERR_INVALID_ARGUMENT)
        );
        let message = super::super::error::last_error_string();
        assert!(message.contains("payload->args_json"), "{message}");
        assert!(message.contains("line 2"), "{message}");
    }
}
