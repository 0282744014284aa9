//! The version macros in the committed header match Cargo.toml, and the ABI version matches the
//! library's.

fn header() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/zerowamp.h");
    std::fs::read_to_string(path).expect("include/zerowamp.h is readable")
}

fn define(header: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    header
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} is not defined in include/zerowamp.h"))
        .trim()
        .to_string()
}

#[test]
fn version_macros_match_cargo_toml() {
    let header = header();
    assert_eq!(
        define(&header, "ZW_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert_eq!(
        define(&header, "ZW_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    assert_eq!(
        define(&header, "ZW_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION_PATCH")
    );
}

#[test]
fn abi_version_macro_matches_the_library() {
    let header = header();
    let declared: u32 = define(&header, "ZW_ABI_VERSION").parse().expect("a number");
    assert_eq!(declared, zerowamp::ffi::version::zw_abi_version());
    let version = unsafe { std::ffi::CStr::from_ptr(zerowamp::ffi::version::zw_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

/// Every function declared in the header has a doc comment right above it (the header is the
/// C user's only documentation of ownership and lifetimes).
#[test]
fn every_exported_function_is_documented() {
    let header = header();
    let lines: Vec<&str> = header.lines().collect();
    let mut functions = 0;
    for (i, line) in lines.iter().enumerate() {
        let is_function = line.contains(" zw_")
            && line.contains('(')
            && !line.starts_with(' ')
            && !line.starts_with('#');
        if !is_function {
            continue;
        }
        functions += 1;
        let above = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .copied()
            .unwrap_or("");
        assert!(
            above.trim_end().ends_with("*/"),
            "no doc comment above: {line}"
        );
        assert!(line.contains("zw_"), "{line}");
    }
    assert!(
        functions >= 25,
        "found only {functions} functions in include/zerowamp.h"
    );
}
