//! Gives the shared library its soname, `libzerowamp.so.<ZW_ABI_VERSION>`, on ELF platforms: a
//! program linked against the installed `libzerowamp.so` then records the versioned name and keeps
//! working when a release with the same C ABI replaces the file (`make install` lays out the
//! symlinks). The soname follows the C ABI version, not the crate's major version, so that an
//! ABI change during 0.x still gets a new soname.
//!
//! Set here rather than in `.cargo/config.toml` because `cargo:rustc-cdylib-link-arg` reaches
//! only the cdylib: rustflags would reach every crate and every test binary too, and a
//! `RUSTFLAGS` in the environment would silently replace them.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/ffi/version.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    let apple = matches!(
        os.as_str(),
        "macos" | "ios" | "tvos" | "watchos" | "visionos"
    );
    if family.split(',').any(|f| f == "unix") && !apple {
        let abi = abi_version();
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzerowamp.so.{abi}");
    }
}

/// `ZW_ABI_VERSION` as `src/ffi/version.rs` declares it (the one place it is written).
fn abi_version() -> u32 {
    let source =
        std::fs::read_to_string("src/ffi/version.rs").expect("src/ffi/version.rs is readable");
    source
        .lines()
        .find_map(|line| line.strip_prefix("pub const ZW_ABI_VERSION: u32 = "))
        .and_then(|rest| rest.trim_end_matches(';').trim().parse().ok())
        .expect("src/ffi/version.rs declares `pub const ZW_ABI_VERSION: u32 = N;`")
}
