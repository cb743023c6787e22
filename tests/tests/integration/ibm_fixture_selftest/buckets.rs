//! Self-tests of the service and bucket-level IBM operations: ListBucketsExtended paging, Key Protect
//! headers, replication failures, the Aspera answer, and NotImplemented for anything else.

use std::time::{Duration, SystemTime};

use cos_sdk_tests::ibm_fixture::ReplicationFailure;

use super::{call, create_bucket, fixture};

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
    r.assert_error(501, "NotImplemented");
}
