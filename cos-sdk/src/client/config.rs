//! Client configuration: endpoint, credentials, TLS, timeouts and retries, built explicitly or read from
//! an [`Environment`] (the process environment and home directory, or a fixed set for tests). It sits
//! above the runtime's rooms because it gathers their settings: credentials (auth), the endpoint and
//! environment (config), retries and the signing of payloads.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::runtime::auth::credentials::{
    resolve_credentials, resolve_profile_credentials, Credentials, IbmSettings, ResolvedCredentials,
};
use crate::runtime::config::endpoint::{Endpoint, EndpointType};
use crate::runtime::error::Error;
use crate::runtime::http::hyper_client::PoolSettings;
use crate::runtime::http::proxy::{ProxyConfig, PROXY_VARIABLES};
use crate::runtime::http::tls::TlsRoots;
use crate::runtime::http::transport::HttpClient;
use crate::runtime::retry::{RetryConfig, RetryMode};

pub use crate::runtime::auth::iam::DEFAULT_IAM_ENDPOINT;
pub use crate::runtime::auth::sign::PayloadSigning;
pub use crate::runtime::config::env::Environment;
use crate::runtime::auth::iam::normalize_iam_endpoint;


/// Timeouts of the transport. `None` turns one off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a TCP connection and the TLS handshake. Default 10 s.
    pub connect: Option<Duration>,
    /// One attempt: sending the request and receiving the response headers (and the body, when it is
    /// read into memory). Default off: long CopyObject and CompleteMultipartUpload calls must not be cut.
    pub attempt: Option<Duration>,
    /// The whole operation, retries and backoff included. Default off.
    pub operation: Option<Duration>,
    /// The longest wait without progress: while the request body goes out (between two chunks sent),
    /// for the response headers after the last chunk, and between two chunks of a response body. A slow
    /// but moving upload never times out. Default 60 s; operations that answer `200` only when done
    /// (CopyObject, UploadPartCopy, CompleteMultipartUpload) wait ten times as long for their headers.
    pub stall: Option<Duration>,
    /// A request for an IAM token. Default 30 s.
    pub token: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Some(Duration::from_secs(10)),
            attempt: None,
            operation: None,
            stall: Some(Duration::from_secs(60)),
            token: Some(Duration::from_secs(30)),
        }
    }
}

impl Timeouts {
    /// Refuses a zero timeout: it would fail every request at once. `None` is how one is turned off.
    fn check(&self) -> Result<(), Error> {
        let named = [
            ("connect", self.connect),
            ("attempt", self.attempt),
            ("operation", self.operation),
            ("stall", self.stall),
            ("token", self.token),
        ];
        match named.iter().find(|(_, limit)| *limit == Some(Duration::ZERO)) {
            Some((name, _)) => Err(Error::invalid_input(format!(
                "Timeouts::{name} is zero, which would fail every request at once; give a positive duration, or None \
                 to turn that timeout off"
            ))),
            None => Ok(()),
        }
    }
}

/// The most bytes read into memory from one answer that is not handed over as a stream. Far above any
/// legitimate S3 answer by default, so that only a misbehaving server meets them; an answer past a
/// limit fails with an error naming it instead of taking the process's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseLimits {
    /// A result document (a listing, a configuration, any XML answer). Default 64 MiB; a 1,000-key
    /// listing with 1,024-byte keys is under 3 MiB.
    pub result_body: u64,
    /// An error document (any answer with an error status). Default 1 MiB.
    pub error_body: u64,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        ResponseLimits { result_body: 64 * 1024 * 1024, error_body: 1024 * 1024 }
    }
}

/// Everything a [`crate::client::Client`] needs. Build one with [`Config::builder`] or [`Config::from_env`].
#[derive(Clone)]
pub struct Config {
    pub(crate) endpoint: Endpoint,
    pub(crate) region: String,
    pub(crate) credentials: Credentials,
    pub(crate) credentials_source: String,
    pub(crate) instance_id: Option<String>,
    pub(crate) iam_endpoint: String,
    pub(crate) allow_http: bool,
    pub(crate) ca_bundle: Option<Arc<Vec<CertificateDer<'static>>>>,
    pub(crate) tls_roots: TlsRoots,
    pub(crate) proxies: Arc<ProxyConfig>,
    pub(crate) pool: PoolSettings,
    pub(crate) http_client: Option<Arc<dyn HttpClient>>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeouts: Timeouts,
    pub(crate) response_limits: ResponseLimits,
    pub(crate) payload_signing: PayloadSigning,
    pub(crate) app_name: Option<String>,
}

