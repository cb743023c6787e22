//! The cos-sdk generator: boto-style rest-xml JSON models in, Rust source out.
//!
//! `model` reads the JSON, `ir` resolves and validates it, `naming` is the only place names are made,
//! `emit` writes the code with quote and prettyplease.

pub mod customize;
pub mod diff;
pub mod emit;
pub mod ir;
pub mod model;
pub mod naming;

/// What can go wrong while generating.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model is not what the generator expects; `path` is the JSON path of the problem.
    #[error("model error at {path}: {message}")]
    Model { path: String, message: String },
    /// Two model names map to one Rust name.
    #[error("name collision at {path}: `{first}` and `{second}` both become `{rust}` in Rust; rename one in the model or add a case to codegen/src/naming.rs")]
    Collision { path: String, first: String, second: String, rust: String },
    /// Generated tokens did not parse as Rust (a generator bug).
    #[error("generated code for {file} does not parse: {message}")]
    Emit { file: String, message: String },
}

/// The inputs of one generation run.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub service: &'a str,
    pub paginators: Option<&'a str>,
    pub waiters: Option<&'a str>,
    /// The model path named in the header line of every generated file.
    pub source_label: &'a str,
    /// How generated code reaches the runtime: `crate` inside cos-sdk, `::cos_sdk` elsewhere.
    pub runtime_crate: &'a str,
}

/// One generated file, with its path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Generates the files of `cos-sdk/src/generated/` (or of a standalone crate's `src/generated/`).
pub fn generate(input: &Input<'_>) -> Result<Vec<GeneratedFile>, Error> {
    let service = ir::resolve(input.service, input.paginators, input.waiters)?;
    emit::emit(&service, input)
}
