//! Self-tests of the IBM COS fixture server (tests/src/ibm_fixture.rs), driven with a plain hyper client and
//! hand-written requests, so the SDK's end-to-end tests can trust what the fixture enforces.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use cos_sdk_tests::ibm_fixture::{
    iso8601, IbmFixture, ReplicationFailure, PROTECTED_OBJECT_STATUS,
};
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

#[tokio::test]
async fn ibm_fixture_requires_bearer_token_and_instance_id() {
    let f = fixture().await;
    let r = call(&f, "GET", "/").auth(None).send().await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "AccessDenied"),
        "{}",
        r.body
    );
    assert!(
        r.body.starts_with("<?xml") && r.body.contains("<RequestId>"),
        "S3 error body: {}",
        r.body
    );
    assert!(r.header("x-amz-request-id").is_some());
    let r = call(&f, "GET", "/").auth(Some("Bearer wrong")).send().await;
    assert_eq!((r.status, r.code().as_str()), (403, "AccessDenied"));
    let r = call(&f, "GET", "/")
        .auth(Some("AWS4-HMAC-SHA256 Credential=x"))
        .send()
        .await;
    assert_eq!(r.status, 403);
    let r = call(&f, "GET", "/").send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<ListAllMyBucketsResult"));

    // The instance id is needed on ListBuckets and CreateBucket.
    let r = call(&f, "GET", "/").without_instance().send().await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidArgument"),
        "{}",
        r.body
    );
    let r = call(&f, "PUT", "/no-instance")
        .without_instance()
        .send()
        .await;
    assert_eq!(r.status, 400);

    // A rotated token replaces the old one.
    f.set_token("fixture-token-2");
    assert_eq!(call(&f, "GET", "/").send().await.status, 403);
    assert_eq!(
        call(&f, "GET", "/")
            .auth(Some("Bearer fixture-token-2"))
            .send()
            .await
            .status,
        200
    );

    // Every request was recorded, refused ones included.
    let requests = f.requests();
    assert_eq!(requests.len(), 8);
    assert_eq!(requests[0].header("authorization"), None);
    assert_eq!(
        requests[3].header("Authorization"),
        Some("Bearer fixture-token-1")
    );
    assert_eq!(
        requests[3].header("ibm-service-instance-id"),
        Some(INSTANCE)
    );
}

#[tokio::test]
async fn ibm_fixture_protection_configuration_round_trip() {
    let f = fixture().await;
    create_bucket(&f, "prot").await;
    let r = call(&f, "GET", "/prot?protection").send().await;
    assert_eq!(r.tags("Status"), ["Disabled"]);

    let xml = protection_xml(1, 30, 365, true);
    let r = call(&f, "PUT", "/prot?protection")
        .body(xml.clone())
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidRequest"),
        "Content-MD5 is required: {}",
        r.body
    );
    let r = call(&f, "PUT", "/prot?protection")
        .body(xml.clone())
        .header("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "BadDigest"),
        "{}",
        r.body
    );
    let r = call(&f, "PUT", "/prot?protection")
        .body(xml)
        .md5()
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = call(&f, "GET", "/prot?protection").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.tags("Status"), ["Retention"]);
    assert_eq!(r.tags("Days"), ["1", "30", "365"]);
    assert_eq!(r.tags("EnablePermanentRetention"), ["true"]);
    assert!(r
        .body
        .contains("<MinimumRetention><Days>1</Days></MinimumRetention>"));

    // Minimum above default is refused, and so is disabling permanent retention.
    let r = call(&f, "PUT", "/prot?protection")
        .body(protection_xml(10, 5, 20, true))
        .md5()
        .send()
        .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    let r = call(&f, "PUT", "/prot?protection")
        .body(protection_xml(1, 5, 20, false))
        .md5()
        .send()
        .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    let r = call(&f, "GET", "/missing?protection").send().await;
    assert_eq!((r.status, r.code().as_str()), (404, "NoSuchBucket"));
}

