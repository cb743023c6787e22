//! Credentials (HMAC keys, an IAM API key, a bearer token or a token provider, or none) and the chain
//! that finds them: explicit, then the environment, then the service-credential file, then `~/.aws`.
//!
//! Secrets are held in [`Secret`], whose `Debug` never shows the value.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::runtime::config::env::Environment;
use crate::runtime::error::Error;

/// A secret string (a key, a token) whose `Debug` and `Display` print `** redacted **`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The secret value itself; do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// A bearer token with its expiry, as a [`TokenProvider`] returns it.
#[derive(Clone)]
pub struct AccessToken {
    value: Secret,
    expires_at: Option<SystemTime>,
}

impl AccessToken {
    /// A token that is valid until `expires_at` (or indefinitely when `None`).
    pub fn new(value: impl Into<String>, expires_at: Option<SystemTime>) -> AccessToken {
        AccessToken { value: Secret::new(value), expires_at }
    }
    /// The token; do not log it.
    pub fn value(&self) -> &str {
        self.value.expose()
    }
    /// When it expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken").field("value", &self.value).field("expires_at", &self.expires_at).finish()
    }
}

/// The future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + 'a>>;

/// Supplies bearer tokens, for example from a company's own token service. Called before every attempt:
/// cache the token and refresh it ahead of expiry. An error fails the request; a request is never sent
/// without a token.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A currently valid token.
    fn token(&self) -> TokenFuture<'_>;
}

/// How requests are authenticated; chosen from the credentials, never by a separate flag.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) inner: CredentialsInner,
}

#[derive(Clone)]
pub(crate) enum CredentialsInner {
    Hmac(HmacKeys),
    ApiKey(Secret),
    BearerToken(Secret),
    Provider(Arc<dyn TokenProvider>),
    Anonymous,
}

/// HMAC keys: an access key id and a secret access key, with an optional session token.
#[derive(Clone)]
pub(crate) struct HmacKeys {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: Secret,
    pub(crate) session_token: Option<Secret>,
}

/// What kind of credentials these are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsKind {
    /// HMAC keys; requests are signed with SigV4.
    Hmac,
    /// An IAM API key, exchanged for bearer tokens.
    ApiKey,
    /// A fixed bearer token.
    BearerToken,
    /// Bearer tokens from a caller's [`TokenProvider`].
    TokenProvider,
    /// No credentials; requests are sent unauthenticated (public buckets).
    Anonymous,
}

