//! Self-tests of access: the bearer token, the service instance id, token rotation and the record of
//! every request.

use super::{call, fixture, INSTANCE};

#[tokio::test]
async fn ibm_fixture_requires_bearer_token_and_instance_id() {
    let f = fixture().await;
    let r = call(&f, "GET", "/").auth(None).send().await;
    r.assert_error(403, "AccessDenied");
    assert!(
        r.body.starts_with("<?xml") && r.body.contains("<RequestId>"),
        "S3 error body: {}",
        r.body
    );
    assert!(r.header("x-amz-request-id").is_some());
    let r = call(&f, "GET", "/").auth(Some("Bearer wrong")).send().await;
    r.assert_error(403, "AccessDenied");
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
    r.assert_error(400, "InvalidArgument");
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
