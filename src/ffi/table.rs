//! `zw_table`: a named table of an environment, with its key codec and value type.

use std::ffi::c_char;

use super::args::{arg_array, arg_bytes, arg_ref, arg_str, Out};
use super::env::zw_env;
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use super::slice::zw_slice;
use super::txn::zw_txn;
use crate::store::{Key, KeyCodec, Table, TableOptions, ValueType};

/// A table handle. Thread-safe and cheap: open it once and use it from any thread, in any
/// transaction of its environment.
pub struct zw_table {
    pub(crate) table: Table,
}

/// Keys are unsigned 64-bit integers, stored as 8 bytes big-endian (so they sort numerically).
pub const ZW_KEY_U64: u32 = 1;
/// Keys are UUIDs: 16 bytes.
pub const ZW_KEY_UUID: u32 = 2;
/// Keys are UTF-8 strings (without a NUL).
pub const ZW_KEY_STRING: u32 = 3;
/// Keys are raw bytes, 1 to 511 of them.
pub const ZW_KEY_BYTES: u32 = 4;
/// Keys are tuples of the codecs listed in `key_parts` (see docs/c-api.md for the byte layout).
pub const ZW_KEY_COMPOSITE: u32 = 5;

/// Options for `zw_table_open`. Fill it with `zw_table_options_init` first, then change fields.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zw_table_options {
    /// One of `ZW_KEY_*`.
    pub key_codec: u32,
    /// With `ZW_KEY_COMPOSITE`: the codec of each part, in order (none of them composite).
    /// Read only during `zw_table_open`.
    pub key_parts: *const u32,
    /// The number of entries in `key_parts`.
    pub key_parts_len: usize,
    /// The fully qualified FlatBuffers root type of the values (such as
    /// `"zerowamp.sample.Record"`) from a schema registered with `zw_env_register_schema`; every
    /// put is verified against it. NULL: values are raw bytes, not verified.
    pub root_type: *const c_char,
    /// Create the table when it does not exist (needs a writable environment).
    pub create: bool,
}

fn simple_codec(code: u32) -> Option<KeyCodec> {
    match code {
        ZW_KEY_U64 => Some(KeyCodec::U64),
        ZW_KEY_UUID => Some(KeyCodec::Uuid),
        ZW_KEY_STRING => Some(KeyCodec::Str),
        ZW_KEY_BYTES => Some(KeyCodec::Bytes),
        _ => None,
    }
}

