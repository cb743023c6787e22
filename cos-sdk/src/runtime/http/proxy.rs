//! Which proxy a request goes through: the proxy settings (from `HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY` and `NO_PROXY`, or given explicitly), the `NO_PROXY` rules and the credentials a proxy URL
//! carries. The connector (`connector.rs`) acts on the choice; nothing here opens a connection.

use std::fmt;
use std::net::IpAddr;

use http::HeaderValue;

use crate::runtime::base64::base64_encode;
use crate::runtime::error::Error;

/// One HTTP proxy: where it listens and, when its URL had them, the credentials it is sent as
/// `Proxy-Authorization: Basic`. `Debug` and [`Proxy::url`] never show the credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    authorization: Option<HeaderValue>,
}

impl Proxy {
    /// Reads a proxy URL: `http://[user:password@]host[:port]`, or `host:port` alone. The port defaults
    /// to 80; user and password may be percent-encoded. `https://` (TLS to the proxy itself) and SOCKS
    /// proxies are refused with an error saying so. `origin` names where the URL came from, for errors.
    pub fn parse(url: &str, origin: &str) -> Result<Proxy, Error> {
        let bad = |why: &str| {
            Error::invalid_input(format!(
                "the proxy URL of {origin} {why}; write it as http://host:port or http://user:password@host:port"
            ))
        };
        let url = url.trim();
        let rest = match url.split_once("://") {
            None => url,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => {
                return Err(bad("is an https:// proxy, which cos-sdk does not speak (TLS to the proxy itself)"))
            }
            Some((scheme, _)) => return Err(bad(&format!("has the scheme `{}`, which is not supported", scheme_name(scheme)))),
        };
        // Everything after the authority (a trailing `/`, say) is ignored, as curl does.
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("has no valid host[:port]"))?;
        let port = match port {
            None => 80,
            Some(text) => text.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| bad("has a port that is not 1-65535"))?,
        };
        let authorization = match userinfo {
            None => None,
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let decode = |part: &str, what: &str| {
                    percent_encoding::percent_decode_str(part)
                        .decode_utf8()
                        .map(|s| s.into_owned())
                        .map_err(|_| bad(&format!("has a {what} that is not UTF-8 once percent-decoded")))
                };
                let credentials = format!("{}:{}", decode(user, "user name")?, decode(password, "password")?);
                let mut value = HeaderValue::try_from(format!("Basic {}", base64_encode(credentials.as_bytes())))
                    .map_err(|_| bad("has credentials that cannot go into a header"))?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(Proxy { host: host.to_ascii_lowercase(), port, authorization })
    }

    /// The proxy's URL without credentials, `http://host:port`, as errors and logs name it.
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// Whether the proxy URL carried credentials.
    pub fn has_credentials(&self) -> bool {
        self.authorization.is_some()
    }

    /// The `Proxy-Authorization` value (marked sensitive), when the URL carried credentials.
    pub(crate) fn authorization(&self) -> Option<&HeaderValue> {
        self.authorization.as_ref()
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Proxy");
        d.field("url", &self.url());
        if self.authorization.is_some() {
            d.field("credentials", &"** redacted **");
        }
        d.finish()
    }
}

/// What to do about a proxy that refused the request's credentials (or their absence).
pub(crate) fn credentials_fix(proxy: &Proxy) -> &'static str {
    if proxy.has_credentials() {
        "it refused the user name and password of the proxy URL; check them"
    } else {
        "it wants credentials; put them in the proxy URL (http://user:password@host:port)"
    }
}

/// A scheme as errors may show it: a URL with a mangled scheme could hold anything, so only a short
/// run of scheme characters is echoed.
fn scheme_name(scheme: &str) -> String {
    let clean = scheme.len() <= 16 && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if clean { scheme.to_string() } else { "(unreadable)".to_string() }
}

/// Splits `host[:port]`, `[v6]` or `[v6]:port` (brackets removed). `None` when the host is empty or
/// holds characters no host name has.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    // Outside brackets a `:` can only be the port's.
    if port.is_some_and(|p| p.contains(':')) {
        return None;
    }
    let valid = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c));
    valid.then_some((host, port))
}

