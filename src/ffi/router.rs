//! `zw_router`: the WAMP router, embedded in the application (what `zerowamp router` runs).

use std::ffi::{c_char, CString};
use std::path::Path;
use std::time::Duration;

use super::args::{arg_mut, arg_str, Out};
use super::error::{fail, zw_result};
use super::panic::{boundary, boundary_result};
use crate::router::server::{
    load, parse, ListenerConfig, RouterServer, ServerConfig, ServerError, DEFAULT_REALM,
};

/// How long `zw_router_free` waits for the sessions to answer its GOODBYE.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A running router. Use it from one thread at a time; free it with `zw_router_free`.
pub struct zw_router {
    server: Option<RouterServer>,
    /// The URLs handed out by `zw_router_listen`, kept until the router is freed.
    bound: Vec<CString>,
}

fn server_error(function: &str, e: ServerError) -> zw_result {
    let code = match e {
        ServerError::Config(_) => zw_result::ZW_ERR_INVALID_ARGUMENT,
        _ => zw_result::ZW_ERR_IO,
    };
    fail(code, format!("{function}: {e}"))
}

/// Starts a router. Both NULL: the realm "realm1" open to anonymous clients with every
/// permission (what `zerowamp router` runs with when given no config), and no listener yet (add
/// them with `zw_router_listen`). `config_toml`: the text of a config file (docs/router.md);
/// `config_path`: a config file to read. Not both. An unusable config gives
/// `ZW_ERR_INVALID_ARGUMENT`, the message naming file, line and field; a listener that cannot
/// open gives `ZW_ERR_IO`.
///
/// On success `*out` is a new router the caller owns; free it with `zw_router_free`.
#[no_mangle]
pub extern "C" fn zw_router_start(
    config_toml: *const c_char,
    config_path: *const c_char,
    out: *mut *mut zw_router,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_router_start";
        let out = Out::new(F, "out", out)?;
        let config = match (config_toml.is_null(), config_path.is_null()) {
            (true, true) => ServerConfig::open(DEFAULT_REALM, &[]),
            (false, true) => {
                let text = arg_str(F, "config_toml", config_toml)?;
                parse(text, Path::new("<config_toml>"), Path::new("."))
                    .map_err(|e| fail(zw_result::ZW_ERR_INVALID_ARGUMENT, format!("{F}: {e}")))?
            }
            (true, false) => {
                let path = arg_str(F, "config_path", config_path)?;
                load(Path::new(path))
                    .map_err(|e| fail(zw_result::ZW_ERR_INVALID_ARGUMENT, format!("{F}: {e}")))?
            }
            (false, false) => {
                return Err(fail(
                    zw_result::ZW_ERR_INVALID_ARGUMENT,
                    format!("{F}: give `config_toml` or `config_path`, not both"),
                ))
            }
        };
        let server = RouterServer::start(&config).map_err(|e| server_error(F, e))?;
        out.set(Box::into_raw(Box::new(zw_router {
            server: Some(server),
            bound: Vec::new(),
        })));
        Ok(())
    })
}

/// Opens one more listener on `url` (`ws://`, `rs://`, `unix://`, ...; port 0 lets the system
/// choose), speaking every serializer. `*bound_url` (if `bound_url` is not NULL) is the URL
/// actually bound, e.g. "rs://127.0.0.1:41234", valid until `zw_router_free`.
#[no_mangle]
pub extern "C" fn zw_router_listen(
    r: *mut zw_router,
    url: *const c_char,
    bound_url: *mut *const c_char,
) -> zw_result {
    boundary_result(|| {
        const F: &str = "zw_router_listen";
        let r = arg_mut(F, "r", r)?;
        let url = arg_str(F, "url", url)?;
        let server = r
            .server
            .as_mut()
            .ok_or_else(|| fail(zw_result::ZW_ERR_CLOSED, format!("{F}: the router stopped")))?;
        let listener = server
            .listen(&ListenerConfig::new(url))
            .map_err(|e| server_error(F, e))?;
        let text = CString::new(listener.url()).map_err(|_| {
            fail(
                zw_result::ZW_ERR_INVALID_ARGUMENT,
                format!("{F}: NUL in the bound URL"),
            )
        })?;
        if !bound_url.is_null() {
            // The CString's buffer does not move when the vector grows.
            Out::new(F, "bound_url", bound_url)?.set(text.as_ptr());
        }
        r.bound.push(text);
        Ok(())
    })
}

/// Stops the router gracefully — GOODBYE to every session, up to 2 s for their answers — and
/// frees it. NULL is allowed.
#[no_mangle]
pub extern "C" fn zw_router_free(r: *mut zw_router) {
    boundary(|| {
        if !r.is_null() {
            // SAFETY: `r` came from zw_router_start and is freed exactly once, here.
            let mut router = unsafe { Box::from_raw(r) };
            if let Some(server) = router.server.take() {
                server.shutdown(SHUTDOWN_GRACE);
            }
        }
    })
}