impl Credentials {
    /// HMAC keys (`cos_hmac_keys` of a service credential); requests are signed with SigV4.
    pub fn hmac(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Credentials {
        Credentials {
            inner: CredentialsInner::Hmac(HmacKeys {
                access_key_id: access_key_id.into(),
                secret_access_key: Secret::new(secret_access_key),
                session_token: None,
            }),
        }
    }

    /// Adds a session token to HMAC keys (sent as `x-amz-security-token`); ignored for other kinds.
    pub fn with_session_token(mut self, session_token: impl Into<String>) -> Credentials {
        if let CredentialsInner::Hmac(keys) = &mut self.inner {
            keys.session_token = Some(Secret::new(session_token));
        }
        self
    }

    /// An IBM Cloud IAM API key, exchanged for bearer tokens at the IAM token endpoint.
    pub fn api_key(api_key: impl Into<String>) -> Credentials {
        Credentials { inner: CredentialsInner::ApiKey(Secret::new(api_key)) }
    }

    /// A fixed bearer token (sent as `Authorization: Bearer ...`); it is not refreshed.
    pub fn bearer_token(token: impl Into<String>) -> Credentials {
        Credentials { inner: CredentialsInner::BearerToken(Secret::new(token)) }
    }

    /// Bearer tokens from the caller's provider.
    pub fn token_provider(provider: Arc<dyn TokenProvider>) -> Credentials {
        Credentials { inner: CredentialsInner::Provider(provider) }
    }

    /// No credentials: requests are not signed (for public buckets).
    pub fn anonymous() -> Credentials {
        Credentials { inner: CredentialsInner::Anonymous }
    }

    /// What kind of credentials these are.
    pub fn kind(&self) -> CredentialsKind {
        match &self.inner {
            CredentialsInner::Hmac(_) => CredentialsKind::Hmac,
            CredentialsInner::ApiKey(_) => CredentialsKind::ApiKey,
            CredentialsInner::BearerToken(_) => CredentialsKind::BearerToken,
            CredentialsInner::Provider(_) => CredentialsKind::TokenProvider,
            CredentialsInner::Anonymous => CredentialsKind::Anonymous,
        }
    }

    /// The HMAC access key id (not a secret), for HMAC credentials.
    pub fn access_key_id(&self) -> Option<&str> {
        match &self.inner {
            CredentialsInner::Hmac(keys) => Some(&keys.access_key_id),
            _ => None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            CredentialsInner::Hmac(keys) => f
                .debug_struct("Credentials::Hmac")
                .field("access_key_id", &keys.access_key_id)
                .field("secret_access_key", &keys.secret_access_key)
                .field("session_token", &keys.session_token)
                .finish(),
            CredentialsInner::ApiKey(key) => f.debug_tuple("Credentials::ApiKey").field(key).finish(),
            CredentialsInner::BearerToken(token) => f.debug_tuple("Credentials::BearerToken").field(token).finish(),
            CredentialsInner::Provider(provider) => f.debug_tuple("Credentials::TokenProvider").field(provider).finish(),
            CredentialsInner::Anonymous => f.write_str("Credentials::Anonymous"),
        }
    }
}

/// Credentials found by the chain, with the settings that came with them and where they came from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ResolvedCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// The service instance id (`resource_instance_id`) found beside them, if any.
    pub instance_id: Option<String>,
    /// The IAM token endpoint found beside them, if any.
    pub iam_endpoint: Option<String>,
    /// The service URL found beside them (`endpoint_url` of a `~/.aws` profile), if any.
    pub endpoint_url: Option<String>,
    /// Where they came from: `environment`, or a file's path and profile.
    pub source: String,
}

/// Runs the credential chain over `env`: environment variables, then the service-credential file
/// (`COS_CREDENTIALS_FILE` or `~/.bluemix/cos_credentials`), then `~/.aws/credentials` and
/// `~/.aws/config` (profile `AWS_PROFILE`, else `default`). `Ok(None)` when no source has credentials;
/// an error when a source is malformed (naming the file and the problem).
pub fn resolve_credentials(env: &Environment) -> Result<Option<ResolvedCredentials>, Error> {
    if let Some(found) = from_env_vars(env)? {
        return Ok(Some(found));
    }
    if let Some(found) = from_service_credential_file(env)? {
        return Ok(Some(found));
    }
    from_aws_profiles(env, None)
}

/// The credentials of the `~/.aws` profile `profile` alone, whatever the credential variables and the
/// service-credential file hold: what a command line's `--profile` asks for. A profile that is missing,
/// or has no credentials, is an error.
pub fn resolve_profile_credentials(env: &Environment, profile: &str) -> Result<ResolvedCredentials, Error> {
    from_aws_profiles(env, Some(profile))?
        .ok_or_else(|| Error::credentials(format!("profile `{profile}` has no credentials; add them with `cos configure`")))
}

fn from_env_vars(env: &Environment) -> Result<Option<ResolvedCredentials>, Error> {
    let access_key = env.var("AWS_ACCESS_KEY_ID");
    let secret_key = env.var("AWS_SECRET_ACCESS_KEY");
    let api_key = env.var("IBM_API_KEY_ID");
    let credentials = match (access_key, secret_key) {
        (Some(id), Some(secret)) => {
            let mut credentials = Credentials::hmac(id, secret);
            if let Some(token) = env.var("AWS_SESSION_TOKEN") {
                credentials = credentials.with_session_token(token);
            }
            credentials
        }
        (Some(_), None) => {
            return Err(Error::credentials(
                "environment variable AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither",
            ))
        }
        (None, Some(_)) => {
            return Err(Error::credentials(
                "environment variable AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither",
            ))
        }
        (None, None) => match api_key {
            Some(key) => Credentials::api_key(key),
            None => return Ok(None),
        },
    };
    let IbmSettings { instance_id, iam_endpoint } = IbmSettings::from_environment(env);
    Ok(Some(ResolvedCredentials { credentials, instance_id, iam_endpoint, endpoint_url: None, source: "environment".to_string() }))
}

