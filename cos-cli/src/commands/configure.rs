//! `configure`: writes credentials into `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`) and the
//! endpoint and instance id into `~/.aws/config` (or `AWS_CONFIG_FILE`), under `--profile` or
//! `default`, where cos-sdk's configuration chain finds them. Secrets come from stdin or a named
//! environment variable, never from the command line, and are never printed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use cos_sdk::{Endpoint, EndpointType};
use serde_json::json;

use crate::cli::{ConfigureArgs, EndpointKind, Global};
use crate::context::{usage, Fail, Outcome};
use crate::output::Output;

fn prompt(question: &str) -> Result<String, Fail> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{question}: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| Fail::Failed(format!("reading stdin: {e}")))?;
    Ok(line.trim().to_string())
}

fn from_env(variable: &str) -> Result<String, Fail> {
    std::env::var(variable)
        .ok()
        .filter(|v| !v.is_empty())
        .map_or_else(|| usage(format!("environment variable {variable} is not set")), Ok)
}

/// `text` with the section `name` replaced by `body` (appended when absent).
fn with_section(text: &str, name: &str, body: &[(&str, String)]) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            skipping = trimmed[1..trimmed.len() - 1].split_whitespace().collect::<Vec<_>>().join(" ") == name;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(&format!("[{name}]\n"));
    for (key, value) in body {
        out.push_str(&format!("{key} = {value}\n"));
    }
    out
}

fn write_section(path: &Path, name: &str, body: &[(&str, String)]) -> Result<(), Fail> {
    let failed = |e: std::io::Error| Fail::Failed(format!("cannot write {}: {e}", path.display()));
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(failed(e)),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(with_section(&existing, name, body).as_bytes()).map_err(failed)
}

fn aws_file(variable: &str, name: &str) -> Result<PathBuf, Fail> {
    if let Some(path) = std::env::var_os(variable) {
        return Ok(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").ok_or_else(|| Fail::Usage(format!("HOME is not set; set {variable}")))?;
    Ok(PathBuf::from(home).join(".aws").join(name))
}

pub fn configure(global: &Global, args: &ConfigureArgs, out: &Output) -> Outcome {
    let profile = global.profile.clone().unwrap_or_else(|| "default".to_string());
    let mut credentials: Vec<(&str, String)> = Vec::new();
    if let Some(variable) = &args.api_key_from_env {
        credentials.push(("ibm_api_key_id", from_env(variable)?));
    } else {
        let id = match &args.access_key_id {
            Some(id) => id.clone(),
            None => prompt("HMAC access key id (empty for an IAM API key)")?,
        };
        if id.is_empty() {
            credentials.push(("ibm_api_key_id", prompt("IAM API key")?));
        } else {
            let secret = match &args.secret_from_env {
                Some(variable) => from_env(variable)?,
                None => prompt("HMAC secret access key")?,
            };
            credentials.push(("aws_access_key_id", id));
            credentials.push(("aws_secret_access_key", secret));
        }
    }
    if credentials.iter().any(|(_, v)| v.is_empty()) {
        return usage("an empty credential; nothing was written");
    }
    let mut settings: Vec<(&str, String)> = Vec::new();
    let endpoint = match (&global.endpoint, &global.location) {
        (Some(url), _) => Some(Endpoint::new(url)?),
        (None, Some(location)) => {
            let kind = match global.endpoint_type {
                Some(EndpointKind::Private) => EndpointType::Private,
                Some(EndpointKind::Direct) => EndpointType::Direct,
                _ => EndpointType::Public,
            };
            Some(Endpoint::ibm(location, kind)?)
        }
        (None, None) => None,
    };
    if let Some(e) = endpoint {
        settings.push(("endpoint_url", format!("{}://{}{}", e.scheme(), e.authority(), e.path_prefix())));
    }
    if let Some(id) = &global.instance_id {
        settings.push(("ibm_service_instance_id", id.clone()));
    }
    let mut files =
        vec![(aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")?, profile.clone(), credentials.clone())];
    if !settings.is_empty() {
        let section = if profile == "default" { profile.clone() } else { format!("profile {profile}") };
        files.push((aws_file("AWS_CONFIG_FILE", "config")?, section, settings));
    }
    if !global.dry_run {
        for (path, section, body) in &files {
            write_section(path, section, body)?;
        }
    }
    let written: Vec<String> = files.iter().map(|(path, _, _)| path.display().to_string()).collect();
    let kind = credentials[0].0.trim_end_matches("_id").to_string();
    let (dry, verb) = if global.dry_run { (true, "(dry run) would write") } else { (false, "wrote") };
    out.result(
        json!({"operation": "configure", "dry_run": dry, "profile": profile, "credentials": kind, "files": written}),
        || format!("configure: {verb} profile `{profile}` ({kind}) to {}", written.join(" and ")),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_section;

    #[test]
    fn a_section_is_replaced_and_the_rest_kept() {
        let text = "[default]\na = 1\n\n[profile p]\nb = 2\n[other]\nc = 3\n";
        let out = with_section(text, "profile p", &[("b", "9".into())]);
        assert_eq!(out, "[default]\na = 1\n\n[other]\nc = 3\n\n[profile p]\nb = 9\n");
        assert_eq!(with_section("", "default", &[("k", "v".into())]), "[default]\nk = v\n");
    }
}
