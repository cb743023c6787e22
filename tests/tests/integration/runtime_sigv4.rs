//! SigV4 against the embedded s3s server, which verifies every signature: hand-built requests go through
//! `Client::invoke` and must be accepted, and a wrong secret must be refused with `SignatureDoesNotMatch`.

use cos_sdk::OperationMeta;
use cos_sdk::{ByteStream, Client, Config, Credentials, PayloadSigning, RetryConfig};
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use cos_sdk_tests::temp::TempDir;

static CREATE_BUCKET: OperationMeta = OperationMeta::new("CreateBucket").instance_id();
static PUT_OBJECT: OperationMeta = OperationMeta::new("PutObject");
static GET_OBJECT: OperationMeta = OperationMeta::new("GetObject").streaming_response();
static LIST_OBJECTS: OperationMeta = OperationMeta::new("ListObjectsV2");

fn client(server: &S3sServer, secret: &str, payload: PayloadSigning) -> Client {
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::hmac(ACCESS_KEY, secret))
        .instance_id("crn:v1:test-instance")
        .payload_signing(payload)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

fn request(method: &str, url: String, body: ByteStream) -> http::Request<ByteStream> {
    let mut builder = http::Request::builder().method(method).uri(url);
    if let Some(length) = body.content_length() {
        builder = builder.header("content-length", length);
    }
    builder.body(body).unwrap()
}

fn xml_code(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.split("<Code>").nth(1).and_then(|rest| rest.split("</Code>").next()).unwrap_or("").to_string()
}

#[tokio::test]
async fn sigv4_requests_are_accepted_by_a_verifying_server() {
    let server = S3sServer::start().await;
    let client = client(&server, SECRET_KEY, PayloadSigning::Auto);

    let response = client.invoke(&CREATE_BUCKET, request("PUT", format!("{}/bucket-one", server.url()), ByteStream::new())).await.unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.body().as_bytes());
    assert!(server.root().join("bucket-one").is_dir());

    // An in-memory body: the payload hash is the real SHA-256, and a key that needs percent-encoding.
    let url = format!("{}/bucket-one/dir/a%20key%2Bplus.txt", server.url());
    let response = client.invoke(&PUT_OBJECT, request("PUT", url, ByteStream::from("hello, signed world"))).await.unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.body().as_bytes());
    assert_eq!(std::fs::read(server.object_path("bucket-one", "dir/a key+plus.txt")).unwrap(), b"hello, signed world");

    // A file body: sent as UNSIGNED-PAYLOAD, streamed from disk.
    let dir = TempDir::new("sigv4");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let path = dir.write("big.bin", &data);
    let body = ByteStream::from_path(&path).await.unwrap();
    let url = format!("{}/bucket-one/big.bin", server.url());
    let response = client.invoke(&PUT_OBJECT, request("PUT", url.clone(), body)).await.unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.body().as_bytes());

    // A streaming GET: the body is handed over unread and reads back what was stored.
    let response = client.invoke(&GET_OBJECT, request("GET", url, ByteStream::new())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.body().as_bytes().is_none(), "a streaming response must not be buffered");
    assert_eq!(response.into_body().collect().await.unwrap().as_ref(), &data[..]);

    // Query parameters are part of the canonical request.
    let url = format!("{}/bucket-one?list-type=2&prefix=dir%2F&max-keys=10", server.url());
    let response = client.invoke(&LIST_OBJECTS, request("GET", url, ByteStream::new())).await.unwrap();
    assert_eq!(response.status(), 200);
    let listing = String::from_utf8_lossy(response.body().as_bytes().unwrap()).to_string();
    assert!(listing.contains("dir/a key+plus.txt") || listing.contains("dir/a%20key%2Bplus.txt"), "{listing}");
    assert!(!listing.contains("big.bin"), "{listing}");
}

#[tokio::test]
async fn unsigned_payload_mode_is_accepted() {
    let server = S3sServer::start().await;
    let client = client(&server, SECRET_KEY, PayloadSigning::Unsigned);
    let response = client.invoke(&CREATE_BUCKET, request("PUT", format!("{}/bucket-two", server.url()), ByteStream::new())).await.unwrap();
    assert_eq!(response.status(), 200);
    let url = format!("{}/bucket-two/k", server.url());
    let response = client.invoke(&PUT_OBJECT, request("PUT", url, ByteStream::from("unsigned"))).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn wrong_secret_is_refused_with_signature_does_not_match() {
    let server = S3sServer::start().await;
    let client = client(&server, "not-the-secret", PayloadSigning::Auto);
    let response = client.invoke(&CREATE_BUCKET, request("PUT", format!("{}/bucket-three", server.url()), ByteStream::new())).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(xml_code(response.body().as_bytes().unwrap()), "SignatureDoesNotMatch");
    assert!(!server.root().join("bucket-three").exists());
}
