//! Borrowed byte ranges crossing the C boundary.

use std::marker::PhantomData;

/// A borrowed run of bytes: `data` points at `len` bytes owned by someone else.
///
/// Who owns the bytes and how long they stay valid is said by the function that hands the slice
/// out (for `zw_txn_get`: until the transaction ends or its next write). A slice with `len == 0`
/// may have a NULL `data`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zw_slice<'a> {
    /// The first byte, or NULL when `len` is 0.
    pub data: *const u8,
    /// The number of bytes.
    pub len: usize,
    pub(crate) _borrow: PhantomData<&'a [u8]>,
}

impl<'a> zw_slice<'a> {
    /// A slice over `bytes`, valid as long as they are.
    pub fn from_bytes(bytes: &'a [u8]) -> Self {
        zw_slice {
            data: bytes.as_ptr(),
            len: bytes.len(),
            _borrow: PhantomData,
        }
    }

    /// The empty slice.
    pub fn empty() -> Self {
        zw_slice {
            data: std::ptr::null(),
            len: 0,
            _borrow: PhantomData,
        }
    }

    /// The bytes a caller passed in.
    ///
    /// # Safety
    /// `data` must point at `len` readable bytes that stay valid and unchanged for `'a`, or `len`
    /// must be 0 (then `data` may be NULL).
    pub unsafe fn as_bytes(&self) -> Option<&'a [u8]> {
        if self.len == 0 {
            Some(&[])
        } else if self.data.is_null() {
            None
        } else {
            Some(std::slice::from_raw_parts(self.data, self.len))
        }
    }
}
