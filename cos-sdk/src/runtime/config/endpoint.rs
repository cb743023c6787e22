//! Endpoints: where requests go, and whether the bucket goes into the host name or the path.

use crate::runtime::config::env::Environment;
use crate::runtime::error::Error;

/// Which network an IBM COS endpoint is reached over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EndpointType {
    /// The public internet: `s3.<location>.cloud-object-storage.appdomain.cloud`.
    #[default]
    Public,
    /// IBM Cloud's private network: `s3.private.<location>...`.
    Private,
    /// Direct Link and VPC: `s3.direct.<location>...`.
    Direct,
}

impl EndpointType {
    /// Parses `public`, `private` or `direct` (any case).
    pub fn parse(name: &str) -> Result<EndpointType, Error> {
        match name.trim().to_ascii_lowercase().as_str() {
            "public" => Ok(EndpointType::Public),
            "private" => Ok(EndpointType::Private),
            "direct" => Ok(EndpointType::Direct),
            other => Err(Error::invalid_input(format!(
                "unknown endpoint type `{other}`; use one of public, private, direct"
            ))),
        }
    }

    fn host_infix(self) -> &'static str {
        match self {
            EndpointType::Public => "",
            EndpointType::Private => "private.",
            EndpointType::Direct => "direct.",
        }
    }
}

/// Regional IBM COS locations (resilient across three zones of one region).
pub const REGIONAL_LOCATIONS: &[&str] = &[
    "us-south", "us-east", "eu-gb", "eu-de", "au-syd", "jp-tok", "jp-osa", "ca-tor", "br-sao", "eu-es", "ca-mon",
    "in-che",
];

/// Cross-region IBM COS locations (resilient across regions).
pub const CROSS_REGION_LOCATIONS: &[&str] = &["us", "eu", "ap"];

/// Single-site IBM COS locations (one data center).
pub const SINGLE_SITE_LOCATIONS: &[&str] = &["ams03", "che01", "mon01", "par01", "sjc04", "sng01"];

/// Storage-class suffixes of location constraints (`us-south-smart`), which name the same endpoint.
const LOCATION_SUFFIXES: &[&str] = &["-standard", "-vault", "-cold", "-flex", "-smart", "-onerate_active"];

/// The IBM location a name refers to, if it is one: exact, in any case, or with a storage-class suffix.
fn known_location(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    let mut candidates = vec![lower.as_str()];
    for suffix in LOCATION_SUFFIXES {
        if let Some(stripped) = lower.strip_suffix(suffix) {
            candidates.push(stripped);
        }
    }
    REGIONAL_LOCATIONS
        .iter()
        .chain(CROSS_REGION_LOCATIONS)
        .chain(SINGLE_SITE_LOCATIONS)
        .find(|known| candidates.contains(known))
        .copied()
}

/// `url` with the `user:password@` part of its authority, if any, replaced by `***@`, for messages.
pub(crate) fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// Refuses an authority with `user:password@`: such credentials would travel in the Host header, be
/// signed and be quoted in errors, and COS never reads them. `what` and `shown` name the setting.
pub(crate) fn refuse_userinfo(authority: &str, what: &str, shown: &str) -> Result<(), Error> {
    if authority.contains('@') {
        return Err(Error::invalid_input(format!(
            "the {what} `{shown}` has a user name or password in it; remove the `user:password@` part (the service \
             authenticates with the configured credentials, never with credentials in the URL)"
        )));
    }
    Ok(())
}

/// Refuses an authority whose written port is not one (`host:`, `host:0`, `host:70000`): the URL parser
/// drops such a port, so the connection would go to the default port while the signature names another.
pub(crate) fn refuse_bad_port(authority: &str, what: &str, shown: &str) -> Result<(), Error> {
    let port = if authority.ends_with(']') { None } else { authority.rsplit_once(':').map(|(_, port)| port) };
    match port.filter(|port| !port.parse::<u16>().is_ok_and(|n| n > 0)) {
        Some(port) => Err(Error::invalid_input(format!(
            "the {what} `{shown}` has the port `{port}`, which is not one (1 to 65535); fix the port or leave it out"
        ))),
        None => Ok(()),
    }
}

/// A resolved service endpoint: scheme, authority and an optional path prefix, plus the addressing style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    authority: String,
    path_prefix: String,
    virtual_hosted_style: bool,
}