fn key_codec_from_c(opts: &zw_table_options) -> Result<KeyCodec, zw_result> {
    let invalid = |what: String| {
        fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("zw_table_open: {what}"),
        )
    };
    if opts.key_codec != ZW_KEY_COMPOSITE {
        return simple_codec(opts.key_codec).ok_or_else(|| {
            invalid(format!(
                "key_codec {} is not one of ZW_KEY_*",
                opts.key_codec
            ))
        });
    }
    if opts.key_parts_len == 0 {
        return Err(invalid("ZW_KEY_COMPOSITE needs key_parts_len > 0".into()));
    }
    let parts = arg_array(
        "zw_table_open",
        "opts->key_parts",
        opts.key_parts,
        opts.key_parts_len,
    )?;
    let codecs = parts
        .iter()
        .enumerate()
        .map(|(i, &code)| {
            simple_codec(code).ok_or_else(|| {
                invalid(format!(
                    "key_parts[{i}] = {code} is not a simple ZW_KEY_* codec"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(KeyCodec::Composite(codecs))
}

/// Fills `*opts` with the defaults: raw-byte keys, raw-byte values, create if missing.
#[no_mangle]
pub extern "C" fn zw_table_options_init(opts: *mut zw_table_options) -> zw_result {
    boundary_result(|| {
        Out::new("zw_table_options_init", "opts", opts)?.set(zw_table_options {
            key_codec: ZW_KEY_BYTES,
            key_parts: std::ptr::null(),
            key_parts_len: 0,
            root_type: std::ptr::null(),
            create: true,
        });
        Ok(())
    })
}

/// Opens the table `name` of `env`, creating it if `opts->create` is set and it is missing.
///
/// `opts` may be NULL for the defaults. The table remembers its key codec, value type and schema
/// in the environment: reopening it with another codec or value type is refused
/// (`ZW_ERR_SCHEMA_INCOMPATIBLE`), and with a changed schema an evolution check runs — a change old
/// records cannot be read with gives `ZW_ERR_SCHEMA_INCOMPATIBLE`, naming the field. On success
/// `*out` is a new handle the caller owns and frees with `zw_table_free`; it keeps no pointer to
/// `name` or `opts`.
#[no_mangle]
pub extern "C" fn zw_table_open(
    env: *const zw_env,
    name: *const c_char,
    opts: *const zw_table_options,
    out: *mut *mut zw_table,
) -> zw_result {
    boundary_result(|| {
        let env = &arg_ref("zw_table_open", "env", env)?.env;
        let name = arg_str("zw_table_open", "name", name)?;
        let out = Out::new("zw_table_open", "out", out)?;
        let options = match unsafe { opts.as_ref() } {
            None => TableOptions {
                key: KeyCodec::Bytes,
                value: ValueType::Raw,
                create: true,
            },
            Some(opts) => TableOptions {
                key: key_codec_from_c(opts)?,
                value: if opts.root_type.is_null() {
                    ValueType::Raw
                } else {
                    let root_type = arg_str("zw_table_open", "opts->root_type", opts.root_type)?;
                    ValueType::FlatBuffer {
                        root_type: root_type.to_string(),
                    }
                },
                create: opts.create,
            },
        };
        let table = env.open_table(name, &options)?;
        out.set(Box::into_raw(Box::new(zw_table { table })));
        Ok(())
    })
}

/// Frees a table handle. NULL is allowed. Call it exactly once, in any order with the
/// transactions and cursors that use it (they keep what they need of the table alive). The table
/// and its records stay in the environment.
#[no_mangle]
pub extern "C" fn zw_table_free(table: *mut zw_table) {
    boundary(|| {
        if !table.is_null() {
            // SAFETY: `table` came from zw_table_open and is freed exactly once, here.
            drop(unsafe { Box::from_raw(table) });
        }
    })
}

/// Writes the number of records in `table` as seen by `txn` into `*out`. Read from the B-tree's
/// counters: no scan, the same cost for any size.
#[no_mangle]
pub extern "C" fn zw_table_count(
    table: *const zw_table,
    txn: *const zw_txn,
    out: *mut u64,
) -> zw_result {
    boundary_result(|| {
        let table = &arg_ref("zw_table_count", "table", table)?.table;
        let txn = arg_ref("zw_table_count", "txn", txn)?;
        let out = Out::new("zw_table_count", "out", out)?;
        out.set(txn.count(table)?);
        Ok(())
    })
}

/// The longest encoded key: a buffer of this many bytes always holds `zw_table_encode_key`'s
/// output.
pub const ZW_MAX_KEY_SIZE: usize = 511;
const _: () = assert!(ZW_MAX_KEY_SIZE == crate::store::MAX_KEY_LEN);

/// One element of a key for `zw_table_encode_key`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zw_key_part<'a> {
    /// `ZW_KEY_U64`, `ZW_KEY_UUID` (16 bytes in `bytes`), `ZW_KEY_STRING` (UTF-8 in `bytes`) or
    /// `ZW_KEY_BYTES`.
    pub codec: u32,
    /// The value, for `ZW_KEY_U64`.
    pub u64: u64,
    /// The value, for the other codecs; read only during the call.
    pub bytes: zw_slice<'a>,
}

fn key_from_part<'a>(index: usize, part: &zw_key_part<'a>) -> Result<Key<'a>, zw_result> {
    const F: &str = "zw_table_encode_key";
    let bytes = || arg_bytes(F, &format!("parts[{index}].bytes"), part.bytes);
    let invalid = |what: &str| {
        fail(
            zw_result::ZW_ERR_INVALID_KEY,
            format!("{F}: parts[{index}]: {what}"),
        )
    };
    Ok(match part.codec {
        ZW_KEY_U64 => Key::U64(part.u64),
        ZW_KEY_UUID => Key::Uuid(
            bytes()?
                .try_into()
                .map_err(|_| invalid("a UUID is 16 bytes"))?,
        ),
        ZW_KEY_STRING => Key::Str(
            std::str::from_utf8(bytes()?)
                .map_err(|_| invalid("not valid UTF-8"))?
                .into(),
        ),
        ZW_KEY_BYTES => Key::Bytes(bytes()?.into()),
        other => {
            return Err(invalid(&format!(
                "codec {other} is not a simple ZW_KEY_* codec"
            )))
        }
    })
}

/// Encodes a key for `table` from its elements — one for a simple codec, one per part for a
/// composite — into `buf` (of `len` bytes; `ZW_MAX_KEY_SIZE` always suffices) and writes the
/// encoded length into `*out_len`. For a composite key, fewer parts than the codec has give the
/// encoding of that prefix: every key that starts with those parts sorts at or after it, so it
/// bounds a `zw_range` over them. Elements that do not match the table's codec give
/// `ZW_ERR_INVALID_KEY`; a buffer too small gives `ZW_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn zw_table_encode_key(
    table: *const zw_table,
    parts: *const zw_key_part,
    parts_len: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_table_encode_key";
        let table = &arg_ref(F, "table", table)?.table;
        let parts = arg_array(F, "parts", parts, parts_len)?;
        let out_len = Out::new(F, "out_len", out_len)?;
        if buf.is_null() {
            return Err(super::error::null_argument(F, "buf"));
        }
        let mut elements = parts
            .iter()
            .enumerate()
            .map(|(i, part)| key_from_part(i, part))
            .collect::<Result<Vec<_>, _>>()?;
        let codec = table.key_codec();
        let mut encoded = Vec::with_capacity(ZW_MAX_KEY_SIZE);
        match (codec, elements.len()) {
            (_, 0) => {
                return Err(fail(
                    zw_result::ZW_ERR_INVALID_KEY,
                    format!("{F}: a key needs at least one part"),
                ))
            }
            (KeyCodec::Composite(codecs), n) if n < codecs.len() => {
                codec.encode_prefix(&elements, &mut encoded)?
            }
            (KeyCodec::Composite(_), _) => codec.encode(&Key::Composite(elements), &mut encoded)?,
            (_, 1) => codec.encode(&elements.remove(0), &mut encoded)?,
            (_, n) => {
                return Err(fail(
                    zw_result::ZW_ERR_INVALID_KEY,
                    format!(
                        "{F}: table '{}' has a simple key, not {n} parts",
                        table.name()
                    ),
                ))
            }
        }
        if encoded.len() > len {
            return Err(fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                format!("{F}: the key needs {} bytes, buf has {len}", encoded.len()),
            ));
        }
        // SAFETY: `buf` has `len` writable bytes, and encoded.len() <= len.
        unsafe { std::ptr::copy_nonoverlapping(encoded.as_ptr(), buf, encoded.len()) };
        out_len.set(encoded.len());
        Ok(())
    })
}