/// Every variable [`ProxyConfig::from_vars`] reads.
pub(crate) const PROXY_VARIABLES: &[&str] = &[
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",
];

/// Where requests go: a proxy per URL scheme and the `NO_PROXY` exceptions. The default of a config
/// builder reads the environment (see [`ProxyConfig::from_env`]); [`ProxyConfig::none`] turns proxies off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: NoProxy,
}

impl ProxyConfig {
    /// No proxy at all, whatever the environment says.
    pub fn none() -> ProxyConfig {
        ProxyConfig::default()
    }

    /// One proxy for http and https URLs alike.
    pub fn all(url: &str) -> Result<ProxyConfig, Error> {
        let proxy = Proxy::parse(url, "ProxyConfig::all")?;
        Ok(ProxyConfig { http: Some(proxy.clone()), https: Some(proxy), no_proxy: NoProxy::default() })
    }

    /// Sends https URLs through the proxy at `url` (a CONNECT tunnel).
    pub fn https(mut self, url: &str) -> Result<ProxyConfig, Error> {
        self.https = Some(Proxy::parse(url, "ProxyConfig::https")?);
        Ok(self)
    }

    /// Sends plain http URLs through the proxy at `url` (absolute-form requests).
    pub fn http(mut self, url: &str) -> Result<ProxyConfig, Error> {
        self.http = Some(Proxy::parse(url, "ProxyConfig::http")?);
        Ok(self)
    }

    /// Hosts reached directly, in `NO_PROXY` form: a comma-separated list of host names (each also
    /// matches its subdomains; a leading `.` or `*.` is allowed), IP addresses, CIDR ranges
    /// (`10.0.0.0/8`), any of them with `:port` to match that port only, or `*` for every host.
    pub fn no_proxy(mut self, list: &str) -> ProxyConfig {
        self.no_proxy = NoProxy::parse(list);
        self
    }

    /// The proxies of the process environment (see [`ProxyConfig::from_vars`]).
    pub fn from_env() -> Result<ProxyConfig, Error> {
        ProxyConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// The proxies the variables name (`var` gives a variable's value as set, `None` when unset), as
    /// curl and Python read them: `https_proxy` / `HTTPS_PROXY` for https URLs, `http_proxy` /
    /// `HTTP_PROXY` for http URLs, `all_proxy` / `ALL_PROXY` for both when the scheme's own is unset,
    /// and `no_proxy` / `NO_PROXY` for exceptions. The lower-case name wins, even when set to nothing
    /// (which turns the upper-case one off); an empty upper-case one counts as unset. `HTTP_PROXY` is ignored when
    /// `REQUEST_METHOD` is set, since a CGI program's `HTTP_PROXY` comes from a request header (the
    /// "httpoxy" attack).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ProxyConfig, Error> {
        let found = |name: &str| var(name).map(|v| Some((v, name.to_string())).filter(|(v, _)| !v.trim().is_empty()));
        // `Some(None)`: the lower-case variable is set to nothing, which turns the proxy off.
        let either = |lower: &str, upper: &str| found(lower).or_else(|| found(upper).flatten().map(Some));
        let all = either("all_proxy", "ALL_PROXY").flatten();
        let https = either("https_proxy", "HTTPS_PROXY").flatten().or_else(|| all.clone());
        let http = match var("REQUEST_METHOD") {
            Some(_) => found("http_proxy"),
            None => either("http_proxy", "HTTP_PROXY"),
        }
        .flatten()
        .or(all);
        let parse = |found: Option<(String, String)>| {
            found.map(|(url, name)| Proxy::parse(&url, &format!("environment variable {name}"))).transpose()
        };
        Ok(ProxyConfig {
            https: parse(https)?,
            http: parse(http)?,
            no_proxy: NoProxy::parse(&either("no_proxy", "NO_PROXY").flatten().map(|(v, _)| v).unwrap_or_default()),
        })
    }

