//! Where settings come from: environment variables and a home directory, read once, so that loading
//! configuration can be tested without changing the process environment.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variables and a home directory, read once. Loading configuration from an `Environment`
/// rather than from the process directly keeps it testable without changing the process environment.
#[derive(Clone)]
pub struct Environment {
    vars: HashMap<String, String>,
    home: Option<PathBuf>,
}

impl Environment {
    /// The current process's environment variables and home directory (`HOME`, or `USERPROFILE` on Windows).
    pub fn from_process() -> Environment {
        let vars: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = vars.get("HOME").or_else(|| vars.get("USERPROFILE")).map(PathBuf::from);
        Environment { vars, home }
    }

    /// A fixed set of variables and home directory.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
        home: Option<&Path>,
    ) -> Environment {
        Environment {
            vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            home: home.map(Path::to_path_buf),
        }
    }

    /// A variable's value; unset and empty are both `None`.
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.trim().is_empty()).cloned()
    }

    /// A variable's value as set, empty included (`None` only when unset).
    pub(crate) fn var_as_set(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    /// The home directory, where `~/.bluemix` and `~/.aws` are looked for.
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Variable values may be secrets: only their names are shown.
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("Environment").field("names", &names).field("home", &self.home).finish()
    }
}