impl Config {
    /// A builder with defaults; set at least an endpoint (or location) and credentials.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Configuration from the process environment: see [`ConfigBuilder::from_environment`].
    pub fn from_env() -> Result<Config, Error> {
        ConfigBuilder::from_environment(&Environment::from_process())?.build()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    /// The region that scopes SigV4 signatures.
    pub fn region(&self) -> &str {
        &self.region
    }
    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }
    /// The service instance id sent as `ibm-service-instance-id`.
    pub fn instance_id(&self) -> Option<&str> {
        self.instance_id.as_deref()
    }
    /// The IAM token endpoint.
    pub fn iam_endpoint(&self) -> &str {
        &self.iam_endpoint
    }
    /// Whether bearer tokens may be sent over plain HTTP.
    pub fn allow_http(&self) -> bool {
        self.allow_http
    }
    /// The trust anchors of the built-in transport.
    pub fn tls_roots(&self) -> TlsRoots {
        self.tls_roots
    }
    /// The proxies of the built-in transport.
    pub fn proxies(&self) -> &ProxyConfig {
        &self.proxies
    }
    /// The connection pool of the built-in transport.
    pub fn pool(&self) -> &PoolSettings {
        &self.pool
    }
    /// The retry settings.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }
    /// The timeouts.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The limits on answers read into memory.
    pub fn response_limits(&self) -> &ResponseLimits {
        &self.response_limits
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("credentials_source", &self.credentials_source)
            .field("instance_id", &self.instance_id)
            .field("iam_endpoint", &self.iam_endpoint)
            .field("allow_http", &self.allow_http)
            .field("ca_bundle", &self.ca_bundle.as_ref().map(|c| format!("{} certificates", c.len())))
            .field("tls_roots", &self.tls_roots)
            .field("proxies", &self.proxies)
            .field("pool", &self.pool)
            .field("http_client", &self.http_client)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("response_limits", &self.response_limits)
            .field("payload_signing", &self.payload_signing)
            .field("app_name", &self.app_name)
            .finish()
    }
}

/// A URL as given, shown in `Debug` with any `user:password@` part masked (the builder refuses such
/// URLs only in `build`).
#[derive(Clone, Default)]
struct GivenUrl(String);

impl fmt::Debug for GivenUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&crate::runtime::config::endpoint::without_userinfo(&self.0), f)
    }
}

/// Builds a [`Config`]; every setter returns the builder.
#[derive(Clone, Debug, Default)]
pub struct ConfigBuilder {
    endpoint_url: Option<GivenUrl>,
    location: Option<(String, &'static str)>,
    endpoint_type: EndpointType,
    virtual_hosted_style: bool,
    region: Option<String>,
    credentials: Option<Credentials>,
    credentials_source: Option<String>,
    instance_id: Option<String>,
    iam_endpoint: Option<GivenUrl>,
    allow_http: bool,
    ca_bundle_pem: Option<(Vec<u8>, String)>,
    tls_roots: TlsRoots,
    proxies: Option<ProxyConfig>,
    /// The proxy variables `from_environment` found, read in `build` unless a proxy or a transport is set
    /// (an `Environment`, so `Debug` shows their names only: a proxy URL may hold a password).
    proxy_vars: Option<Environment>,
    pool: PoolSettings,
    http_client: Option<Arc<dyn HttpClient>>,
    retry: RetryConfig,
    timeouts: Timeouts,
    response_limits: ResponseLimits,
    payload_signing: PayloadSigning,
    app_name: Option<String>,
    /// The endpoint the environment names, or why the one it names is not one (said by `build` when
    /// no setter names another).
    environment_endpoint: Option<Result<Endpoint, String>>,
}

impl ConfigBuilder {
    /// A builder filled from `env`:
    /// credentials from the chain (environment, service-credential file, `~/.aws` profiles);
    /// the endpoint from `COS_ENDPOINT`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, or the IBM location in
    /// `COS_REGION` / `AWS_REGION` with `COS_ENDPOINT_TYPE`, where the `endpoint_url` of the `~/.aws`
    /// profile the credentials came from ranks after the URL variables and before the location ones;
    /// the signing region from `AWS_REGION`;
    /// `IBM_SERVICE_INSTANCE_ID`, `IBM_AUTH_ENDPOINT`, `AWS_CA_BUNDLE`, `AWS_MAX_ATTEMPTS`,
    /// `AWS_RETRY_MODE` and `COS_ALLOW_HTTP=1`; the proxies of `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`
    /// and `NO_PROXY` (see [`ProxyConfig::from_vars`]). Setters called afterwards override what it found.
    pub fn from_environment(env: &Environment) -> Result<ConfigBuilder, Error> {
        ConfigBuilder::from_environment_and(env, resolve_credentials(env)?)
    }

