//! The panic boundary: no Rust panic may unwind into C.
//!
//! Every exported function keeps its signature in plain view (so cbindgen reads it) and runs its
//! body through `boundary`. A caught panic is recorded as this thread's last error and turned into
//! the function's failure value, chosen by [`PanicValue`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::{set_last_error, zw_result};

/// The value an exported function returns when its body panicked.
pub trait PanicValue {
    /// What C sees instead of the panic.
    fn panic_value() -> Self;
}

impl PanicValue for zw_result {
    fn panic_value() -> Self {
        zw_result::ZW_ERR_PANIC
    }
}

impl<T> PanicValue for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> PanicValue for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}

impl PanicValue for () {
    fn panic_value() -> Self {}
}

/// Integers (sizes, ids, kinds) give 0.
macro_rules! panic_zero {
    ($($t:ty),+) => {
        $(impl PanicValue for $t {
            fn panic_value() -> Self {
                0
            }
        })+
    };
}

panic_zero!(usize, u32, u64);

impl PanicValue for bool {
    fn panic_value() -> Self {
        false
    }
}

/// Runs `body`, catching any panic so that it cannot cross the C boundary.
pub(crate) fn boundary<T: PanicValue>(body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_string());
            set_last_error(format!(
                "internal error (a bug in zerowamp, please report it): {what}"
            ));
            T::panic_value()
        }
    }
}

/// `boundary` for bodies written with `?`: `Ok(())` becomes `ZW_OK`, `Err(code)` the code.
pub(crate) fn boundary_result(body: impl FnOnce() -> Result<(), zw_result>) -> zw_result {
    boundary(|| match body() {
        Ok(()) => zw_result::ZW_OK,
        Err(code) => code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_failure_value_and_a_message() {
        let result: zw_result = boundary(|| panic!("boom"));
        assert_eq!(result, zw_result::ZW_ERR_PANIC);
        assert!(super::super::error::last_error_string().contains("boom"));
        let ptr: *mut u8 = boundary(|| panic!("again"));
        assert!(ptr.is_null());
    }
}
