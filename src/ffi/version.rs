//! Library and ABI versions.

use std::ffi::c_char;

use super::panic::boundary;

/// The version of the C ABI. Bumped on every incompatible change to `include/zerowamp.h`
/// (a removed or changed function, struct or enum value). Bindings compare it with the
/// `ZW_ABI_VERSION` they were built against and refuse to load a library that differs.
pub const ZW_ABI_VERSION: u32 = 1;

const VERSION_NUL: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version as static text, "MAJOR.MINOR.PATCH".
///
/// The string is owned by the library and valid for the life of the process.
#[no_mangle]
pub extern "C" fn zw_version() -> *const c_char {
    boundary(|| VERSION_NUL.as_ptr().cast())
}

/// The C ABI version of the loaded library (compare with `ZW_ABI_VERSION`).
#[no_mangle]
pub extern "C" fn zw_abi_version() -> u32 {
    ZW_ABI_VERSION
}
