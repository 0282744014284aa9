//! JSON on the command line: arguments and keyword arguments in, payloads out.
//!
//! A payload is printed as one line of JSON: `{"args":[...],"kwargs":{...}}`, both keys always
//! present (binary values in the WAMP JSON convention, a string of NUL + base64). An event
//! adds `"topic"`.

use zerowamp::wamp::codec::json::{decode_value, encode_value};
use zerowamp::wamp::{Dict, List, Payload, Value};

/// A command-line value that is not the JSON it must be.
pub type BadJson = Box<dyn std::error::Error>;

/// Parses one JSON value; `what` names it in the error ("argument 2", "--kwargs").
pub fn parse(what: &str, text: &str) -> Result<Value, BadJson> {
    decode_value(text.as_bytes()).map_err(|e| format!("{what} is not JSON ({text}): {e}").into())
}

/// The positional arguments, one JSON value each.
pub fn parse_args(texts: &[String]) -> Result<List, BadJson> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| parse(&format!("argument {}", i + 1), text))
        .collect()
}

/// The keyword arguments: a JSON object, or none.
pub fn parse_kwargs(text: Option<&str>) -> Result<Dict, BadJson> {
    match text.map(|t| parse("--kwargs", t)).transpose()? {
        None => Ok(Dict::new()),
        Some(Value::Dict(kwargs)) => Ok(kwargs),
        Some(other) => {
            Err(format!("--kwargs must be a JSON object, not {}", other.type_name()).into())
        }
    }
}

/// The payload from the positional JSON arguments and `--kwargs`.
pub fn from_command_line(args: &[String], kwargs: Option<&str>) -> Result<Payload, BadJson> {
    Ok(Payload::new(parse_args(args)?, parse_kwargs(kwargs)?))
}

/// `{"args":[...],"kwargs":{...}}`, with the fields of `extra` first.
pub fn to_json(mut extra: Dict, args: &[Value], kwargs: Option<&Dict>) -> String {
    extra.insert("args".to_owned(), Value::List(args.to_vec()));
    extra.insert(
        "kwargs".to_owned(),
        Value::Dict(kwargs.cloned().unwrap_or_default()),
    );
    let mut out = Vec::new();
    match encode_value(&Value::Dict(extra), &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        // Only a non-finite float cannot be written as JSON; say so rather than lose the line.
        Err(e) => format!("{{\"error\":\"cannot write as JSON: {e}\"}}"),
    }
}

/// A payload as JSON (a transparent payload shows as one binary argument).
pub fn payload_to_json(extra: Dict, payload: &Payload) -> String {
    match payload {
        Payload::Arguments { args, kwargs } => to_json(extra, args, Some(kwargs)),
        Payload::Transparent(bytes) => to_json(extra, &[Value::Bytes(bytes.clone())], None),
    }
}