/// The IBM settings the environment gives beside credentials, read in this one place: the service
/// instance id (`IBM_SERVICE_INSTANCE_ID`) and the IAM endpoint (`IBM_AUTH_ENDPOINT`).
pub(crate) struct IbmSettings {
    pub(crate) instance_id: Option<String>,
    pub(crate) iam_endpoint: Option<String>,
}

impl IbmSettings {
    pub(crate) fn from_environment(env: &Environment) -> IbmSettings {
        IbmSettings { instance_id: env.var("IBM_SERVICE_INSTANCE_ID"), iam_endpoint: env.var("IBM_AUTH_ENDPOINT") }
    }
}

fn from_service_credential_file(env: &Environment) -> Result<Option<ResolvedCredentials>, Error> {
    let (path, must_exist) = match env.var("COS_CREDENTIALS_FILE") {
        Some(path) => (PathBuf::from(path), true),
        None => match env.home() {
            Some(home) => (home.join(".bluemix").join("cos_credentials"), false),
            None => return Ok(None),
        },
    };
    let Some(text) = read_optional(&path, must_exist, "COS_CREDENTIALS_FILE")? else {
        return Ok(None);
    };
    parse_service_credentials(&path, &text).map(Some)
}

fn read_optional(path: &Path, must_exist: bool, variable: &str) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(None),
        Err(e) => Err(Error::credentials(format!(
            "could not read credentials file `{}` (named by {variable}): {e}; fix the path or the file's permissions",
            path.display()
        ))),
    }
}

/// Parses a service credential: a JSON object, `{"credentials": {...}}`, or the IBM Cloud CLI's array of those.
pub(crate) fn parse_service_credentials(path: &Path, text: &str) -> Result<ResolvedCredentials, Error> {
    let malformed = |problem: String| {
        Error::credentials(format!("service credential file `{}` is malformed: {problem}", path.display()))
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed(format!("{e}; it must be JSON")))?;
    let mut object = match &value {
        serde_json::Value::Array(entries) => entries
            .first()
            .ok_or_else(|| malformed("the array is empty; it must hold at least one credential".to_string()))?,
        other => other,
    };
    if let Some(inner) = object.get("credentials") {
        object = inner;
    }
    let object = object
        .as_object()
        .ok_or_else(|| malformed("expected a JSON object with `apikey` or `cos_hmac_keys`".to_string()))?;
    let string = |key: &str| -> Result<Option<String>, Error> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(malformed(format!("`{key}` must be a string"))),
        }
    };
    let hmac = match object.get("cos_hmac_keys") {
        None | Some(serde_json::Value::Null) => None,
        Some(keys) => {
            let get = |key: &str| keys.get(key).and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string);
            match (get("access_key_id"), get("secret_access_key")) {
                (Some(id), Some(secret)) => Some(Credentials::hmac(id, secret)),
                _ => {
                    return Err(malformed(
                        "`cos_hmac_keys` needs both `access_key_id` and `secret_access_key` strings".to_string(),
                    ))
                }
            }
        }
    };
    let credentials = match (hmac, string("apikey")?) {
        (Some(hmac), _) => hmac,
        (None, Some(key)) if key.trim().is_empty() => {
            return Err(malformed("`apikey` is empty; put the service credential's API key there".to_string()))
        }
        (None, Some(key)) => Credentials::api_key(key),
        (None, None) => return Err(malformed("it has neither `cos_hmac_keys` nor `apikey`".to_string())),
    };
    Ok(ResolvedCredentials {
        credentials,
        instance_id: string("resource_instance_id")?,
        iam_endpoint: string("iam_auth_endpoint")?,
        endpoint_url: None,
        source: format!("service credential file `{}`", path.display()),
    })
}

