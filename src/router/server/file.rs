//! The TOML config file: read, deserialize, check, and report the first problem with the file,
//! line, column and field.
//!
//! ```toml
//! [[listeners]]
//! url = "ws://127.0.0.1:8080/ws"
//!
//! [[listeners]]
//! url = "rss://0.0.0.0:8081"
//! serializers = ["cbor", "msgpack"]
//! tls = { cert = "server.crt", key = "server.key" }   # relative to this file
//!
//! [transport]
//! max_message_size = 1048576
//!
//! [limits]
//! max_sessions = 1000
//!
//! [[realms]]
//! name = "realm1"
//! anonymous_role = "public"
//!
//! [[realms.roles]]
//! name = "public"
//! permissions = [{ uri = "com.example.", match = "prefix", call = true, subscribe = true }]
//!
//! [[realms.principals]]
//! authid = "alice"
//! authrole = "public"
//! ticket = "secret"
//! ```
//!
//! Serde errors (an unknown field, a wrong type) come with a span from the `toml` crate; errors
//! found later by [`ServerConfig::check`] name a field path (`realms[0].roles[1].name`), which
//! is looked up in the parsed document's spans to find its line.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::config::ServerConfig;

/// A config file that cannot be used: where, which field, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFileError {
    /// The file.
    pub file: PathBuf,
    /// The line, from 1 (0 when the problem has no place in the file, such as a file that
    /// cannot be read).
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
    /// The field at fault, as a path (`realms[0].roles[1].name`), if known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigFileError {}

/// Reads and checks the config file at `path`. Relative TLS file paths in it are taken relative
/// to the file's directory.
pub fn load(path: &Path) -> Result<ServerConfig, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigFileError {
        file: path.to_owned(),
        line: 0,
        column: 0,
        field: None,
        message: format!("cannot read the config file: {e}"),
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, path, base)
}

/// Parses and checks config `text` read from `file` (named in errors); relative TLS paths are
/// joined to `base`.
pub fn parse(text: &str, file: &Path, base: &Path) -> Result<ServerConfig, ConfigFileError> {
    let located = |span: Option<Range<usize>>, field: Option<String>, message: String| {
        let (line, column) = span.map_or((0, 0), |s| line_column(text, s.start));
        ConfigFileError {
            file: file.to_owned(),
            line,
            column,
            field,
            message,
        }
    };
    let document = DeTable::parse(text)
        .map_err(|e| located(e.span(), None, e.message().trim_end().to_owned()))?;
    let mut config: ServerConfig = toml::from_str(text).map_err(|e| {
        let field = e
            .span()
            .and_then(|span| field_at(document.get_ref(), span.start));
        located(e.span(), field, e.message().trim_end().to_owned())
    })?;
    for listener in &mut config.listeners {
        if let Some(tls) = &mut listener.tls {
            tls.cert = base.join(&tls.cert);
            tls.key = base.join(&tls.key);
        }
    }
    config.check().map_err(|e| {
        let span = span_of(document.get_ref(), &e.field);
        located(span, Some(e.field), e.reason)
    })?;
    Ok(config)
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// One step of a field path: a table key or an array index.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `realms[0].roles` → `Key(realms) Index(0) Key(roles)`.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some((index, after)) = rest.split_once(']') {
            if let Ok(i) = index.parse() {
                out.push(Step::Index(i));
            }
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    out
}

/// Where the field `path` is written: its key (the deepest part of the path found, when the
/// field itself is absent, such as a default left out).
fn span_of(root: &DeTable<'_>, path: &str) -> Option<Range<usize>> {
    let mut table = Some(root);
    let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
    let mut found = None;
    for step in steps(path) {
        let value = match (step, table, array) {
            (Step::Key(key), Some(t), _) => t.get_key_value(key).map(|(k, v)| {
                found = Some(k.span());
                v
            }),
            (Step::Index(i), _, Some(items)) => items.get(i).inspect(|item| {
                found = Some(item.span());
            }),
            _ => None,
        };
        let Some(value) = value else {
            break;
        };
        table = value.get_ref().as_table();
        array = value.get_ref().as_array().map(|a| &a[..]);
        if table.is_none() && array.is_none() {
            break;
        }
    }
    found
}

/// The path of the deepest field whose key or value covers byte `offset`.
fn field_at(root: &DeTable<'_>, offset: usize) -> Option<String> {
    fn in_table(table: &DeTable<'_>, offset: usize, path: &mut String) -> bool {
        for (key, value) in table.iter() {
            let covers = key.span().contains(&offset) || value.span().contains(&offset);
            let before = path.len();
            if before > 0 {
                path.push('.');
            }
            path.push_str(key.get_ref());
            if in_value(value, offset, path) || covers {
                return true;
            }
            path.truncate(before);
        }
        false
    }
    fn in_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut String) -> bool {
        match value.get_ref() {
            DeValue::Table(t) => in_table(t, offset, path),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let before = path.len();
                    path.push_str(&format!("[{i}]"));
                    if in_value(item, offset, path) || item.span().contains(&offset) {
                        return true;
                    }
                    path.truncate(before);
                }
                false
            }
            _ => false,
        }
    }
    let mut path = String::new();
    in_table(root, offset, &mut path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(
            steps("realms[0].roles[12].name"),
            [
                Step::Key("realms"),
                Step::Index(0),
                Step::Key("roles"),
                Step::Index(12),
                Step::Key("name")
            ]
        );
        assert_eq!(
            steps("a[1][2]"),
            [Step::Key("a"), Step::Index(1), Step::Index(2)]
        );
    }

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 10), (2, 4));
    }
}
