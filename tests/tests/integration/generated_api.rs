//! The generated API's contract without a server: builders check required members and `min`
//! constraints and name the member, sensitive members never show in `Debug`, enums keep values the model
//! does not list, and every operation's serializer and parser are pure functions over `http` types.

use cos_sdk::operation::{get_object, head_object, put_object};
use cos_sdk::types::{GetObjectRequest, PutObjectRequest, StorageClass, Tag};
use cos_sdk::{ByteStream, Endpoint, ErrorKind};

#[test]
fn builders_name_the_missing_or_invalid_member() {
    let err = GetObjectRequest::builder().key("k").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("GetObjectRequest.Bucket is required: set it with `.bucket(...)`"), "{err}");
    let err = Tag::builder().key("").value("v").build().unwrap_err();
    assert!(err.to_string().contains("Tag.Key: length 0 is below the minimum of 1"), "{err}");
    let tag = Tag::builder().key("k").value("v").build().unwrap();
    assert_eq!((tag.key.as_str(), tag.value.as_str()), ("k", "v"));
}

#[test]
fn sensitive_members_are_redacted_in_debug() {
    let secret = "c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcy1sb25nISE=";
    let input = PutObjectRequest::builder().bucket("b").key("k").sse_customer_key(secret).build().unwrap();
    let text = format!("{input:?}");
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("** redacted **"), "{text}");
    let builder = PutObjectRequest::builder().sse_customer_key(secret);
    assert!(!format!("{builder:?}").contains(secret));
}

#[test]
fn enums_keep_unknown_values() {
    assert_eq!(StorageClass::from("GLACIER"), StorageClass::Glacier);
    assert_eq!(StorageClass::Glacier.as_str(), "GLACIER");
    let new = StorageClass::from("SMART");
    assert_eq!(new.as_str(), "SMART");
    assert!(matches!(new, StorageClass::Unknown(_)));
    assert!(StorageClass::VALUES.contains(&"ACCELERATED"), "IBM's archive class is in the model");
}

#[test]
fn serializer_and_parser_are_pure() {
    let endpoint = Endpoint::new("https://s3.eu-de.cloud-object-storage.appdomain.cloud/prefix").unwrap();
    let input = PutObjectRequest::builder()
        .bucket("docs")
        .key("a b/ü+%.txt")
        .content_type("text/plain")
        .metadata("owner", "me")
        .retention_period(3600)
        .body(ByteStream::from("hello"))
        .build()
        .unwrap();
    let request = put_object::serialize_request(input, &endpoint).unwrap();
    assert_eq!(request.method(), "PUT");
    assert_eq!(request.uri(), "https://s3.eu-de.cloud-object-storage.appdomain.cloud/prefix/docs/a%20b/%C3%BC%2B%25.txt");
    let h = request.headers();
    assert_eq!((h["content-type"].to_str().unwrap(), h["x-amz-meta-owner"].to_str().unwrap()), ("text/plain", "me"));
    assert_eq!((h["retention-period"].to_str().unwrap(), h["content-length"].to_str().unwrap()), ("3600", "5"));

    let response = http::Response::builder()
        .status(200)
        .header("etag", "\"abc\"")
        .header("content-length", "5")
        .header("last-modified", "Tue, 24 Nov 2026 14:08:00 GMT")
        .header("x-amz-meta-owner", "me")
        .header("retention-expiration-date", "2026-12-24T14:08:00Z")
        .body(ByteStream::from(""))
        .unwrap();
    let head = head_object::parse_response(response).unwrap();
    assert_eq!(head.e_tag.as_deref(), Some("\"abc\""));
    assert_eq!(head.last_modified.map(|t| t.secs()), Some(1_795_529_280));
    assert_eq!(head.retention_expiration_date.map(|t| t.secs()), Some(1_795_529_280 + 30 * 86_400));
    assert_eq!(head.metadata.unwrap()["owner"], "me");

    let not_found = http::Response::builder()
        .status(404)
        .header("x-amz-request-id", "req-1")
        .body(ByteStream::from("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"))
        .unwrap();
    let err = get_object::parse_response(not_found).unwrap_err();
    assert!(matches!(err.operation_error::<get_object::GetObjectError>(), Some(get_object::GetObjectError::NoSuchKey(_))));
    let text = err.to_string();
    for part in ["GetObject failed", "HTTP 404", "NoSuchKey", "gone", "req-1"] {
        assert!(text.contains(part), "{part} missing in {text}");
    }
}

#[test]
fn serde_uses_boto3_parameter_names() {
    let input: GetObjectRequest = serde_json::from_str(r#"{"Bucket": "b", "Key": "k", "Range": "bytes=0-9"}"#).unwrap();
    assert_eq!((input.bucket.as_str(), input.key.as_str(), input.range.as_deref()), ("b", "k", Some("bytes=0-9")));
    let json = serde_json::to_value(&input).unwrap();
    assert_eq!(json, serde_json::json!({"Bucket": "b", "Key": "k", "Range": "bytes=0-9"}));
    let err = serde_json::from_str::<GetObjectRequest>(r#"{"Bucket": "b", "Key": "k", "Colour": 1}"#).unwrap_err();
    assert!(err.to_string().contains("Colour"), "{err}");
}