#[tokio::test]
async fn ibm_fixture_enforces_retention_on_delete_and_overwrite() {
    let f = fixture().await;
    protected_bucket(&f, "ret", 1, 2, 10).await;

    // Out of the bucket's range, or both headers: refused.
    let r = call(&f, "PUT", "/ret/short")
        .header("retention-period", "60")
        .body("x")
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidArgument"),
        "{}",
        r.body
    );
    let r = call(&f, "PUT", "/ret/long")
        .header("retention-period", (11 * DAY).to_string())
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 400);
    let r = call(&f, "PUT", "/ret/both")
        .header("retention-period", DAY.to_string())
        .header(
            "retention-expiration-date",
            iso8601(SystemTime::now() + Duration::from_secs(3 * DAY)),
        )
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 400);
    let r = call(&f, "PUT", "/ret/perm")
        .header("retention-period", "-1")
        .body("x")
        .send()
        .await;
    assert_eq!(
        r.status, 400,
        "permanent retention needs EnablePermanentRetention"
    );

    // No header: the default (2 days) applies and HEAD/GET report it.
    let r = call(&f, "PUT", "/ret/dir/a%20b.txt")
        .body("hello")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/ret/dir/a%20b.txt").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("retention-period"), Some("172800"));
    assert_eq!(r.header("retention-legal-hold-count"), Some("0"));
    assert!(r
        .header("retention-expiration-date")
        .is_some_and(|d| d.ends_with('Z')));
    let r = call(&f, "GET", "/ret/dir/a%20b.txt").send().await;
    assert_eq!((r.status, r.body.as_str()), (200, "hello"));
    assert_eq!(r.header("retention-period"), Some("172800"));

    // Ranged GET and ETag preconditions.
    let etag = r.header("etag").unwrap().to_string();
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("range", "bytes=1-3")
        .send()
        .await;
    assert_eq!(
        (r.status, r.body.as_str(), r.header("content-range")),
        (206, "ell", Some("bytes 1-3/5"))
    );
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("range", "bytes=-2")
        .send()
        .await;
    assert_eq!((r.status, r.body.as_str()), (206, "lo"));
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("range", "bytes=9-")
        .send()
        .await;
    assert_eq!((r.status, r.code().as_str()), (416, "InvalidRange"));
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("if-match", etag.clone())
        .send()
        .await;
    assert_eq!(r.status, 200);
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("if-match", "\"other\"")
        .send()
        .await;
    assert_eq!((r.status, r.code().as_str()), (412, "PreconditionFailed"));

    // An expiration date inside the range is accepted.
    let at = SystemTime::now() + Duration::from_secs(5 * DAY);
    let r = call(&f, "PUT", "/ret/dated")
        .header("retention-expiration-date", iso8601(at))
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Delete and overwrite are refused while retained.
    let r = call(&f, "DELETE", "/ret/dir/a%20b.txt").send().await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (PROTECTED_OBJECT_STATUS, "AccessDenied"),
        "{}",
        r.body
    );
    let r = call(&f, "PUT", "/ret/dir/a%20b.txt")
        .body("overwrite")
        .send()
        .await;
    assert_eq!(r.status, PROTECTED_OBJECT_STATUS);
    assert_eq!(
        f.object_data("ret", "dir/a b.txt").as_deref(),
        Some(&b"hello"[..])
    );

    // CopyObject: Retention-Directive COPY keeps the source's period, REPLACE takes the headers.
    let r = call(&f, "PUT", "/ret/copy1")
        .header("x-amz-copy-source", "/ret/dir/a%20b.txt")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<CopyObjectResult"));
    let r = call(&f, "HEAD", "/ret/copy1").send().await;
    assert_eq!(r.header("retention-period"), Some("172800"));
    let r = call(&f, "PUT", "/ret/copy2")
        .header("x-amz-copy-source", "ret/dir/a%20b.txt")
        .header("retention-directive", "REPLACE")
        .header("retention-period", (3 * DAY).to_string())
        .header("retention-legal-hold-id", "case-1")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/ret/copy2").send().await;
    assert_eq!(r.header("retention-period"), Some("259200"));
    assert_eq!(r.header("retention-legal-hold-count"), Some("1"));
    let r = call(&f, "PUT", "/ret/copy3")
        .header("x-amz-copy-source", "/ret/dir/a%20b.txt")
        .header("retention-period", "5")
        .send()
        .await;
    assert_eq!(r.status, 400);

    // Once the retention is over (the fixture's clock moves), delete works.
    f.advance_clock(Duration::from_secs(2 * DAY + 1));
    let r = call(&f, "DELETE", "/ret/dir/a%20b.txt").send().await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        call(&f, "HEAD", "/ret/dir/a%20b.txt").send().await.status,
        404
    );
    assert_eq!(
        call(&f, "DELETE", "/ret/dated").send().await.status,
        PROTECTED_OBJECT_STATUS
    );

    // Retention headers on an unprotected bucket are refused.
    create_bucket(&f, "plain").await;
    let r = call(&f, "PUT", "/plain/k")
        .header("retention-period", "10")
        .body("x")
        .send()
        .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidRequest"));
    assert_eq!(
        call(&f, "PUT", "/plain/k").body("x").send().await.status,
        200
    );
    assert_eq!(call(&f, "DELETE", "/plain/k").send().await.status, 204);
}

