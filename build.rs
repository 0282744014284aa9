//! Gives the shared library its soname, `libzerowamp.so.<major>`, on ELF platforms: a program
//! linked against the installed `libzerowamp.so` then records the versioned name and keeps
//! working when a compatible release replaces the file (`make install` lays out the symlinks).
//!
//! Set here rather than in `.cargo/config.toml` because `cargo:rustc-cdylib-link-arg` reaches
//! only the cdylib: rustflags would reach every crate and every test binary too, and a
//! `RUSTFLAGS` in the environment would silently replace them.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    let apple = matches!(
        os.as_str(),
        "macos" | "ios" | "tvos" | "watchos" | "visionos"
    );
    if family.split(',').any(|f| f == "unix") && !apple {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzerowamp.so.{major}");
    }
}
