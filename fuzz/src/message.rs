//! Messages in the generic list form built straight from fuzzer input (see [`crate::values`]):
//! [`Message::from_list`] validates any list without panicking, and a message it accepts
//! converts back to a list that gives the same message, and survives every codec.

use crate::codec::across_codecs;
use crate::values::{write_value, Source};
use zerowamp::wamp::{List, Message, Value};

/// Every message code we know, plus the provisional EVENT_RECEIVED code and a few unknown ones.
const CODES: &[u64] = &[
    1, 2, 3, 4, 5, 6, 8, 16, 17, 32, 33, 34, 35, 36, 37, 337, 48, 49, 50, 64, 65, 66, 67, 68, 69,
    70, 0, 7, 71, 1000,
];

/// Reads a message list: a code (a byte below 0x80 indexes [`CODES`]; otherwise any value
/// follows), then an element count byte and that many values.
pub fn read_list(src: &mut Source<'_>) -> List {
    let first = src.byte();
    let code = if first < 0x80 {
        Value::UInt(CODES[usize::from(first) % CODES.len()])
    } else {
        src.value()
    };
    let count = src.byte();
    let mut list = vec![code];
    for _ in 0..count {
        if src.is_empty() {
            break;
        }
        list.push(src.value());
    }
    list
}

/// Writes `msg` in the form [`read_list`] reads.
pub fn write_message(msg: &Message, out: &mut Vec<u8>) {
    let list = msg.to_list();
    let code = u64::from(msg.message_type().code());
    match CODES.iter().position(|&c| c == code) {
        Some(i) => out.push(i as u8),
        None => {
            out.push(0x80);
            write_value(&Value::UInt(code), out);
        }
    }
    let rest = &list[1..];
    out.push(rest.len().min(255) as u8);
    for v in rest.iter().take(255) {
        write_value(v, out);
    }
}

/// The property for the `message_list` target.
pub fn from_list(data: &[u8]) {
    let list = read_list(&mut Source::new(data));
    let Ok(msg) = Message::from_list(list) else {
        return;
    };
    let again = Message::from_list(msg.to_list())
        .unwrap_or_else(|e| panic!("to_list of a valid message is invalid: {e}\n{msg:?}"));
    assert_eq!(msg, again, "from_list(to_list(m)) != m");
    across_codecs(&msg);
}