    /// Like [`from_environment`](Self::from_environment), but the credentials, and the `endpoint_url`,
    /// instance id and IAM endpoint beside them, are those of the `~/.aws` profile `profile`, ahead of
    /// the credential variables and the service-credential file: what a command line's `--profile`
    /// means. A profile that is missing or holds no credentials is an error.
    pub fn from_environment_with_profile(env: &Environment, profile: &str) -> Result<ConfigBuilder, Error> {
        ConfigBuilder::from_environment_and(env, Some(resolve_profile_credentials(env, profile)?))
    }

    /// What `from_environment` reads, with these credentials.
    fn from_environment_and(env: &Environment, credentials: Option<ResolvedCredentials>) -> Result<ConfigBuilder, Error> {
        let mut builder = ConfigBuilder::default();
        let mut profile_endpoint = None;
        if let Some(found) = credentials {
            profile_endpoint = found.endpoint_url.map(|url| (url, found.source.clone()));
            builder.credentials = Some(found.credentials);
            builder.credentials_source = Some(found.source);
            builder.instance_id = found.instance_id;
            builder.iam_endpoint = found.iam_endpoint.map(GivenUrl);
        }
        // The environment's IBM settings win over those of a credential file.
        let ibm = IbmSettings::from_environment(env);
        if ibm.instance_id.is_some() {
            builder.instance_id = ibm.instance_id;
        }
        if let Some(url) = ibm.iam_endpoint {
            builder.iam_endpoint = Some(GivenUrl(url));
        }
        // A URL variable, then the profile's endpoint_url (read only when it is the one that counts),
        // then an IBM location variable. A bad one fails `build` only if no setter names the endpoint:
        // `AWS_REGION=us-east-1`, set for another tool, must not stop an explicit `endpoint_url`.
        let found = match Endpoint::from_url_variables(env) {
            Ok(Some(endpoint)) => Ok(Some(endpoint)),
            Err(e) => Err(e),
            Ok(None) => match profile_endpoint {
                Some((url, source)) => Endpoint::new(&url)
                    .map(Some)
                    .map_err(|e| Error::invalid_input(format!("endpoint_url of {source}: {}", e.message()))),
                None => Endpoint::from_location_variables(env),
            },
        };
        builder.environment_endpoint = found.map_err(|e| e.message().to_string()).transpose();
        builder.region = env.var("AWS_REGION");
        let proxy_vars = PROXY_VARIABLES.iter().filter_map(|name| Some((*name, env.var_as_set(name)?)));
        builder.proxy_vars = Some(Environment::from_vars(proxy_vars, None));
        if let Some(path) = env.var("AWS_CA_BUNDLE") {
            let pem = std::fs::read(&path).map_err(|e| {
                Error::invalid_input(format!(
                    "could not read the CA bundle `{path}` named by AWS_CA_BUNDLE: {e}; fix the path or unset it"
                ))
            })?;
            builder.ca_bundle_pem = Some((pem, format!("`{path}` (AWS_CA_BUNDLE)")));
        }
        if let Some(value) = env.var("AWS_MAX_ATTEMPTS") {
            let attempts: u32 = value.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                Error::invalid_input(format!(
                    "environment variable AWS_MAX_ATTEMPTS is `{value}`; it must be a whole number of at least 1"
                ))
            })?;
            builder.retry = builder.retry.with_max_attempts(attempts);
        }
        if let Some(value) = env.var("AWS_RETRY_MODE") {
            let mode = RetryMode::parse(&value)
                .map_err(|e| Error::invalid_input(format!("environment variable AWS_RETRY_MODE: {}", e.message())))?;
            let attempts = env.var("AWS_MAX_ATTEMPTS").map(|_| builder.retry.max_attempts());
            builder.retry = RetryConfig::new(mode);
            if let Some(attempts) = attempts {
                builder.retry = builder.retry.with_max_attempts(attempts);
            }
        }
        if let Some(value) = env.var("COS_ALLOW_HTTP") {
            builder.allow_http = matches!(value.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes");
        }
        Ok(builder)
    }

