//! The dynamic value carried in WAMP Details, Options, Arguments and ArgumentsKw.
//!
//! One type serves every serializer. Binary data is a [`Bytes`]: a decoder hands out a
//! reference-counted slice of the received frame, so a payload is never copied on decode.

use bytes::Bytes;
use indexmap::IndexMap;

/// A WAMP `list`.
pub type List = Vec<Value>;

/// A WAMP `dict`: string keys, kept in the order they arrived (so a decoded message re-encodes to
/// the same bytes). Equality ignores the order.
pub type Dict = IndexMap<String, Value>;

/// A dynamically typed WAMP value.
///
/// Integers: decoders produce [`Value::UInt`] for every non-negative integer and [`Value::Int`]
/// only for negative ones, and the encoders write both the same way (the number, in its smallest
/// form). Equality compares integers by their numeric value, so `Int(5) == UInt(5)`.
///
/// Floats compare by their bits: the equality is total (`NaN == NaN`, `0.0 != -0.0`), which makes
/// `Value` [`Eq`] and makes "decodes to the same value" mean exactly that. A float never equals
/// an integer.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `null` (JSON `null`, msgpack `nil`, CBOR `null`).
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer (decoders use it for negative numbers only).
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A double-precision float.
    Float(f64),
    /// A UTF-8 string.
    Str(String),
    /// Binary data; on decode a slice of the received frame (JSON: the `"\u0000"` + base64
    /// string convention, decoded into a new buffer).
    Bytes(Bytes),
    /// A list.
    List(List),
    /// A dict with string keys.
    Dict(Dict),
}

impl Value {
    /// The name of this value's type as WAMP specs write it, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Bytes(_) => "binary",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }

    /// `true` for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The integer as `u64`, if this is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::UInt(u) => Some(u),
            Value::Int(i) => u64::try_from(i).ok(),
            _ => None,
        }
    }

    /// The integer as `i64`, if this is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    /// The float, if this is one (integers are not converted).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The binary data, if this is binary.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn as_list(&self) -> Option<&List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The dict, if this is one.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (UInt(a), UInt(b)) => a == b,
            (Int(i), UInt(u)) | (UInt(u), Int(i)) => u64::try_from(*i).is_ok_and(|i| i == *u),
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Dict(a), Dict(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    /// Non-negative numbers become [`Value::UInt`], as decoders produce them.
    fn from(i: i64) -> Value {
        match u64::try_from(i) {
            Ok(u) => Value::UInt(u),
            Err(_) => Value::Int(i),
        }
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::from(i64::from(i))
    }
}

impl From<u64> for Value {
    fn from(u: u64) -> Value {
        Value::UInt(u)
    }
}

impl From<u32> for Value {
    fn from(u: u32) -> Value {
        Value::UInt(u64::from(u))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Value {
        Value::Bytes(b)
    }
}

impl From<List> for Value {
    fn from(l: List) -> Value {
        Value::List(l)
    }
}

impl From<Dict> for Value {
    fn from(d: Dict) -> Value {
        Value::Dict(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_compare_by_number() {
        assert_eq!(Value::Int(5), Value::UInt(5));
        assert_ne!(Value::Int(-1), Value::UInt(u64::MAX));
        assert_eq!(Value::from(-3i64), Value::Int(-3));
        assert!(matches!(Value::from(7i64), Value::UInt(7)));
        assert_ne!(Value::UInt(1), Value::Float(1.0));
    }

    #[test]
    fn floats_compare_by_bits() {
        assert_eq!(Value::Float(f64::NAN), Value::Float(f64::NAN));
        assert_ne!(Value::Float(0.0), Value::Float(-0.0));
    }

    #[test]
    fn dict_equality_ignores_order() {
        let mut a = Dict::new();
        a.insert("x".into(), Value::from(1u64));
        a.insert("y".into(), Value::from("z"));
        let mut b = Dict::new();
        b.insert("y".into(), Value::from("z"));
        b.insert("x".into(), Value::from(1u64));
        assert_eq!(Value::Dict(a), Value::Dict(b));
    }

    #[test]
    fn accessors() {
        assert_eq!(Value::Int(-1).as_u64(), None);
        assert_eq!(Value::UInt(u64::MAX).as_i64(), None);
        assert_eq!(Value::UInt(3).as_i64(), Some(3));
        assert_eq!(Value::from("s").as_str(), Some("s"));
        assert_eq!(Value::Null.type_name(), "null");
        assert!(Value::default().is_null());
    }
}