/// The credentials of the profile `named`, else of `AWS_PROFILE`, else of `default`; a profile that is
/// named either way must exist and hold credentials.
fn from_aws_profiles(env: &Environment, named: Option<&str>) -> Result<Option<ResolvedCredentials>, Error> {
    let (explicit_profile, named_by) = match named {
        Some(profile) => (Some(profile.to_string()), "given"),
        None => (env.var("AWS_PROFILE"), "named by AWS_PROFILE"),
    };
    let profile = explicit_profile.clone().unwrap_or_else(|| "default".to_string());
    let aws_dir = env.home().map(|home| home.join(".aws"));
    let credentials_path = match env.var("AWS_SHARED_CREDENTIALS_FILE") {
        Some(p) => Some((PathBuf::from(p), true, "AWS_SHARED_CREDENTIALS_FILE")),
        None => aws_dir.as_ref().map(|d| (d.join("credentials"), false, "HOME")),
    };
    let config_path = match env.var("AWS_CONFIG_FILE") {
        Some(p) => Some((PathBuf::from(p), true, "AWS_CONFIG_FILE")),
        None => aws_dir.as_ref().map(|d| (d.join("config"), false, "HOME")),
    };

    // Keys of the config file come first; the credentials file overrides them.
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut found_in: Vec<String> = Vec::new();
    if let Some((path, must_exist, variable)) = &config_path {
        if let Some(text) = read_optional(path, *must_exist, variable)? {
            let sections = parse_ini(path, &text)?;
            let wanted = if profile == "default" { "default".to_string() } else { format!("profile {profile}") };
            let section = sections.get(&wanted).or_else(|| sections.get(&profile));
            if let Some(section) = section {
                keys.extend(section.clone());
                found_in.push(format!("`{}`", path.display()));
            }
        }
    }
    if let Some((path, must_exist, variable)) = &credentials_path {
        if let Some(text) = read_optional(path, *must_exist, variable)? {
            let sections = parse_ini(path, &text)?;
            if let Some(section) = sections.get(&profile) {
                keys.extend(section.clone());
                found_in.push(format!("`{}`", path.display()));
            }
        }
    }
    if found_in.is_empty() {
        if explicit_profile.is_some() {
            return Err(Error::credentials(format!(
                "profile `{profile}` {named_by} is in neither the shared credentials file nor the config file; add \
                 it or name another"
            )));
        }
        return Ok(None);
    }
    let where_ = format!("profile `{profile}` in {}", found_in.join(" and "));
    let get = |key: &str| keys.get(key).filter(|v| !v.is_empty()).cloned();
    let credentials = match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => {
            let mut credentials = Credentials::hmac(id, secret);
            if let Some(token) = get("aws_session_token") {
                credentials = credentials.with_session_token(token);
            }
            credentials
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::credentials(format!(
                "{where_} has only one of aws_access_key_id and aws_secret_access_key; set both"
            )))
        }
        (None, None) => match get("ibm_api_key_id") {
            Some(key) => Credentials::api_key(key),
            None if explicit_profile.is_some() => {
                return Err(Error::credentials(format!(
                    "{where_} has neither aws_access_key_id/aws_secret_access_key nor ibm_api_key_id; add one of them"
                )))
            }
            None => return Ok(None),
        },
    };
    Ok(Some(ResolvedCredentials {
        credentials,
        instance_id: get("ibm_service_instance_id"),
        iam_endpoint: get("ibm_auth_endpoint"),
        endpoint_url: get("endpoint_url"),
        source: where_,
    }))
}

pub(crate) type IniSections = BTreeMap<String, BTreeMap<String, String>>;