    /// Whether any proxy is set.
    pub fn is_enabled(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    /// The proxy a request to `uri` goes through, or `None` to connect directly.
    pub fn proxy_for(&self, uri: &http::Uri) -> Option<&Proxy> {
        let https = uri.scheme_str() == Some("https");
        let proxy = if https { self.https.as_ref() } else { self.http.as_ref() }?;
        let host = uri.host()?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        (!self.no_proxy.matches(host, port)).then_some(proxy)
    }
}

/// The `NO_PROXY` exceptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NoProxy {
    everything: bool,
    rules: Vec<(HostRule, Option<u16>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostRule {
    /// A name and its subdomains, lower case, without a leading dot.
    Domain(String),
    Address(IpAddr),
    Range(IpAddr, u8),
}

impl NoProxy {
    /// Reads a comma- or space-separated list; entries that fit no form are ignored, as curl does.
    fn parse(list: &str) -> NoProxy {
        let mut no_proxy = NoProxy::default();
        for entry in list.split([',', ' ', '\t']).map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                no_proxy.everything = true;
                continue;
            }
            if let Some(rule) = parse_rule(entry) {
                no_proxy.rules.push(rule);
            }
        }
        no_proxy
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        if self.everything {
            return true;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.rules.iter().any(|(rule, rule_port)| {
            rule_port.is_none_or(|p| p == port)
                && match rule {
                    // Names match names only: an IP address is never a domain's subdomain.
                    HostRule::Domain(domain) => {
                        ip.is_none()
                            && (host == *domain
                                || (host.len() > domain.len()
                                    && host.ends_with(domain.as_str())
                                    && host[..host.len() - domain.len()].ends_with('.')))
                    }
                    HostRule::Address(address) => ip == Some(*address),
                    HostRule::Range(network, bits) => ip.is_some_and(|ip| in_range(ip, *network, *bits)),
                }
        })
    }
}

fn parse_rule(entry: &str) -> Option<(HostRule, Option<u16>)> {
    if let Some((network, bits)) = entry.split_once('/') {
        let network: IpAddr = network.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        return (bits <= max).then_some((HostRule::Range(network, bits), None));
    }
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some((HostRule::Address(address), None));
    }
    let (host, port) = split_host_port(entry.strip_prefix("*.").unwrap_or(entry))?;
    let port = match port {
        None => None,
        Some(text) => Some(text.parse::<u16>().ok()?),
    };
    if let Ok(address) = host.parse::<IpAddr>() {
        return Some((HostRule::Address(address), port));
    }
    let domain = host.trim_start_matches('.').trim_end_matches('.').to_ascii_lowercase();
    (!domain.is_empty()).then_some((HostRule::Domain(domain), port))
}