#[tokio::test]
async fn ibm_fixture_multipart_retention_comes_from_complete() {
    let f = fixture().await;
    protected_bucket(&f, "mpu", 1, 1, 30).await;
    // Retention headers on Create are ignored: only Complete's count.
    let r = call(&f, "POST", "/mpu/big?uploads")
        .header("retention-period", (20 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let upload_id = r.tags("UploadId").remove(0);
    let mut etags = Vec::new();
    for (n, part) in [(1, "part-one "), (2, "part-two")] {
        let r = call(
            &f,
            "PUT",
            format!("/mpu/big?partNumber={n}&uploadId={upload_id}"),
        )
        .body(part)
        .send()
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        etags.push(r.header("etag").unwrap().to_string());
    }
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        etags[0], etags[1]
    );
    let r = call(&f, "POST", format!("/mpu/big?uploadId={upload_id}"))
        .body(complete.clone())
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidRequest"),
        "Complete needs Content-MD5: {}",
        r.body
    );
    let r = call(&f, "POST", format!("/mpu/big?uploadId={upload_id}"))
        .header("retention-period", (7 * DAY).to_string())
        .body(complete)
        .md5()
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.tags("ETag")[0].ends_with("-2&quot;") || r.tags("ETag")[0].ends_with("-2\""),
        "{}",
        r.body
    );
    assert_eq!(
        f.object_data("mpu", "big").as_deref(),
        Some(&b"part-one part-two"[..])
    );
    let r = call(&f, "HEAD", "/mpu/big").send().await;
    assert_eq!(r.header("retention-period"), Some("604800"));

    // The recorded requests show where the headers went.
    let requests = f.requests();
    let complete = requests
        .iter()
        .find(|r| {
            r.method == "POST"
                && r.query.starts_with("uploadId=")
                && r.header("content-md5").is_some()
        })
        .unwrap();
    assert_eq!(complete.header("retention-period"), Some("604800"));
    assert_eq!(
        complete.query_param("uploadId").as_deref(),
        Some(upload_id.as_str())
    );
    let create = requests
        .iter()
        .find(|r| r.has_query_param("uploads"))
        .unwrap();
    assert_eq!(create.path, "/mpu/big");

    // Abort removes the upload; a second abort finds nothing.
    let r = call(&f, "POST", "/mpu/gone?uploads").send().await;
    let id = r.tags("UploadId").remove(0);
    assert_eq!(
        call(&f, "DELETE", format!("/mpu/gone?uploadId={id}"))
            .send()
            .await
            .status,
        204
    );
    let r = call(&f, "DELETE", format!("/mpu/gone?uploadId={id}"))
        .send()
        .await;
    assert_eq!((r.status, r.code().as_str()), (404, "NoSuchUpload"));
}

