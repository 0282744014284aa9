//! Checked access to the arguments of exported functions: NULL pointers become
//! `ZW_ERR_NULL_ARGUMENT` naming the function and the argument, never a crash.

use std::ffi::{c_char, CStr};

use super::error::{fail, null_argument, zw_result};
use super::slice::zw_slice;

/// `ptr` as a shared reference.
pub(crate) fn arg_ref<'a, T>(
    function: &str,
    name: &str,
    ptr: *const T,
) -> Result<&'a T, zw_result> {
    // SAFETY: the caller passes NULL or a valid handle it does not use elsewhere meanwhile.
    unsafe { ptr.as_ref() }.ok_or_else(|| null_argument(function, name))
}

/// `ptr` as an exclusive reference.
pub(crate) fn arg_mut<'a, T>(
    function: &str,
    name: &str,
    ptr: *mut T,
) -> Result<&'a mut T, zw_result> {
    // SAFETY: as for arg_ref; the C contract gives the call exclusive use of the handle.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_argument(function, name))
}

/// An out-parameter, checked up front so that the work is not done for nothing; written by
/// [`Out::set`] only once the call has succeeded.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(crate) fn new(function: &str, name: &str, ptr: *mut T) -> Result<Self, zw_result> {
        if ptr.is_null() {
            Err(null_argument(function, name))
        } else {
            Ok(Out(ptr))
        }
    }

    pub(crate) fn set(self, value: T) {
        // SAFETY: checked non-NULL; the caller passes writable storage for a T. `write` does not
        // drop whatever the (possibly uninitialised) storage held.
        unsafe { self.0.write(value) }
    }
}

/// A NUL-terminated UTF-8 string argument.
pub(crate) fn arg_str<'a>(
    function: &str,
    name: &str,
    ptr: *const c_char,
) -> Result<&'a str, zw_result> {
    if ptr.is_null() {
        return Err(null_argument(function, name));
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|_| {
        fail(
            zw_result::ZW_ERR_INVALID_ARGUMENT,
            format!("{function}: `{name}` is not valid UTF-8"),
        )
    })
}

/// The bytes of a slice argument (a NULL `data` is allowed only with `len == 0`).
pub(crate) fn arg_bytes<'a>(
    function: &str,
    name: &str,
    slice: zw_slice<'a>,
) -> Result<&'a [u8], zw_result> {
    // SAFETY: the caller passes `len` readable bytes at `data` that outlive the call.
    unsafe { slice.as_bytes() }.ok_or_else(|| null_argument(function, &format!("{name}.data")))
}

/// An array argument of `len` elements (NULL is allowed only with `len == 0`).
pub(crate) fn arg_array<'a, T>(
    function: &str,
    name: &str,
    ptr: *const T,
    len: usize,
) -> Result<&'a [T], zw_result> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null_argument(function, name));
    }
    // SAFETY: the caller passes `len` readable elements at `ptr` that outlive the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}
