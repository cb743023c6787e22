//! End to end through the generated API against the IBM COS fixture: the IBM-only operations and
//! headers that no local S3 server plays, with the fixture enforcing COS's rules.

use std::time::{Duration, SystemTime};

use cos_sdk::types::{
    BucketLifecycleConfiguration, BucketProtectionDefaultRetention, BucketProtectionMaximumRetention,
    BucketProtectionMinimumRetention, BucketProtectionStatus, CompletedMultipartUpload, CompletedPart, ExpirationStatus,
    GlacierJobParameters, LifecycleRule, LifecycleRuleFilter, ProtectionConfiguration, RestoreRequest, StorageClass, Tier,
    Transition, TransitionStorageClass,
};
use cos_sdk::{ByteStream, Client, Config, Credentials, DateTime, ErrorKind, RetryConfig};
use cos_sdk_tests::ibm_fixture::{IbmFixture, ReplicationFailure, ASPERA_ACCESS_KEY_ID, PROTECTED_OBJECT_STATUS, RESTORE_TIME};
use futures_util::StreamExt;

const TOKEN: &str = "fixture-bearer-token";
const INSTANCE: &str = "crn:v1:bluemix:public:cloud-object-storage:global:a/test:instance::";

fn client_with(fixture: &IbmFixture, token: &str) -> Client {
    let config = Config::builder()
        .endpoint_url(fixture.endpoint())
        .credentials(Credentials::bearer_token(token))
        .instance_id(INSTANCE)
        .allow_http(true)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

async fn start() -> (IbmFixture, Client) {
    let fixture = IbmFixture::start(TOKEN, INSTANCE).await;
    let client = client_with(&fixture, TOKEN);
    (fixture, client)
}

fn protection(min: i32, default: i32, max: i32) -> ProtectionConfiguration {
    ProtectionConfiguration::builder()
        .status(BucketProtectionStatus::Retention)
        .minimum_retention(BucketProtectionMinimumRetention::builder().days(min).build().unwrap())
        .default_retention(BucketProtectionDefaultRetention::builder().days(default).build().unwrap())
        .maximum_retention(BucketProtectionMaximumRetention::builder().days(max).build().unwrap())
        .build()
}

#[tokio::test]
async fn bearer_token_and_instance_id_travel_and_a_wrong_token_is_refused() {
    let (fixture, client) = start().await;
    client.create_bucket().bucket("bkt1").send().await.unwrap();
    let create = fixture.requests().into_iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(create.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(create.header("ibm-service-instance-id"), Some(INSTANCE));
    assert!(create.header("x-amz-date").is_none(), "no SigV4 headers with a bearer token");

    let wrong = client_with(&fixture, "not-the-token");
    let err = wrong.list_buckets().send().await.unwrap_err();
    assert_eq!(err.service_error().unwrap().status(), 403, "{err}");
    assert!(err.to_string().contains("ListBuckets failed"), "{err}");
}

#[tokio::test]
async fn key_protect_headers_and_list_buckets_extended() {
    let (fixture, client) = start().await;
    let crn = "crn:v1:bluemix:public:kms:us-south:a/test:key:root-key-1";
    client.create_bucket().bucket("secure").ibm_sse_kp_customer_root_key_crn(crn).ibm_sse_kp_encryption_algorithm("AES256").send().await.unwrap();
    let head = client.head_bucket().bucket("secure").send().await.unwrap();
    assert_eq!(head.ibm_sse_kp_enabled, Some(true));
    assert_eq!(head.ibm_sse_kp_crk_id.as_deref(), Some(crn));

    for i in 0..5 {
        client.create_bucket().bucket(format!("bucket-{i}")).send().await.unwrap();
    }
    fixture.set_creation_template_id("bucket-3", "template-7");
    let pages: Vec<_> = client.list_buckets_extended().into_paginator().page_size(2).send().collect().await;
    assert_eq!(pages.len(), 3, "6 buckets in pages of 2");
    let buckets: Vec<_> = pages.into_iter().flat_map(|p| p.unwrap().buckets.unwrap_or_default()).collect();
    let names: Vec<_> = buckets.iter().filter_map(|b| b.name.clone()).collect();
    assert_eq!(names, ["bucket-0", "bucket-1", "bucket-2", "bucket-3", "bucket-4", "secure"]);
    assert!(buckets.iter().all(|b| b.location_constraint.is_some()));
    assert_eq!(buckets[3].creation_template_id.as_deref(), Some("template-7"));
}

#[tokio::test]
async fn protection_configuration_bounds_and_enforces_retention() {
    let (fixture, client) = start().await;
    client.create_bucket().bucket("vault").send().await.unwrap();
    client.put_bucket_protection_configuration().bucket("vault").protection_configuration(protection(1, 10, 30)).send().await.unwrap();
    let put = fixture.requests().into_iter().find(|r| r.has_query_param("protection")).unwrap();
    assert!(put.header("content-md5").is_some(), "the model requires a checksum");
    let got = client.get_bucket_protection_configuration().bucket("vault").send().await.unwrap();
    let config = got.protection_configuration.unwrap();
    assert_eq!(config.default_retention.unwrap().days, 10);

    // Default retention applies; the object cannot be deleted while retained.
    client.put_object().bucket("vault").key("doc").body(ByteStream::from("kept")).send().await.unwrap();
    let head = client.head_object().bucket("vault").key("doc").send().await.unwrap();
    assert_eq!(head.retention_period, Some(10 * 86_400));
    assert!(head.retention_expiration_date.is_some());
    let err = client.delete_object().bucket("vault").key("doc").send().await.unwrap_err();
    assert_eq!(err.service_error().unwrap().status(), PROTECTED_OBJECT_STATUS, "{err}");
    assert_eq!(err.code(), Some("AccessDenied"));

    // A period outside the bucket's bounds is refused.
    let err = client.put_object().bucket("vault").key("too-long").retention_period(40 * 86_400).body(ByteStream::from("x")).send().await.unwrap_err();
    assert_eq!(err.service_error().unwrap().status(), 400, "{err}");

    // Once retention runs out, the delete goes through.
    fixture.advance_clock(Duration::from_secs(11 * 86_400));
    client.delete_object().bucket("vault").key("doc").send().await.unwrap();
}

#[tokio::test]
async fn legal_holds_block_deletion_until_removed_and_retention_extends() {
    let (_fixture, client) = start().await;
    client.create_bucket().bucket("legal").send().await.unwrap();
    client.put_bucket_protection_configuration().bucket("legal").protection_configuration(protection(0, 0, 365)).send().await.unwrap();
    let expires = DateTime::from(SystemTime::now() + Duration::from_secs(3 * 86_400));
    client
        .put_object()
        .bucket("legal")
        .key("contract")
        .retention_expiration_date(expires)
        .retention_legal_hold_id("case-1")
        .body(ByteStream::from("signed"))
        .send()
        .await
        .unwrap();
    client.add_legal_hold().bucket("legal").key("contract").retention_legal_hold_id("case 2/b").send().await.unwrap();
    let holds = client.list_legal_holds().bucket("legal").key("contract").send().await.unwrap();
    let ids: Vec<_> = holds.legal_holds.unwrap_or_default().into_iter().filter_map(|h| h.id).collect();
    assert_eq!(ids, ["case-1", "case 2/b"]);
    let head = client.head_object().bucket("legal").key("contract").send().await.unwrap();
    assert_eq!(head.retention_legal_hold_count, Some(2));

    client
        .extend_object_retention()
        .bucket("legal")
        .key("contract")
        .additional_retention_period(86_400)
        .send()
        .await
        .unwrap();
    let extended = client.head_object().bucket("legal").key("contract").send().await.unwrap();
    let before = expires.secs();
    let after = extended.retention_expiration_date.unwrap().secs();
    assert!((after - before - 86_400).abs() <= 1, "extended by a day: {before} -> {after}");

    for id in ["case-1", "case 2/b"] {
        client.delete_legal_hold().bucket("legal").key("contract").retention_legal_hold_id(id).send().await.unwrap();
    }
    let holds = client.list_legal_holds().bucket("legal").key("contract").send().await.unwrap();
    assert!(holds.legal_holds.unwrap_or_default().is_empty());
    let err = client.delete_object().bucket("legal").key("contract").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "still retained by date: {err}");
}

#[tokio::test]
async fn retention_headers_go_on_complete_not_create() {
    let (fixture, client) = start().await;
    client.create_bucket().bucket("mpu").send().await.unwrap();
    client.put_bucket_protection_configuration().bucket("mpu").protection_configuration(protection(0, 0, 100)).send().await.unwrap();
    let upload = client.create_multipart_upload().bucket("mpu").key("big").send().await.unwrap();
    let id = upload.upload_id.unwrap();
    let part = client.upload_part().bucket("mpu").key("big").upload_id(&id).part_number(1).body(ByteStream::from("part one")).send().await.unwrap();
    client
        .complete_multipart_upload()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .retention_period(86_400)
        .retention_legal_hold_id("hold-mpu")
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).e_tag(part.e_tag.unwrap()).build())
                .build()
                ,
        )
        .send()
        .await
        .unwrap();
    let requests = fixture.requests();
    let complete = requests.iter().find(|r| r.method == "POST" && r.has_query_param("uploadId")).unwrap();
    assert_eq!(complete.header("retention-period"), Some("86400"));
    assert_eq!(complete.header("retention-legal-hold-id"), Some("hold-mpu"));
    assert!(complete.header("content-md5").is_some(), "CompleteMultipartUpload always carries Content-MD5");
    let create = requests.iter().find(|r| r.method == "POST" && r.has_query_param("uploads")).unwrap();
    assert!(create.header("retention-period").is_none());
    let head = client.head_object().bucket("mpu").key("big").send().await.unwrap();
    assert_eq!((head.retention_period, head.retention_legal_hold_count), (Some(86_400), Some(1)));
}