#[tokio::test]
async fn ibm_fixture_legal_holds_add_list_remove() {
    let f = fixture().await;
    protected_bucket(&f, "holds", 0, 0, 10).await;
    let r = call(&f, "PUT", "/holds/doc")
        .header("retention-legal-hold-id", "hold-a")
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "POST", "/holds/doc?legalHold&add=hold-b")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "POST", "/holds/doc?legalHold&add=hold-b")
        .send()
        .await;
    assert_eq!(r.status, 200, "adding the same hold twice is harmless");

    let r = call(&f, "GET", "/holds/doc?legalHold").send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.tags("ID"), ["hold-a", "hold-b"]);
    assert_eq!(r.tags("RetentionPeriod"), ["0"]);
    assert_eq!(r.tags("CreateTime").len(), 1);
    assert_eq!(r.tags("Date").len(), 2);
    assert_eq!(
        call(&f, "HEAD", "/holds/doc")
            .send()
            .await
            .header("retention-legal-hold-count"),
        Some("2")
    );

    // Retention 0, but the holds block deletion until both are removed.
    let r = call(&f, "DELETE", "/holds/doc").send().await;
    assert_eq!(r.status, PROTECTED_OBJECT_STATUS, "{}", r.body);
    assert_eq!(
        call(&f, "POST", "/holds/doc?legalHold&remove=hold-a")
            .send()
            .await
            .status,
        200
    );
    assert_eq!(
        call(&f, "DELETE", "/holds/doc").send().await.status,
        PROTECTED_OBJECT_STATUS
    );
    let r = call(&f, "POST", "/holds/doc?legalHold&remove=no-such-hold")
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        call(&f, "POST", "/holds/doc?legalHold&remove=hold-b")
            .send()
            .await
            .status,
        200
    );
    assert_eq!(
        call(&f, "GET", "/holds/doc?legalHold")
            .send()
            .await
            .tags("ID"),
        Vec::<String>::new()
    );
    assert_eq!(call(&f, "DELETE", "/holds/doc").send().await.status, 204);

    // Legal holds need a protected bucket and an existing object; IDs are at most 64 characters.
    create_bucket(&f, "noprot").await;
    call(&f, "PUT", "/noprot/doc").body("x").send().await;
    assert_eq!(
        call(&f, "POST", "/noprot/doc?legalHold&add=h")
            .send()
            .await
            .status,
        400
    );
    assert_eq!(
        call(&f, "POST", "/holds/missing?legalHold&add=h")
            .send()
            .await
            .code(),
        "NoSuchKey"
    );
    call(&f, "PUT", "/holds/doc2").body("x").send().await;
    let long = "h".repeat(65);
    assert_eq!(
        call(&f, "POST", format!("/holds/doc2?legalHold&add={long}"))
            .send()
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn ibm_fixture_extend_retention() {
    let f = fixture().await;
    protected_bucket(&f, "ext", 1, 1, 30).await;
    assert_eq!(
        call(&f, "PUT", "/ext/k")
            .header("retention-period", DAY.to_string())
            .body("x")
            .send()
            .await
            .status,
        200
    );
    let period = |r: &Reply| r.tags("RetentionPeriod")[0].parse::<u64>().unwrap();

    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("additional-retention-period", DAY.to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        period(&call(&f, "GET", "/ext/k?legalHold").send().await),
        2 * DAY
    );

    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", (5 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/ext/k").send().await;
    assert_eq!(r.header("retention-period"), Some("432000"));

    let at = SystemTime::now() + Duration::from_secs(10 * DAY);
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-expiration-date", iso8601(at))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = period(&call(&f, "GET", "/ext/k?legalHold").send().await);
    assert!((10 * DAY - 5..=10 * DAY).contains(&p), "period {p}");

    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("extend-retention-from-current-time", (12 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Shortening, two headers at once, none, and beyond the maximum are refused.
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", DAY.to_string())
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidArgument"),
        "{}",
        r.body
    );
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", (20 * DAY).to_string())
        .header("additional-retention-period", "10")
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        call(&f, "POST", "/ext/k?extendRetention")
            .send()
            .await
            .status,
        400
    );
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", (31 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 400);

    // Still protected after 11 days (extended to 12 from the start), free after 13.
    f.advance_clock(Duration::from_secs(11 * DAY));
    assert_eq!(
        call(&f, "DELETE", "/ext/k").send().await.status,
        PROTECTED_OBJECT_STATUS
    );
    f.advance_clock(Duration::from_secs(2 * DAY));
    assert_eq!(call(&f, "DELETE", "/ext/k").send().await.status, 204);
}