    /// Sends requests to this URL (`https://host[:port][/prefix]`); overrides a location.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(GivenUrl(url.into()));
        self.location = None;
        self
    }

    /// Sends requests to the endpoint of this IBM COS location (`us-south`, `eu`, `ams03`, ...);
    /// overrides an endpoint URL.
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some((location.into(), "the configured location"));
        self.endpoint_url = None;
        self
    }

    /// The network of an IBM location's endpoint (public by default).
    pub fn endpoint_type(mut self, endpoint_type: EndpointType) -> Self {
        self.endpoint_type = endpoint_type;
        self
    }

    /// Puts the bucket into the host name when it is a DNS label without dots (path style otherwise).
    pub fn virtual_hosted_style(mut self, enabled: bool) -> Self {
        self.virtual_hosted_style = enabled;
        self
    }

    /// The region that scopes SigV4 signatures (`us-east-1` when not set; COS accepts any).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The credentials; they choose the authentication (SigV4, IAM bearer token, or none).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self.credentials_source = Some("explicit".to_string());
        self
    }

    /// The service instance id (CRN or GUID) sent as `ibm-service-instance-id` on CreateBucket, ListBuckets
    /// and ListBucketsExtended.
    pub fn instance_id(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }

    /// The IAM token endpoint (default [`DEFAULT_IAM_ENDPOINT`]); a URL without a path gets `/identity/token`.
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(GivenUrl(url.into()));
        self
    }

    /// Allows bearer tokens and API keys over plain HTTP (for local testing only).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Also trusts the CA certificates of this PEM bundle (only them with [`TlsRoots::CaBundleOnly`]).
    pub fn ca_bundle_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_bundle_pem = Some((pem.into(), "the configured CA bundle".to_string()));
        self
    }

    /// Also trusts the CA certificates of the PEM file at `path` (only them with
    /// [`TlsRoots::CaBundleOnly`]).
    pub fn ca_bundle_file(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|e| {
            Error::invalid_input(format!("could not read the CA bundle `{}`: {e}; fix the path", path.display()))
        })?;
        self.ca_bundle_pem = Some((pem, format!("`{}`", path.display())));
        Ok(self)
    }

    /// Which trust anchors TLS checks server certificates against (default [`TlsRoots::Both`]: the
    /// operating system's store and the bundled web roots).
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = roots;
        self
    }

    /// The proxies requests (IAM token requests included) go through. Without this setting the
    /// builder uses those of the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`: see
    /// [`ProxyConfig::from_vars`]); [`ProxyConfig::none`] connects directly whatever the environment says.
    pub fn proxy(mut self, proxies: ProxyConfig) -> Self {
        self.proxies = Some(proxies);
        self
    }

    /// The connection pool of the built-in transport.
    pub fn pool(mut self, pool: PoolSettings) -> Self {
        self.pool = pool;
        self
    }

    /// Sends requests through `client` instead of the built-in hyper transport: a test double such as
    /// [`crate::transport::MockTransport`], or an HTTP stack of your own (an `Arc` of one works too).
    /// TLS, proxy, pool and connect-timeout settings are then the client's business and these ones are
    /// not used (the environment's proxy variables are not read); the other timeouts, retries and
    /// signing still apply. IAM token requests go through it as well.
    pub fn http_client(mut self, client: impl HttpClient) -> Self {
        self.http_client = Some(Arc::new(client));
        self
    }

    /// The retry settings.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How SigV4 covers payloads.
    pub fn payload_signing(mut self, payload_signing: PayloadSigning) -> Self {
        self.payload_signing = payload_signing;
        self
    }

    /// The most bytes read into memory from one result or error answer (see [`ResponseLimits`]).
    pub fn response_limits(mut self, limits: ResponseLimits) -> Self {
        self.response_limits = limits;
        self
    }

    /// An application name appended to the `User-Agent` header.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Checks the settings and builds the configuration.
    pub fn build(self) -> Result<Config, Error> {
        let endpoint = if let Some(GivenUrl(url)) = &self.endpoint_url {
            Endpoint::new(url)?
        } else if let Some((location, _)) = &self.location {
            Endpoint::ibm(location, self.endpoint_type)?
        } else if let Some(endpoint) = self.environment_endpoint {
            endpoint.map_err(Error::invalid_input)?
        } else {
            return Err(Error::invalid_input(
                "no endpoint is configured; call .endpoint_url(\"https://...\") or .location(\"us-south\") on the \
                 config builder, or set COS_ENDPOINT or COS_REGION",
            ));
        };
        let endpoint = endpoint.with_virtual_hosted_style(self.virtual_hosted_style);
        let credentials = self.credentials.ok_or_else(|| {
            Error::credentials(
                "no credentials were found; set IBM_API_KEY_ID, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
                 write ~/.bluemix/cos_credentials or ~/.aws/credentials, or pass Credentials to the config builder \
                 (Credentials::anonymous() for public buckets)",
            )
        })?;
        let iam_endpoint = normalize_iam_endpoint(self.iam_endpoint.as_ref().map_or(DEFAULT_IAM_ENDPOINT, |u| u.0.as_str()))?;
        let ca_bundle = match &self.ca_bundle_pem {
            None => None,
            Some((pem, origin)) => Some(Arc::new(parse_ca_bundle(pem, origin)?)),
        };
        self.timeouts.check()?;
        // The environment's proxies are read only when they matter: a bad HTTPS_PROXY does not stop a
        // client with an explicit proxy setting, or with a transport of its own, from being built.
        let proxies = match (self.proxies, &self.http_client) {
            (Some(proxies), _) => proxies,
            (None, Some(_)) => ProxyConfig::none(),
            (None, None) => {
                let env = self.proxy_vars.unwrap_or_else(Environment::from_process);
                ProxyConfig::from_vars(|name| env.var_as_set(name))?
            }
        };
        if let Some(region) = &self.region {
            if region.is_empty() || !region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(Error::invalid_input(format!(
                    "region `{region}` is not valid; use letters, digits and `-` (for example us-east-1)"
                )));
            }
        }
        Ok(Config {
            endpoint,
            region: self.region.unwrap_or_else(|| "us-east-1".to_string()),
            credentials,
            credentials_source: self.credentials_source.unwrap_or_else(|| "explicit".to_string()),
            instance_id: self.instance_id,
            iam_endpoint,
            allow_http: self.allow_http,
            ca_bundle,
            tls_roots: self.tls_roots,
            proxies: Arc::new(proxies),
            pool: self.pool,
            http_client: self.http_client,
            retry: self.retry,
            timeouts: self.timeouts,
            response_limits: self.response_limits,
            payload_signing: self.payload_signing,
            app_name: self.app_name,
        })
    }
}