impl Endpoint {
    /// Parses an endpoint URL such as `https://s3.us-south.cloud-object-storage.appdomain.cloud` or
    /// `http://127.0.0.1:9000/prefix`. The path prefix is kept; a trailing `/` is dropped.
    pub fn new(url: &str) -> Result<Endpoint, Error> {
        // Errors quote the URL with any user:password part masked: it may hold a secret.
        let shown = without_userinfo(url);
        let uri: http::Uri = url.parse().map_err(|e| {
            Error::invalid_input(format!("endpoint URL `{shown}` is not a valid URL ({e}); use a form like https://host[:port][/prefix]"))
        })?;
        let scheme = match uri.scheme_str() {
            Some(s @ ("http" | "https")) => s.to_string(),
            _ => {
                return Err(Error::invalid_input(format!(
                    "endpoint URL `{shown}` must start with http:// or https://"
                )))
            }
        };
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Error::invalid_input(format!("endpoint URL `{shown}` has no host")))?;
        refuse_userinfo(&authority, "endpoint URL", &shown)?;
        refuse_bad_port(&authority, "endpoint URL", &shown)?;
        if uri.query().is_some() {
            return Err(Error::invalid_input(format!("endpoint URL `{shown}` must not have a query string")));
        }
        let path_prefix = uri.path().trim_end_matches('/').to_string();
        Ok(Endpoint { scheme, authority, path_prefix, virtual_hosted_style: false })
    }

    /// The endpoint of an IBM COS location (`us-south`, `eu`, `ams03`, ...) over the given network.
    /// An unknown location is an error that lists the known ones.
    pub fn ibm(location: &str, endpoint_type: EndpointType) -> Result<Endpoint, Error> {
        let Some(location) = known_location(location) else {
            return Err(Error::invalid_input(format!(
                "unknown IBM COS location `{location}`; use one of the regional locations {}, the cross-region \
                 locations {}, the single-site locations {}, or give an endpoint URL",
                REGIONAL_LOCATIONS.join(", "),
                CROSS_REGION_LOCATIONS.join(", "),
                SINGLE_SITE_LOCATIONS.join(", ")
            )));
        };
        Endpoint::new(&format!(
            "https://s3.{}{location}.cloud-object-storage.appdomain.cloud",
            endpoint_type.host_infix()
        ))
    }

    /// The endpoint the environment names: the URL in `COS_ENDPOINT`, `AWS_ENDPOINT_URL_S3` or
    /// `AWS_ENDPOINT_URL` (first set wins), else the IBM location in `COS_REGION` or `AWS_REGION` over the
    /// network in `COS_ENDPOINT_TYPE` (public by default). `None` when none of them is set.
    pub fn from_environment(env: &Environment) -> Result<Option<Endpoint>, Error> {
        match Endpoint::from_url_variables(env)? {
            Some(endpoint) => Ok(Some(endpoint)),
            None => Endpoint::from_location_variables(env),
        }
    }

    /// The URL in `COS_ENDPOINT`, `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (first set wins).
    pub(crate) fn from_url_variables(env: &Environment) -> Result<Option<Endpoint>, Error> {
        for name in ["COS_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
            if let Some(url) = env.var(name) {
                return Endpoint::new(&url)
                    .map(Some)
                    .map_err(|e| Error::invalid_input(format!("environment variable {name}: {}", e.message())));
            }
        }
        Ok(None)
    }

    /// The IBM location in `COS_REGION` or `AWS_REGION` over the network in `COS_ENDPOINT_TYPE`.
    pub(crate) fn from_location_variables(env: &Environment) -> Result<Option<Endpoint>, Error> {
        let endpoint_type = match env.var("COS_ENDPOINT_TYPE") {
            Some(t) => EndpointType::parse(&t)
                .map_err(|e| Error::invalid_input(format!("environment variable COS_ENDPOINT_TYPE: {}", e.message())))?,
            None => EndpointType::Public,
        };
        for name in ["COS_REGION", "AWS_REGION"] {
            if let Some(location) = env.var(name) {
                return Endpoint::ibm(&location, endpoint_type)
                    .map(Some)
                    .map_err(|e| Error::invalid_input(format!("environment variable {name}: {}", e.message())));
            }
        }
        Ok(None)
    }

    /// Puts the bucket into the host name (`bucket.host`) when it is a DNS label without dots.
    pub fn with_virtual_hosted_style(mut self, virtual_hosted_style: bool) -> Self {
        self.virtual_hosted_style = virtual_hosted_style;
        self
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
    /// Host and optional port.
    pub fn authority(&self) -> &str {
        &self.authority
    }
    /// The path prefix, empty or starting with `/` and without a trailing `/`.
    pub fn path_prefix(&self) -> &str {
        &self.path_prefix
    }
    /// Whether virtual-hosted style was requested.
    pub fn virtual_hosted_style(&self) -> bool {
        self.virtual_hosted_style
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_refused_and_never_quoted() {
        for url in ["http://user:hunter2@127.0.0.1:9000", "https://hunter2@s3.example/prefix", "http://a:hunter2@[::1]/"] {
            let error = Endpoint::new(url).unwrap_err();
            let text = error.to_string();
            assert!(text.contains("user:password@") && text.contains("***@"), "{text}");
            assert!(!text.contains("hunter2"), "the secret is quoted: {text}");
        }
        // An invalid URL with userinfo is quoted masked too.
        let text = Endpoint::new("http://u:hunter2@exa mple").unwrap_err().to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(without_userinfo("https://u:p@host:1/a@b"), "https://***@host:1/a@b");
        assert_eq!(without_userinfo("https://host/a@b"), "https://host/a@b");
        let builder = crate::client::config::Config::builder()
            .endpoint_url("http://u:hunter2@s3.example")
            .iam_endpoint("https://key:hunter2@iam.example/identity/token")
            .credentials(crate::runtime::auth::credentials::Credentials::api_key("k"));
        let debug = format!("{builder:?}");
        assert!(!debug.contains("hunter2") && debug.contains("***@iam.example"), "{debug}");
        let iam = builder.endpoint_url("https://s3.example").build().unwrap_err().to_string();
        assert!(iam.contains("IAM endpoint") && !iam.contains("hunter2"), "{iam}");
    }

    #[test]
    fn ibm_locations_build_their_hosts() {
        let e = Endpoint::ibm("us-south", EndpointType::Public).unwrap();
        assert_eq!(e.authority(), "s3.us-south.cloud-object-storage.appdomain.cloud");
        assert_eq!(e.scheme(), "https");
        let e = Endpoint::ibm("EU", EndpointType::Private).unwrap();
        assert_eq!(e.authority(), "s3.private.eu.cloud-object-storage.appdomain.cloud");
        let e = Endpoint::ibm("ams03", EndpointType::Direct).unwrap();
        assert_eq!(e.authority(), "s3.direct.ams03.cloud-object-storage.appdomain.cloud");
        let e = Endpoint::ibm("us-south-smart", EndpointType::Public).unwrap();
        assert_eq!(e.authority(), "s3.us-south.cloud-object-storage.appdomain.cloud");
        for location in REGIONAL_LOCATIONS.iter().chain(CROSS_REGION_LOCATIONS).chain(SINGLE_SITE_LOCATIONS) {
            Endpoint::ibm(location, EndpointType::Public).unwrap();
        }
    }

    #[test]
    fn unknown_location_lists_known_ones() {
        let err = Endpoint::ibm("mars-north", EndpointType::Public).unwrap_err().to_string();
        assert!(err.contains("mars-north"), "{err}");
        assert!(err.contains("us-south") && err.contains("ap") && err.contains("sng01"), "{err}");
        let err = EndpointType::parse("secret").unwrap_err().to_string();
        assert!(err.contains("public, private, direct"), "{err}");
    }

    #[test]
    fn a_written_port_must_be_a_port() {
        for url in ["http://127.0.0.1:70000", "https://host:", "http://host:0", "http://[::1]:99999/p"] {
            let error = Endpoint::new(url).unwrap_err().to_string();
            assert!(error.contains("1 to 65535"), "{url}: {error}");
        }
        for url in ["http://127.0.0.1:9000", "https://host", "http://[::1]", "http://[::1]:65535/p"] {
            assert!(Endpoint::new(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn custom_url_keeps_its_path_prefix() {
        let e = Endpoint::new("http://127.0.0.1:9000/prefix/").unwrap();
        assert_eq!((e.scheme(), e.authority(), e.path_prefix()), ("http", "127.0.0.1:9000", "/prefix"));
        assert!(Endpoint::new("ftp://x").is_err());
        assert!(Endpoint::new("https://x/?a=b").is_err());
    }

    #[test]
    fn environment_precedence() {
        let env = Environment::from_vars([("AWS_ENDPOINT_URL", "http://b:1"), ("COS_ENDPOINT", "http://a:1")], None);
        assert_eq!(Endpoint::from_environment(&env).unwrap().unwrap().authority(), "a:1");
        let env = Environment::from_vars([("AWS_ENDPOINT_URL", "http://b:1"), ("AWS_ENDPOINT_URL_S3", "http://c:1")], None);
        assert_eq!(Endpoint::from_environment(&env).unwrap().unwrap().authority(), "c:1");
        let env = Environment::from_vars([("AWS_REGION", "eu-de"), ("COS_REGION", "jp-tok"), ("COS_ENDPOINT_TYPE", "private")], None);
        assert_eq!(
            Endpoint::from_environment(&env).unwrap().unwrap().authority(),
            "s3.private.jp-tok.cloud-object-storage.appdomain.cloud"
        );
        let env = Environment::from_vars([("AWS_REGION", "us-east-1")], None);
        let err = Endpoint::from_environment(&env).unwrap_err().to_string();
        assert!(err.contains("AWS_REGION") && err.contains("us-east-1") && err.contains("us-south"), "{err}");
        assert!(Endpoint::from_environment(&Environment::from_vars(Vec::<(String, String)>::new(), None)).unwrap().is_none());
    }
}