/// Parses an AWS-style INI file: `[section]` headers, `key = value` lines, `#` and `;` comments, and indented
/// sub-properties (which are skipped). Anything else is an error naming the file and line.
pub(crate) fn parse_ini(path: &Path, text: &str) -> Result<IniSections, Error> {
    let mut sections = IniSections::new();
    let mut current: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let malformed = |problem: &str| {
            Error::credentials(format!("`{}` line {line_no} is malformed: {problem}", path.display()))
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if raw.starts_with(char::is_whitespace) && current.is_some() {
            // A nested property such as `s3 =\n  addressing_style = path`: not a credential, skipped.
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| malformed("a section header must end with `]`"))?
                .trim();
            if name.is_empty() {
                return Err(malformed("the section name is empty"));
            }
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| malformed("expected `key = value`, a `[section]` header or a comment"))?;
        let section = current.as_ref().ok_or_else(|| malformed("a key appears before any `[section]` header"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(malformed("the key before `=` is empty"));
        }
        sections.get_mut(section).expect("section exists").insert(key.to_ascii_lowercase(), value.trim().to_string());
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let text = format!(
            "{:?} {:?} {:?} {:?}",
            Credentials::hmac("AKID", "very-secret-key").with_session_token("session-secret"),
            Credentials::api_key("api-secret"),
            Credentials::bearer_token("bearer-secret"),
            AccessToken::new("token-secret", None)
        );
        for secret in ["very-secret-key", "session-secret", "api-secret", "bearer-secret", "token-secret"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        assert!(text.contains("AKID"), "the access key id is not secret: {text}");
    }

    #[test]
    fn ini_parser_reports_line_numbers() {
        let path = Path::new("/x/credentials");
        let sections = parse_ini(path, "# c\n[default]\naws_access_key_id = A\n s3 =\n  addressing_style = path\n[profile p]\nk=v\n").unwrap();
        assert_eq!(sections["default"]["aws_access_key_id"], "A");
        assert_eq!(sections["profile p"]["k"], "v");
        let err = parse_ini(path, "[default]\nthis is not ini\n").unwrap_err().to_string();
        assert!(err.contains("/x/credentials") && err.contains("line 2"), "{err}");
        let err = parse_ini(path, "key = before section\n").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("section"), "{err}");
    }

    #[test]
    fn an_empty_api_key_is_refused() {
        for text in [r#"{"apikey": ""}"#, r#"{"apikey": "  "}"#, r#"[{"credentials": {"apikey": ""}}]"#] {
            let Err(error) = parse_service_credentials(Path::new("creds.json"), text) else { panic!("{text} was accepted") };
            let error = error.to_string();
            assert!(error.contains("creds.json") && error.contains("`apikey` is empty"), "{error}");
        }
    }

    #[test]
    fn service_credentials_forms() {
        let path = Path::new("/x/cos_credentials");
        let both = r#"{"apikey":"k","cos_hmac_keys":{"access_key_id":"id","secret_access_key":"s"},"resource_instance_id":"crn:1"}"#;
        let found = parse_service_credentials(path, both).unwrap();
        assert_eq!(found.credentials.kind(), CredentialsKind::Hmac, "HMAC wins over the API key");
        assert_eq!(found.instance_id.as_deref(), Some("crn:1"));
        let cli = r#"[{"credentials":{"apikey":"k","iam_auth_endpoint":"https://iam.example/identity/token"}}]"#;
        let found = parse_service_credentials(path, cli).unwrap();
        assert_eq!(found.credentials.kind(), CredentialsKind::ApiKey);
        assert_eq!(found.iam_endpoint.as_deref(), Some("https://iam.example/identity/token"));
        let err = parse_service_credentials(path, "{not json").unwrap_err().to_string();
        assert!(err.contains("/x/cos_credentials") && err.contains("malformed"), "{err}");
        let err = parse_service_credentials(path, r#"{"cos_hmac_keys":{"access_key_id":"id"}}"#).unwrap_err().to_string();
        assert!(err.contains("secret_access_key"), "{err}");
    }
}