#[tokio::test]
async fn replication_failures_and_aspera() {
    let (fixture, client) = start().await;
    client.create_bucket().bucket("replicated").send().await.unwrap();
    let now = SystemTime::now();
    fixture.seed_replication_failure(
        "replicated",
        ReplicationFailure {
            key: "lost/object".into(),
            version_id: "v1".into(),
            sync_type: "PUT".into(),
            first_sync_attempted: now,
            last_sync_attempted: now,
            sync_failure_cause: Some("destination bucket missing".into()),
        },
    );
    let failures = client.list_bucket_replication_failures().bucket("replicated").send().await.unwrap();
    let result = failures.list_replication_failure_result.unwrap();
    assert_eq!(result.key_count, 1);
    assert_eq!(result.contents[0].key, "lost/object");
    assert_eq!(result.contents[0].sync_failure_cause.as_deref(), Some("destination bucket missing"));

    let aspera = client.get_bucket_aspera().bucket("replicated").send().await.unwrap();
    assert_eq!(aspera.access_key.unwrap().id.as_deref(), Some(ASPERA_ACCESS_KEY_ID));
    assert!(!format!("{:?}", client.get_bucket_aspera().bucket("replicated").send().await.unwrap()).contains("fixture-aspera-secret"), "the Aspera secret is redacted in Debug");
}

