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

/// A line from stdin; on a terminal after a prompt, and without echo when `secret`.
fn prompt(question: &str, secret: bool) -> Result<String, Fail> {
    let stdin = std::io::stdin();
    let failed = |e: std::io::Error| Fail::Failed(format!("reading stdin: {e}"));
    if stdin.is_terminal() {
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "{question}: ");
        let _ = stderr.flush();
        if secret {
            return rpassword::read_password().map(|s| s.trim().to_string()).map_err(failed);
        }
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(failed)?;
    Ok(line.trim().to_string())
}

fn from_env(variable: &str) -> Result<String, Fail> {
    std::env::var(variable)
        .ok()
        .filter(|v| !v.is_empty())
        .map_or_else(|| usage(format!("environment variable {variable} is not set")), Ok)
}

/// The name of the section a line opens (`[name]`, `[profile name]  # comment`), if it opens one.
fn section_name(line: &str) -> Option<String> {
    let inner = line.trim_start().strip_prefix('[')?;
    let name = &inner[..inner.find(']')?];
    Some(name.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The key a top-level `key = value` line sets (indented lines belong to a nested block).
fn line_key(line: &str) -> Option<&str> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    Some(line.split_once('=')?.0.trim())
}

/// `text` with section `name` setting each key of `set` (in place when present, else at the end of
/// the section, which is appended when absent) and without the keys in `remove`. Every other line,
/// comment and section stays as it was.
fn with_keys<'a>(text: &str, name: &str, set: &[(&'a str, String)], remove: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut inside = false;
    let mut found = false;
    let mut written: Vec<&'a str> = Vec::new();
    let flush = |out: &mut Vec<String>, written: &mut Vec<&'a str>| {
        // The keys not yet in the section go after its last non-blank line.
        let at = out.iter().rposition(|l| !l.trim().is_empty()).map_or(out.len(), |i| i + 1);
        let missing: Vec<String> =
            set.iter().filter(|(k, _)| !written.contains(k)).map(|(k, v)| format!("{k} = {v}")).collect();
        written.extend(set.iter().map(|(k, _)| *k));
        out.splice(at..at, missing);
    };
    for line in text.lines() {
        if let Some(section) = section_name(line) {
            if inside {
                flush(&mut out, &mut written);
            }
            inside = section == name;
            found |= inside;
            out.push(line.to_string());
            continue;
        }
        match line_key(line).filter(|_| inside) {
            Some(key) if remove.contains(&key) => {}
            Some(key) => match set.iter().find(|(k, _)| *k == key) {
                Some((k, v)) => {
                    out.push(format!("{k} = {v}"));
                    written.push(k);
                }
                None => out.push(line.to_string()),
            },
            None => out.push(line.to_string()),
        }
    }
    if inside {
        flush(&mut out, &mut written);
    }
    if !found {
        if out.last().is_some_and(|l| !l.trim().is_empty()) {
            out.push(String::new());
        }
        out.push(format!("[{name}]"));
        out.extend(set.iter().map(|(k, v)| format!("{k} = {v}")));
    }
    out.join("\n") + "\n"
}

/// Rewrites `path` with `with_keys`: a new file readable by its owner only, synced, then renamed over
/// the old one, so a failure midway leaves the old file whole.
fn write_keys(path: &Path, name: &str, set: &[(&str, String)], remove: &[&str]) -> Result<(), Fail> {
    let failed = |e: std::io::Error| Fail::Failed(format!("cannot write {}: {e}", path.display()));
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(failed(e)),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".cos-configure-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(with_keys(&existing, name, set, remove).as_bytes())?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(failed(e))
        }
    }
}

fn aws_file(variable: &str, name: &str) -> Result<PathBuf, Fail> {
    if let Some(path) = std::env::var_os(variable) {
        return Ok(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").ok_or_else(|| Fail::Usage(format!("HOME is not set; set {variable}")))?;
    Ok(PathBuf::from(home).join(".aws").join(name))
}

/// Refuses what would change the file's structure rather than one value: a line break or other control
/// character anywhere, and brackets in a profile name (they would open or close a section).
fn check_text(what: &str, text: &str, brackets: bool) -> Result<(), Fail> {
    if text.chars().any(char::is_control) || (brackets && text.contains(['[', ']'])) {
        let also = if brackets { " or brackets" } else { "" };
        return usage(format!("{what} holds a line break, another control character{also}; nothing was written"));
    }
    Ok(())
}

pub fn configure(global: &Global, args: &ConfigureArgs, out: &Output) -> Outcome {
    let profile = global.profile.clone().unwrap_or_else(|| "default".to_string());
    check_text("the profile name", &profile, true)?;
    let mut credentials: Vec<(&str, String)> = Vec::new();
    if let Some(variable) = &args.api_key_from_env {
        credentials.push(("ibm_api_key_id", from_env(variable)?));
    } else {
        let id = match &args.access_key_id {
            Some(id) => id.clone(),
            None => prompt("HMAC access key id (empty for an IAM API key)", false)?,
        };
        if id.is_empty() {
            credentials.push(("ibm_api_key_id", prompt("IAM API key", true)?));
        } else {
            let secret = match &args.secret_from_env {
                Some(variable) => from_env(variable)?,
                None => prompt("HMAC secret access key", true)?,
            };
            credentials.push(("aws_access_key_id", id));
            credentials.push(("aws_secret_access_key", secret));
        }
    }
    if credentials.iter().any(|(_, v)| v.is_empty()) {
        return usage("an empty credential; nothing was written");
    }
    for (key, value) in &credentials {
        check_text(key, value, false)?;
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
        check_text("the service instance id", id, false)?;
        settings.push(("ibm_service_instance_id", id.clone()));
    }
    // The other kind of credential goes, or the SDK (which prefers HMAC keys) would keep using it.
    let replaced: &[&str] = if credentials[0].0 == "ibm_api_key_id" {
        &["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]
    } else {
        &["ibm_api_key_id", "aws_session_token"]
    };
    let mut files =
        vec![(aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")?, profile.clone(), credentials.clone(), replaced)];
    if !settings.is_empty() {
        let section = if profile == "default" { profile.clone() } else { format!("profile {profile}") };
        files.push((aws_file("AWS_CONFIG_FILE", "config")?, section, settings, &[]));
    }
    if !global.dry_run {
        for (path, section, set, remove) in &files {
            write_keys(path, section, set, remove)?;
        }
    }
    let written: Vec<String> = files.iter().map(|(path, ..)| path.display().to_string()).collect();
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
    use super::with_keys;

    #[test]
    fn keys_are_set_in_place_and_everything_else_kept() {
        let text = "[default]\na = 1\n\n[profile p] # prod\nb = 2\nregion = eu\ns3 =\n  b = nested\nold = x\n\n[other]\nc = 3\n";
        let out = with_keys(text, "profile p", &[("b", "9".into()), ("n", "new".into())], &["old"]);
        assert_eq!(
            out,
            "[default]\na = 1\n\n[profile p] # prod\nb = 9\nregion = eu\ns3 =\n  b = nested\nn = new\n\n[other]\nc = 3\n"
        );
        assert_eq!(with_keys("", "default", &[("k", "v".into())], &[]), "[default]\nk = v\n");
        assert_eq!(with_keys("[x]\ny = 1", "default", &[("k", "v".into())], &[]), "[x]\ny = 1\n\n[default]\nk = v\n");
    }
}
