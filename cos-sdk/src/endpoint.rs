//! Endpoints: where requests go, and whether the bucket goes into the host name or the path.

use crate::error::Error;

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
        let uri: http::Uri = url
            .parse()
            .map_err(|e| Error::invalid_input(format!("endpoint URL `{url}` is not a valid URL ({e}); use a form like https://host[:port][/prefix]")))?;
        let scheme = match uri.scheme_str() {
            Some(s @ ("http" | "https")) => s.to_string(),
            _ => {
                return Err(Error::invalid_input(format!(
                    "endpoint URL `{url}` must start with http:// or https://"
                )))
            }
        };
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Error::invalid_input(format!("endpoint URL `{url}` has no host")))?;
        if uri.query().is_some() {
            return Err(Error::invalid_input(format!("endpoint URL `{url}` must not have a query string")));
        }
        let path_prefix = uri.path().trim_end_matches('/').to_string();
        Ok(Endpoint { scheme, authority, path_prefix, virtual_hosted_style: false })
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