#[tokio::test]
async fn an_archive_rule_archives_new_objects_and_a_restore_brings_them_back() {
    let (fixture, client) = start().await;
    client.create_bucket().bucket("cold").send().await.unwrap();
    client.put_object().bucket("cold").key("before").body("written before the rule").send().await.unwrap();
    let rule = LifecycleRule::builder()
        .id("archive")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .transitions(Transition::builder().days(0).storage_class(TransitionStorageClass::Glacier).build())
        .build()
        .unwrap();
    let config = BucketLifecycleConfiguration::builder().rules(rule).build().unwrap();
    client.put_bucket_lifecycle_configuration().bucket("cold").lifecycle_configuration(config).send().await.unwrap();
    let read = client.get_bucket_lifecycle_configuration().bucket("cold").send().await.unwrap();
    let transition = &read.rules()[0].transitions()[0];
    assert_eq!((transition.days(), transition.storage_class()), (Some(0), Some(&TransitionStorageClass::Glacier)));

    // Objects written before the rule stay readable; new ones are archived at once.
    client.put_object().bucket("cold").key("after").body("archived").send().await.unwrap();
    client.get_object().bucket("cold").key("before").send().await.unwrap();
    let head = client.head_object().bucket("cold").key("after").send().await.unwrap();
    assert_eq!((head.storage_class(), head.restore()), (Some(&StorageClass::Glacier), None));
    let err = client.get_object().bucket("cold").key("after").send().await.unwrap_err();
    assert_eq!((err.service_error().map(|s| s.status()), err.code()), (Some(403), Some("InvalidObjectState")));

    let restore = |key: &'static str, tier: Tier| {
        let parameters = GlacierJobParameters::builder().tier(tier).build().unwrap();
        let request = RestoreRequest::builder().days(2).glacier_job_parameters(parameters).build().unwrap();
        client.restore_object().bucket("cold").key(key).restore_request(request).send()
    };
    let err = restore("before", Tier::Bulk).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidObjectState"), "only archived objects are restored");
    restore("after", Tier::Bulk).await.unwrap();
    let err = restore("after", Tier::Bulk).await.unwrap_err();
    assert_eq!((err.service_error().map(|s| s.status()), err.code()), (Some(409), Some("RestoreAlreadyInProgress")));
    let head = client.head_object().bucket("cold").key("after").send().await.unwrap();
    assert_eq!(head.restore(), Some("ongoing-request=\"true\""));

    fixture.advance_clock(RESTORE_TIME);
    let head = client.head_object().bucket("cold").key("after").send().await.unwrap();
    assert!(head.restore().is_some_and(|r| r.starts_with("ongoing-request=\"false\", expiry-date=")), "{:?}", head.restore());
    let body = client.get_object().bucket("cold").key("after").send().await.unwrap().body.collect().await.unwrap();
    assert_eq!(&body[..], b"archived");
    // The copy goes away after its days; the object is archived again.
    fixture.advance_clock(Duration::from_secs(2 * 86_400));
    assert!(client.get_object().bucket("cold").key("after").send().await.is_err());

    client.delete_bucket_lifecycle().bucket("cold").send().await.unwrap();
    let err = client.get_bucket_lifecycle_configuration().bucket("cold").send().await.unwrap_err();
    assert_eq!(err.code(), Some("NoSuchLifecycleConfiguration"));
}
