//! `codegen --model FILE --out DIR`: writes a standalone, compilable crate for any boto-style rest-xml
//! model, with cos-sdk as its runtime.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: codegen --model service-2.json --out DIR [--paginators FILE] [--waiters FILE]
               [--crate-name NAME] [--cos-sdk-path PATH | --cos-sdk-version VERSION]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("codegen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let mut model = None;
    let mut out = None;
    let mut paginators = None;
    let mut waiters = None;
    let mut crate_name = None;
    let mut sdk_path = None;
    let mut sdk_version = None;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--model" => model = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--paginators" => paginators = Some(PathBuf::from(value()?)),
            "--waiters" => waiters = Some(PathBuf::from(value()?)),
            "--crate-name" => crate_name = Some(value()?),
            "--cos-sdk-path" => sdk_path = Some(value()?),
            "--cos-sdk-version" => sdk_version = Some(value()?),
            "-h" | "--help" => return Ok(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let model = model.ok_or_else(|| format!("--model is required\n{USAGE}"))?;
    let out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let service = read(&model)?;
    let paginators = paginators.as_ref().map(read).transpose()?;
    let waiters = waiters.as_ref().map(read).transpose()?;
    let default_name = out.file_name().and_then(|n| n.to_str()).unwrap_or("generated-client").to_string();
    let crate_name = crate_name.unwrap_or(default_name);
    let cos_sdk = match (&sdk_path, &sdk_version) {
        (Some(path), None) => codegen::CosSdkDependency::Path(path),
        (None, Some(version)) => codegen::CosSdkDependency::Version(version),
        (None, None) => codegen::CosSdkDependency::Version(env!("CARGO_PKG_VERSION")),
        (Some(_), Some(_)) => return Err("give --cos-sdk-path or --cos-sdk-version, not both".into()),
    };
    let label = model.file_name().and_then(|n| n.to_str()).unwrap_or("the model").to_string();
    let files = codegen::generate_crate(
        &codegen::Input {
            service: &service,
            paginators: paginators.as_deref(),
            waiters: waiters.as_deref(),
            source_label: &label,
            runtime_crate: "::cos_sdk",
            module_root: "crate",
            wrapper_client: false,
            docs: &[],
        },
        &codegen::CrateOptions { crate_name: &crate_name, cos_sdk },
    )
    .map_err(|e| e.to_string())?;
    let generated_dir = out.join("src/generated");
    if generated_dir.exists() {
        std::fs::remove_dir_all(&generated_dir).map_err(|e| format!("cannot clear {}: {e}", generated_dir.display()))?;
    }
    for file in &files {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(format!("wrote {} files of crate `{crate_name}` to {}", files.len(), out.display()))
}
