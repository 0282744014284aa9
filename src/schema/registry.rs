//! The registry of binary schemas an environment knows, indexed by the tables they define.

use std::collections::HashMap;

use super::bfbs::Bfbs;
use super::root::RootType;
use crate::store::{Error, ErrorKind, Result};

/// Registered schemas by the fully qualified names of the tables they define.
///
/// When two registered schemas define a table of the same name (say both include a common
/// `.fbs`), the one registered last wins for that name; tables already opened keep the schema
/// they were opened with.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    by_table: HashMap<String, Bfbs>,
}

impl Registry {
    /// Adds a schema; returns how many table types it defines.
    pub fn register(&mut self, schema: Bfbs) -> usize {
        let names: Vec<String> = schema.table_names().map(str::to_owned).collect();
        for name in &names {
            self.by_table.insert(name.clone(), schema.clone());
        }
        names.len()
    }

    /// The schema that defines table type `name`.
    pub fn schema_of(&self, name: &str) -> Option<&Bfbs> {
        self.by_table.get(name)
    }

    /// The root type `name`, ready to verify; [`ErrorKind::UnknownRootType`] if no registered
    /// schema defines it.
    pub fn root_type(&self, name: &str) -> Result<RootType> {
        let schema = self.schema_of(name).ok_or_else(|| {
            let mut known: Vec<&str> = self.by_table.keys().map(String::as_str).collect();
            known.sort_unstable();
            let known = if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            };
            Error::new(
                ErrorKind::UnknownRootType,
                format!(
                    "no registered schema defines the table type {name} (register its .bfbs \
                     first; known types: {known})"
                ),
            )
        })?;
        RootType::new(schema, name)
    }
}
