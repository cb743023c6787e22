//! Model diff placeholder.
pub fn diff_models(_old: &str, _new: &str) -> Result<Vec<String>, String> { Ok(vec![]) }
