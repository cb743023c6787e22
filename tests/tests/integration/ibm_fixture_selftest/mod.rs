//! Self-tests of the IBM COS fixture server (tests/src/ibm_fixture/), driven with a plain hyper client and
//! hand-written requests, so the SDK's end-to-end tests can trust what the fixture enforces.
//!
//! This file holds the client the tests share (`call`, `Reply`) and the bucket set-up helpers; the tests
//! are grouped by feature in the submodules.

mod auth;
mod buckets;
mod holds;
mod retention;

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use cos_sdk_tests::ibm_fixture::IbmFixture;
use http_body_util::{BodyExt, Full};
use md5::{Digest, Md5};

const TOKEN: &str = "fixture-token-1";
const INSTANCE: &str = "crn:v1:bluemix:public:cloud-object-storage:global:a/0123:inst-1::";
const DAY: u64 = 86_400;

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The text of every `<tag>` element, in order.
    fn tags(&self, tag: &str) -> Vec<String> {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find(&open) {
            let after = &rest[start + open.len()..];
            let end = after.find(&close).expect("unclosed tag in fixture reply");
            out.push(after[..end].to_string());
            rest = &after[end + close.len()..];
        }
        out
    }

    fn code(&self) -> String {
        self.tags("Code").into_iter().next().unwrap_or_default()
    }

    /// Asserts an error answer with this status and code.
    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code().as_str()), (status, code), "{}", self.body);
    }
}

/// A request to the fixture; `Authorization: Bearer TOKEN` and the instance id are added unless overridden.
struct Call<'a> {
    fixture: &'a IbmFixture,
    method: &'a str,
    target: String,
    headers: Vec<(String, String)>,
    body: Bytes,
    auth: Option<String>,
}

fn call<'a>(fixture: &'a IbmFixture, method: &'a str, target: impl Into<String>) -> Call<'a> {
    Call {
        fixture,
        method,
        target: target.into(),
        headers: vec![("ibm-service-instance-id".into(), INSTANCE.into())],
        body: Bytes::new(),
        auth: Some(format!("Bearer {TOKEN}")),
    }
}

impl Call<'_> {
    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn without_instance(mut self) -> Self {
        self.headers.retain(|(n, _)| n != "ibm-service-instance-id");
        self
    }

    fn auth(mut self, value: Option<&str>) -> Self {
        self.auth = value.map(str::to_string);
        self
    }

    fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds Content-MD5 of the body.
    fn md5(self) -> Self {
        let digest = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&self.body));
        self.header("content-md5", digest)
    }

    async fn send(self) -> Reply {
        let stream = tokio::net::TcpStream::connect(self.fixture.addr())
            .await
            .expect("connect to the IBM fixture");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("HTTP/1 handshake with the IBM fixture");
        tokio::spawn(conn);
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(&self.target)
            .header("host", self.fixture.addr().to_string());
        if let Some(auth) = &self.auth {
            builder = builder.header("authorization", auth);
        }
        for (n, v) in &self.headers {
            builder = builder.header(n, v);
        }
        let request = builder.body(Full::new(self.body)).expect("valid request");
        let response = tokio::time::timeout(Duration::from_secs(10), sender.send_request(request))
            .await
            .expect("the IBM fixture did not answer in 10 s")
            .expect("request to the IBM fixture failed");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("read the reply body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

async fn fixture() -> IbmFixture {
    IbmFixture::start(TOKEN, INSTANCE).await
}

async fn create_bucket(f: &IbmFixture, name: &str) {
    let r = call(f, "PUT", format!("/{name}")).send().await;
    assert_eq!(r.status, 200, "create bucket {name}: {}", r.body);
}

fn protection_xml(min: u32, default: u32, max: u32, permanent: bool) -> String {
    format!(
        "<ProtectionConfiguration><Status>Retention</Status><MinimumRetention><Days>{min}</Days></MinimumRetention><DefaultRetention><Days>{default}</Days></DefaultRetention><MaximumRetention><Days>{max}</Days></MaximumRetention><EnablePermanentRetention>{permanent}</EnablePermanentRetention></ProtectionConfiguration>"
    )
}

async fn protected_bucket(f: &IbmFixture, name: &str, min: u32, default: u32, max: u32) {
    create_bucket(f, name).await;
    let r = call(f, "PUT", format!("/{name}?protection"))
        .body(protection_xml(min, default, max, false))
        .md5()
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}