fn parse_ca_bundle(pem: &[u8], origin: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let mut certificates = Vec::new();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        let certificate = certificate.map_err(|e| {
            Error::invalid_input(format!("the CA bundle {origin} is not valid PEM ({e}); give PEM certificates"))
        })?;
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(Error::invalid_input(format!(
            "the CA bundle {origin} holds no certificate; give a file with `-----BEGIN CERTIFICATE-----` blocks"
        )));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::auth::credentials::CredentialsKind;

    #[test]
    fn builder_needs_endpoint_and_credentials() {
        let err = Config::builder().credentials(Credentials::anonymous()).build().unwrap_err().to_string();
        assert!(err.contains("no endpoint") && err.contains("COS_ENDPOINT"), "{err}");
        let err = Config::builder().location("us-south").build().unwrap_err().to_string();
        assert!(err.contains("no credentials"), "{err}");
        let config = Config::builder().location("us-south").credentials(Credentials::anonymous()).build().unwrap();
        assert_eq!(config.region(), "us-east-1");
        assert_eq!(config.iam_endpoint(), DEFAULT_IAM_ENDPOINT);
    }

    #[test]
    fn environment_proxies_are_read_only_when_used() {
        let env = Environment::from_vars(
            [
                ("COS_ENDPOINT", "https://s3.example"),
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("HTTPS_PROXY", "socks5://proxy:1080"),
                ("no_proxy", ".internal"),
            ],
            None,
        );
        let err = ConfigBuilder::from_environment(&env).unwrap().build().unwrap_err().to_string();
        assert!(err.contains("environment variable HTTPS_PROXY") && err.contains("`socks5`"), "{err}");
        // An explicit setting, or a transport of one's own, makes the variable irrelevant.
        let explicit = ConfigBuilder::from_environment(&env).unwrap().proxy(ProxyConfig::all("http://p:3128").unwrap()).build().unwrap();
        assert!(explicit.proxies().proxy_for(&"https://s3.example/".parse().unwrap()).is_some());
        let own = ConfigBuilder::from_environment(&env).unwrap().http_client(crate::runtime::http::mock::MockTransport::new());
        assert!(!own.build().unwrap().proxies().is_enabled());

        let env = Environment::from_vars(
            [("COS_ENDPOINT", "https://s3.example"), ("HTTPS_PROXY", "http://p:3128"), ("no_proxy", "s3.example")],
            None,
        );
        let config = ConfigBuilder::from_environment(&env).unwrap().credentials(Credentials::anonymous()).build().unwrap();
        assert!(config.proxies().is_enabled());
        assert!(config.proxies().proxy_for(&"https://s3.example/".parse().unwrap()).is_none());
        assert!(config.proxies().proxy_for(&"https://other.example/".parse().unwrap()).is_some());
    }

    #[test]
    fn iam_endpoint_without_path_gets_the_token_path() {
        assert_eq!(normalize_iam_endpoint("https://iam.test.cloud.ibm.com").unwrap(), "https://iam.test.cloud.ibm.com/identity/token");
        assert_eq!(normalize_iam_endpoint("http://127.0.0.1:1/x").unwrap(), "http://127.0.0.1:1/x");
        assert!(normalize_iam_endpoint("iam.cloud.ibm.com").is_err());
        let error = normalize_iam_endpoint("https://iam.cloud.ibm.com:443000").unwrap_err().to_string();
        assert!(error.contains("IAM endpoint") && error.contains("1 to 65535"), "{error}");
    }

    #[test]
    fn environment_settings() {
        let env = Environment::from_vars(
            [
                ("IBM_API_KEY_ID", "secret-api-key"),
                ("IBM_SERVICE_INSTANCE_ID", "crn:v1:instance"),
                ("COS_ENDPOINT", "http://127.0.0.1:9"),
                ("AWS_MAX_ATTEMPTS", "7"),
                ("AWS_RETRY_MODE", "adaptive"),
                ("COS_ALLOW_HTTP", "1"),
            ],
            None,
        );
        let config = ConfigBuilder::from_environment(&env).unwrap().build().unwrap();
        assert_eq!(config.credentials().kind(), CredentialsKind::ApiKey);
        assert_eq!(config.instance_id(), Some("crn:v1:instance"));
        assert_eq!(config.retry().max_attempts(), 7);
        assert_eq!(config.retry().mode(), RetryMode::Adaptive);
        assert!(config.allow_http());
        let debug = format!("{config:?} {env:?}");
        assert!(!debug.contains("secret-api-key"), "{debug}");

        let env = Environment::from_vars([("AWS_MAX_ATTEMPTS", "zero")], None);
        let err = ConfigBuilder::from_environment(&env).unwrap_err().to_string();
        assert!(err.contains("AWS_MAX_ATTEMPTS") && err.contains("zero"), "{err}");
        let env = Environment::from_vars([("AWS_RETRY_MODE", "sometimes")], None);
        let err = ConfigBuilder::from_environment(&env).unwrap_err().to_string();
        assert!(err.contains("AWS_RETRY_MODE") && err.contains("standard"), "{err}");
    }

    #[test]
    fn zero_timeouts_are_refused_and_huge_ones_saturate() {
        let builder = || Config::builder().endpoint_url("https://s3.example").credentials(crate::runtime::auth::credentials::Credentials::anonymous());
        for (name, timeouts) in [
            ("stall", Timeouts { stall: Some(Duration::ZERO), ..Timeouts::default() }),
            ("connect", Timeouts { connect: Some(Duration::ZERO), ..Timeouts::default() }),
            ("operation", Timeouts { operation: Some(Duration::ZERO), ..Timeouts::default() }),
        ] {
            let error = builder().timeouts(timeouts).build().unwrap_err().to_string();
            assert!(error.contains(&format!("Timeouts::{name} is zero")) && error.contains("None"), "{error}");
        }
        let max = Some(Duration::MAX);
        let huge = Timeouts { connect: max, attempt: max, operation: max, stall: max, token: max };
        assert!(builder().timeouts(huge).build().is_ok());
        assert!(builder().timeouts(Timeouts { stall: None, ..Timeouts::default() }).build().is_ok());
    }

    #[test]
    fn bad_ca_bundle_is_named() {
        let err = Config::builder()
            .location("us-south")
            .credentials(Credentials::anonymous())
            .ca_bundle_pem(b"not a pem".to_vec())
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("CA bundle") && err.contains("no certificate"), "{err}");
    }
}