#[tokio::test]
async fn ibm_fixture_list_buckets_extended_pages() {
    let f = fixture().await;
    for (name, location) in [
        ("b-1", "us-south-smart"),
        ("b-2", "us-standard"),
        ("b-3", "eu-de-standard"),
        ("b-4", "us-cold"),
        ("c-1", "us-vault"),
    ] {
        let body = format!("<CreateBucketConfiguration><LocationConstraint>{location}</LocationConstraint></CreateBucketConfiguration>");
        let r = call(&f, "PUT", format!("/{name}")).body(body).send().await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = call(&f, "PUT", "/other-1")
        .without_instance()
        .header("ibm-service-instance-id", "other-instance")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    f.set_creation_template_id("b-2", "template-42");

    let mut names = Vec::new();
    let mut marker = String::new();
    let mut pages = 0;
    loop {
        let r = call(
            &f,
            "GET",
            format!("/?extended&max-keys=2&prefix=b-&marker={marker}"),
        )
        .send()
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        names.extend(r.tags("Name"));
        assert_eq!(
            r.tags("LocationConstraint").len(),
            r.tags("Name").len(),
            "{}",
            r.body
        );
        if r.tags("IsTruncated") == ["true"] {
            marker = r.tags("NextMarker").remove(0);
        } else {
            assert!(r.tags("NextMarker").is_empty());
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(names, ["b-1", "b-2", "b-3", "b-4"]);
    assert_eq!(pages, 2);

    let r = call(&f, "GET", "/?extended").send().await;
    assert_eq!(
        r.tags("Name"),
        ["b-1", "b-2", "b-3", "b-4", "c-1"],
        "other instances' buckets are not listed"
    );
    assert_eq!(
        r.tags("LocationConstraint"),
        [
            "us-south-smart",
            "us-standard",
            "eu-de-standard",
            "us-cold",
            "us-vault"
        ]
    );
    assert_eq!(r.tags("CreationTemplateId"), ["template-42"]);
    assert_eq!(r.tags("IsTruncated"), ["false"]);
    assert!(r.body.contains("<Bucket><Name>b-1</Name><CreationDate>"));
    let r = call(&f, "GET", "/?extended")
        .without_instance()
        .send()
        .await;
    assert_eq!(r.status, 400);
    let r = call(&f, "GET", "/?extended&max-keys=0").send().await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn ibm_fixture_key_protect_replication_failures_and_aspera() {
    let f = fixture().await;
    let crn = "crn:v1:bluemix:public:kms:us-south:a/0123:kp-1:key:root-1";
    let r = call(&f, "PUT", "/kp-bucket")
        .header("ibm-sse-kp-customer-root-key-crn", crn)
        .header("ibm-sse-kp-encryption-algorithm", "AES256")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/kp-bucket").send().await;
    assert_eq!(
        (
            r.header("ibm-sse-kp-enabled"),
            r.header("ibm-sse-kp-crk-id")
        ),
        (Some("true"), Some(crn))
    );
    create_bucket(&f, "nokp-bucket").await;
    assert_eq!(
        call(&f, "HEAD", "/nokp-bucket")
            .send()
            .await
            .header("ibm-sse-kp-enabled"),
        Some("false")
    );
    assert_eq!(call(&f, "HEAD", "/missing").send().await.status, 404);

    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for i in 0..3 {
        f.seed_replication_failure(
            "kp-bucket",
            ReplicationFailure {
                key: format!("obj-{i}"),
                version_id: format!("v{i}"),
                sync_type: "DATA".into(),
                first_sync_attempted: t0 + Duration::from_secs(i * 60),
                last_sync_attempted: t0 + Duration::from_secs(i * 60 + 30),
                sync_failure_cause: Some("destination unreachable".into()),
            },
        );
    }
    let r = call(&f, "GET", "/kp-bucket?ibm-replication-failures")
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidRequest"),
        "a checksum is required: {}",
        r.body
    );
    let r = call(&f, "GET", "/kp-bucket?ibm-replication-failures&max-keys=2")
        .md5()
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.tags("Key"), ["obj-0", "obj-1"]);
    assert_eq!(r.tags("IsTruncated"), ["true"]);
    assert_eq!(r.tags("FirstSyncAttempted")[0], "2023-11-14T22:13:20.000Z");
    let token = r.tags("NextContinuationToken").remove(0);
    let r = call(
        &f,
        "GET",
        format!("/kp-bucket?ibm-replication-failures&max-keys=2&continuation-token={token}"),
    )
    .md5()
    .send()
    .await;
    assert_eq!(r.tags("Key"), ["obj-2"]);
    assert_eq!(r.tags("KeyCount"), ["1"]);
    assert_eq!(
        call(&f, "PUT", "/kp-bucket?ibm-replication-reattempt")
            .md5()
            .send()
            .await
            .status,
        200
    );

    let r = call(&f, "GET", "/kp-bucket?faspConnectionInfo")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.tags("Id").len(), 1);
    assert_eq!(r.tags("ATSEndpoint").len(), 1);

    let r = call(&f, "GET", "/kp-bucket?website").send().await;
    assert_eq!((r.status, r.code().as_str()), (501, "NotImplemented"));
}
