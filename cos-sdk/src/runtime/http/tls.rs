//! Which certificate authorities TLS trusts: the operating system's store, the web roots compiled into
//! the SDK, both (the default), and CA bundles the user adds. Verification is always on.

use std::sync::{Arc, OnceLock};

use rustls_pki_types::CertificateDer;

use crate::runtime::error::Error;

/// The trust anchors server certificates are checked against. A CA bundle given to the config
/// (`ca_bundle_pem`, `ca_bundle_file` or `AWS_CA_BUNDLE`) is added to them, except with
/// [`TlsRoots::CaBundleOnly`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsRoots {
    /// The operating system's store and the bundled Mozilla roots together: corporate CAs installed
    /// on the machine work, and so do images without any store (`FROM scratch`).
    #[default]
    Both,
    /// Only the Mozilla roots compiled into the SDK (the `webpki-roots` crate).
    Bundled,
    /// Only the operating system's store: on Linux the file or directory `SSL_CERT_FILE` /
    /// `SSL_CERT_DIR` name, else the distribution's usual places; the system keychain on macOS, the
    /// certificate store on Windows. Read once per process.
    Native,
    /// Only the CA bundle of the config, which must then be given: for a private CA that nothing else
    /// may vouch for.
    CaBundleOnly,
}

/// The root store for `roots` plus `extra` (the config's CA bundle).
pub(crate) fn root_store(roots: TlsRoots, extra: &[CertificateDer<'static>]) -> Result<rustls::RootCertStore, Error> {
    let mut store = rustls::RootCertStore::empty();
    if matches!(roots, TlsRoots::Both | TlsRoots::Bundled) {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if matches!(roots, TlsRoots::Both | TlsRoots::Native) {
        let native = native_roots();
        let (added, _unusable) = store.add_parsable_certificates(native.certificates.iter().cloned());
        if added == 0 && roots == TlsRoots::Native && extra.is_empty() {
            return Err(Error::invalid_input(format!(
                "TlsRoots::Native found no usable certificate in the operating system's trust store{}; install the \
                 CA certificates (ca-certificates on Debian), point SSL_CERT_FILE at a PEM bundle, or use TlsRoots::Both",
                native.problem.as_deref().map(|p| format!(" ({p})")).unwrap_or_default()
            )));
        }
        if added == 0 {
            tracing::debug!(problem = native.problem.as_deref().unwrap_or("empty"), "no certificates in the OS trust store");
        }
    }
    if roots == TlsRoots::CaBundleOnly && extra.is_empty() {
        return Err(Error::invalid_input(
            "TlsRoots::CaBundleOnly trusts only the config's CA bundle, and none is given; add one with \
             ca_bundle_pem, ca_bundle_file or AWS_CA_BUNDLE",
        ));
    }
    for certificate in extra {
        store.add(certificate.clone()).map_err(|e| {
            Error::invalid_input(format!(
                "a certificate of the CA bundle cannot be used as a trust anchor ({e}); give CA certificates"
            ))
        })?;
    }
    Ok(store)
}

/// The operating system's certificates, read on first use.
struct NativeRoots {
    certificates: Vec<CertificateDer<'static>>,
    /// What went wrong reading the store, when something did.
    problem: Option<String>,
}

fn native_roots() -> Arc<NativeRoots> {
    static NATIVE: OnceLock<Arc<NativeRoots>> = OnceLock::new();
    NATIVE
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let problem = (!found.errors.is_empty())
                .then(|| found.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "));
            Arc::new(NativeRoots { certificates: found.certs, problem })
        })
        .clone()
}
