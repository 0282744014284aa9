//! Properties of the codecs: decoding arbitrary bytes never panics; whatever decodes encodes
//! again and decodes to the same message (in its own codec and in every other one that can
//! represent it); MessagePack binaries are slices of the frame, never copies.

use bytes::Bytes;
use zerowamp::transport::rawsocket;
use zerowamp::transport::websocket::{batch_framing, split_batch, Subprotocol};
use zerowamp::wamp::codec::{msgpack, Codec};
use zerowamp::wamp::{Error, Message, Serializer, Value};

/// Decodes `data` as one frame of `codec`; if it is a message, checks [`round_trip`].
pub fn decode_frame(codec: &dyn Codec, data: &[u8]) {
    let frame = Bytes::copy_from_slice(data);
    if let Ok(msg) = codec.decode(frame.clone()) {
        // MessagePack binaries (`bin`) are always slices of the frame; CBOR byte strings are
        // too, except indefinite-length ones, which must be joined. (Checked on the values, since
        // a message may also take a transparent payload from a string, which is owned.)
        if codec.serializer() == Serializer::MsgPack {
            if let Ok(value) = msgpack::decode_value(frame.clone()) {
                assert_binaries_in(&frame, &value);
            }
        }
        round_trip(codec, &msg);
        if !is_roleless_handshake(&msg) {
            across_codecs(&msg);
        }
    }
}

/// autobahn-python writes FlatBuffers HELLO and WELCOME without roles, and our FlatBuffers codec
/// reads them (tests/wamp_flatbuffers.rs); the list-form codecs require roles, as the spec does.
/// That one documented difference is left out of the cross-codec check.
fn is_roleless_handshake(msg: &Message) -> bool {
    match msg {
        Message::Hello(hello) => !hello.details.contains_key("roles"),
        Message::Welcome(welcome) => !welcome.details.contains_key("roles"),
        _ => false,
    }
}

/// Every binary inside `value` points into `frame`: it was not copied on decode.
fn assert_binaries_in(frame: &Bytes, value: &Value) {
    match value {
        Value::Bytes(b) if !b.is_empty() => {
            let range = frame.as_ptr_range();
            let inside = range.contains(&b.as_ptr()) && b.as_ptr_range().end <= range.end;
            assert!(inside, "a binary of {} bytes was copied on decode", b.len());
        }
        Value::List(items) => items.iter().for_each(|v| assert_binaries_in(frame, v)),
        Value::Dict(d) => d.values().for_each(|v| assert_binaries_in(frame, v)),
        _ => {}
    }
}

/// Splits `data` as one WebSocket message of the batched subprotocol of `serializer` and
/// decodes its items; if they are all messages, they frame into one batch again that splits and
/// decodes to the same messages.
pub fn decode_batch(serializer: Serializer, data: &[u8]) {
    let Some(transport_serializer) = rawsocket::Serializer::from_id(serializer.rawsocket_id())
    else {
        return;
    };
    let framing = batch_framing(Subprotocol::batched(transport_serializer));
    let codec = serializer.codec();
    let decode_all = |batch: Bytes| -> Option<Vec<Message>> {
        let items = split_batch(framing, batch).ok()?;
        items
            .into_iter()
            .map(|item| codec.decode(item).ok())
            .collect()
    };
    let Some(messages) = decode_all(Bytes::copy_from_slice(data)) else {
        return;
    };
    let mut batch = Vec::new();
    for msg in &messages {
        let mut one = Vec::new();
        codec
            .encode(msg, &mut one)
            .unwrap_or_else(|e| panic!("{serializer}: a decoded message does not encode: {e}"));
        let (prefix, prefix_len) = framing.prefix(one.len());
        batch.extend_from_slice(&prefix[..prefix_len]);
        batch.extend_from_slice(&one);
        batch.extend_from_slice(framing.suffix());
    }
    let again = decode_all(Bytes::from(batch))
        .unwrap_or_else(|| panic!("{serializer}: our own batch does not split and decode"));
    assert_eq!(
        messages, again,
        "{serializer}: batch round trip changed the messages"
    );
}

/// `msg`, which `codec` decoded, encodes in `codec`; that frame decodes to `msg`, and encoding
/// it again gives the same bytes.
pub fn round_trip(codec: &dyn Codec, msg: &Message) {
    let name = codec.serializer();
    let mut frame = Vec::new();
    codec
        .encode(msg, &mut frame)
        .unwrap_or_else(|e| panic!("{name}: a decoded message does not encode: {e}\n{msg:?}"));
    let again = codec
        .decode(Bytes::from(frame.clone()))
        .unwrap_or_else(|e| panic!("{name}: our own frame does not decode: {e}\n{msg:?}"));
    assert_eq!(*msg, again, "{name}: round trip changed the message");
    let mut second = Vec::new();
    codec
        .encode(&again, &mut second)
        .unwrap_or_else(|e| panic!("{name}: re-encoding failed: {e}"));
    assert_eq!(frame, second, "{name}: encoding is not stable");
}

/// `msg` encodes in every serializer that can represent it and decodes back to itself.
/// MessagePack and CBOR hold every value; the others may refuse one they cannot represent (JSON:
/// NaN, a string starting with NUL), but only with [`Error::Unencodable`] and an untouched output.
pub fn across_codecs(msg: &Message) {
    for serializer in Serializer::ALL {
        let codec = serializer.codec();
        let mut frame = Vec::new();
        match codec.encode(msg, &mut frame) {
            Ok(()) => {
                let again = codec.decode(Bytes::from(frame)).unwrap_or_else(|e| {
                    panic!("{serializer}: our own frame does not decode: {e}\n{msg:?}")
                });
                assert_eq!(*msg, again, "{serializer}: round trip changed the message");
            }
            Err(Error::Unencodable { .. })
                if !matches!(serializer, Serializer::MsgPack | Serializer::Cbor) =>
            {
                assert!(
                    frame.is_empty(),
                    "a failed encode must leave the output as it was"
                );
            }
            Err(e) => panic!("{serializer}: cannot encode a valid message: {e}\n{msg:?}"),
        }
    }
}
