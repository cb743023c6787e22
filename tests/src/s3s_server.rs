//! An S3 server embedded in the test process: `s3s` over `s3s-fs` in a temporary directory, on
//! 127.0.0.1 with a random port. It verifies SigV4 signatures against one access key and secret.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::temp::TempDir;

/// The access key id the embedded server accepts.
pub const ACCESS_KEY: &str = "AKIACOSSDKTEST";
/// The secret access key the embedded server accepts.
pub const SECRET_KEY: &str = "cos-sdk-test-secret/with+chars";

/// A running embedded S3 server; its files are removed when it is dropped.
pub struct S3sServer {
    addr: SocketAddr,
    scheme: &'static str,
    root: TempDir,
}

impl S3sServer {
    /// Starts the server with [`ACCESS_KEY`] and [`SECRET_KEY`].
    pub async fn start() -> S3sServer {
        S3sServer::start_inner(None).await
    }

    /// Starts the server over HTTPS with the certificate of `tls`.
    pub async fn start_tls(tls: Arc<tokio_rustls::rustls::ServerConfig>) -> S3sServer {
        S3sServer::start_inner(Some(tokio_rustls::TlsAcceptor::from(tls))).await
    }

    async fn start_inner(tls: Option<tokio_rustls::TlsAcceptor>) -> S3sServer {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let root = TempDir::new("s3s");
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs over a temporary directory");
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                tokio::spawn(crate::tls::serve_connection(stream, tls.clone(), service.clone()));
            }
        });
        S3sServer { addr, scheme, root }
    }

    /// The endpoint URL, `http://127.0.0.1:PORT` (https for [`S3sServer::start_tls`]).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// The directory holding the buckets (one folder each) and objects (files).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The file an object is stored in.
    pub fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.path().join(bucket).join(key)
    }
}
