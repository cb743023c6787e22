//! Certificates made at test time: a private CA and a server certificate for 127.0.0.1 signed by it,
//! and the rustls server configuration that serves them.

use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A test CA and a server certificate it signed.
pub struct TestCa {
    /// The CA certificate in PEM, to give the client as its CA bundle.
    pub ca_pem: String,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

impl TestCa {
    /// Generates a CA and a certificate for `127.0.0.1` and `localhost`.
    pub fn new() -> TestCa {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "cos-sdk test CA");
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let ca = ca_params.self_signed(&ca_key).expect("self-signed CA");

        let mut server_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("server parameters");
        server_params.distinguished_name.push(rcgen::DnType::CommonName, "127.0.0.1");
        let server_key = rcgen::KeyPair::generate().expect("server key");
        let server = server_params.signed_by(&server_key, &ca, &ca_key).expect("server certificate");

        TestCa { ca_pem: ca.pem(), server_cert: server.der().clone(), server_key: server_key.serialize_der() }
    }

    /// The rustls server configuration presenting the server certificate.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.server_cert.clone()], key)
            .expect("server certificate and key");
        Arc::new(config)
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

/// Serves HTTP/1.1 on one accepted connection, over TLS when `tls` is given (TCP_NODELAY set). A
/// failed handshake (the client refused the certificate) just ends the connection.
pub async fn serve_connection<S, B>(stream: tokio::net::TcpStream, tls: Option<tokio_rustls::TlsAcceptor>, service: S)
where
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    let builder = hyper::server::conn::http1::Builder::new();
    match tls {
        None => {
            let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
        }
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(stream).await {
                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
            }
        }
    }
}