fn in_range(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    let prefix = |value: u128, width: u32| if bits == 0 { 0 } else { value >> (width - u32::from(bits)) };
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => prefix(u32::from(a).into(), 32) == prefix(u32::from(n).into(), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix(u128::from(a), 128) == prefix(u128::from(n), 128),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> http::Uri {
        text.parse().unwrap()
    }

    #[test]
    fn proxy_urls() {
        let p = Proxy::parse("http://user:p%40ss@Proxy.Example:3128/", "test").unwrap();
        assert_eq!(p.url(), "http://proxy.example:3128");
        // base64("user:p@ss")
        assert_eq!(p.authorization().unwrap().to_str().unwrap(), "Basic dXNlcjpwQHNz");
        assert!(p.authorization().unwrap().is_sensitive());
        let debug = format!("{p:?}");
        assert!(!debug.contains("p@ss") && !debug.contains("dXNlcjpwQHNz") && debug.contains("redacted"), "{debug}");

        let bare = Proxy::parse("10.1.2.3:8080", "test").unwrap();
        assert_eq!((bare.url(), bare.has_credentials()), ("http://10.1.2.3:8080".to_string(), false));
        assert_eq!(Proxy::parse("http://proxy", "test").unwrap().url(), "http://proxy:80");
        assert_eq!(Proxy::parse("http://[::1]:3128", "test").unwrap().url(), "http://[::1]:3128");

        for (bad, said) in [
            ("https://proxy:443", "https:// proxy"),
            ("socks5://proxy:1080", "`socks5`"),
            ("http://:3128", "no valid host"),
            ("http://proxy:0", "port"),
            ("http://proxy:99999", "port"),
            ("http://user:secret@pro xy:1", "no valid host"),
            ("a:b:3128", "no valid host"),
            ("::1", "no valid host"),
        ] {
            let e = Proxy::parse(bad, "environment variable HTTPS_PROXY").unwrap_err();
            assert!(e.to_string().contains(said) && e.to_string().contains("HTTPS_PROXY"), "{bad}: {e}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }

    #[test]
    fn environment_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let config = ProxyConfig::from_vars(vars(&[("HTTPS_PROXY", "http://a:1"), ("https_proxy", "http://b:2"), ("HTTP_PROXY", "c:3")])).unwrap();
        assert_eq!(config.proxy_for(&uri("https://s3.example/")).unwrap().url(), "http://b:2");
        assert_eq!(config.proxy_for(&uri("http://s3.example/")).unwrap().url(), "http://c:3");

        let config = ProxyConfig::from_vars(vars(&[("ALL_PROXY", "http://all:9"), ("http_proxy", "")])).unwrap();
        assert_eq!(config.proxy_for(&uri("https://x/")).unwrap().url(), "http://all:9");
        assert_eq!(config.proxy_for(&uri("http://x/")).unwrap().url(), "http://all:9");

        // httpoxy: a CGI program's HTTP_PROXY is a request header, not the operator's setting.
        let config = ProxyConfig::from_vars(vars(&[("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")])).unwrap();
        assert!(config.proxy_for(&uri("http://x/")).is_none());

        // A lower-case variable set to nothing turns the upper-case one off; ALL_PROXY still applies.
        let config = ProxyConfig::from_vars(vars(&[("https_proxy", ""), ("HTTPS_PROXY", "http://up:1")])).unwrap();
        assert!(config.proxy_for(&uri("https://x/")).is_none());
        let config = ProxyConfig::from_vars(vars(&[("https_proxy", " "), ("HTTPS_PROXY", "http://up:1"), ("all_proxy", "a:2")])).unwrap();
        assert_eq!(config.proxy_for(&uri("https://x/")).unwrap().url(), "http://a:2");

        let e = ProxyConfig::from_vars(vars(&[("HTTPS_PROXY", "https://p:1")])).unwrap_err();
        assert!(e.to_string().contains("environment variable HTTPS_PROXY"), "{e}");
        assert!(!ProxyConfig::from_vars(vars(&[])).unwrap().is_enabled());
    }

    #[test]
    fn no_proxy_rules() {
        let config = ProxyConfig::all("http://proxy:3128")
            .unwrap()
            .no_proxy("localhost, .internal.example,*.corp, 10.0.0.0/8 ,192.168.1.7, [::1], fd00::/8, s3.example:8443, ,garbage/x");
        let direct = |u: &str| config.proxy_for(&uri(u)).is_none();
        assert!(direct("http://localhost:9000/"));
        assert!(direct("https://LOCALHOST/"));
        assert!(direct("https://internal.example/"));
        assert!(direct("https://a.b.internal.example/"));
        assert!(!direct("https://notinternal.example/"));
        assert!(direct("https://x.corp/"));
        assert!(direct("https://corp/"));
        assert!(direct("http://10.200.3.4/"));
        assert!(!direct("http://11.0.0.1/"));
        assert!(direct("http://192.168.1.7:80/"));
        assert!(!direct("http://192.168.1.8/"));
        assert!(direct("http://[::1]:8080/"));
        assert!(direct("http://[fd12::5]/"));
        assert!(!direct("http://[fe80::1]/"));
        assert!(direct("https://s3.example:8443/"));
        assert!(!direct("https://s3.example/"));
        assert!(!direct("https://s3.us-south.cloud-object-storage.appdomain.cloud/"));

        // A name rule never matches an address, whatever its digits.
        let names = ProxyConfig::all("http://proxy:3128").unwrap().no_proxy("0.0.1,1.2.3");
        assert!(names.proxy_for(&uri("http://10.0.0.1/")).is_some());

        let everything = ProxyConfig::all("http://proxy:3128").unwrap().no_proxy("*");
        assert!(everything.proxy_for(&uri("https://anything/")).is_none());
        let default_port = ProxyConfig::all("http://proxy:3128").unwrap().no_proxy("s3.example:443");
        assert!(default_port.proxy_for(&uri("https://s3.example/")).is_none());
        assert!(default_port.proxy_for(&uri("http://s3.example/")).is_some());
    }
}
