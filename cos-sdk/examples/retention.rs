//! Immutable Object Storage: a bucket's retention policy, retention on one object, legal holds, and
//! what the service does when you try to delete a protected object.
//!
//! A protection configuration bounds retention in days (minimum, default, maximum); an object's own
//! retention is in seconds. While an object is retained or has a legal hold, it cannot be deleted or
//! overwritten; retention can be extended but never shortened, and a policy cannot be turned off.
//! So this example cannot clean up after itself: the object and bucket it makes stay until the
//! object's retention ends, and it prints when that is.
//!
//! Runs against the service the environment names (see the `service_credential` example).
//!
//! `cargo run -p cos-sdk --example retention`

use cos_sdk::types::{
    BucketProtectionDefaultRetention, BucketProtectionMaximumRetention, BucketProtectionMinimumRetention,
    BucketProtectionStatus, ProtectionConfiguration,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    let client = cos_sdk::Client::from_env().await?;
    let bucket = format!("cos-sdk-example-retention-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;

    // Retention between 0 and 1 day, none unless an object asks for it.
    let policy = ProtectionConfiguration::builder()
        .status(BucketProtectionStatus::Retention)
        .minimum_retention(BucketProtectionMinimumRetention::builder().days(0).build()?)
        .default_retention(BucketProtectionDefaultRetention::builder().days(0).build()?)
        .maximum_retention(BucketProtectionMaximumRetention::builder().days(1).build()?)
        .build();
    client.put_bucket_protection_configuration().bucket(&bucket).protection_configuration(policy).send().await?;
    let read = client.get_bucket_protection_configuration().bucket(&bucket).send().await?;
    println!("policy: {:?}", read.protection_configuration().and_then(|p| p.status()).map(|s| s.as_str()));

    // Two minutes of retention for this object (seconds, within the policy's days).
    let key = "contracts/4711.pdf";
    client.put_object().bucket(&bucket).key(key).retention_period(120).body("%PDF-1.7 ...").send().await?;
    let head = client.head_object().bucket(&bucket).key(key).send().await?;
    println!("retained until {:?}", head.retention_expiration_date().map(|d| d.to_string()));

    // Deleting it is refused while it is retained.
    match client.delete_object().bucket(&bucket).key(key).send().await {
        Err(e) => println!("delete refused: HTTP {:?} {}", e.service_error().map(|s| s.status()), e.code().unwrap_or("")),
        Ok(_) => println!("delete accepted: the service does not enforce retention"),
    }

    // Legal holds: named, any number, each blocking deletion until removed.
    client.add_legal_hold().bucket(&bucket).key(key).retention_legal_hold_id("case-4711").send().await?;
    let holds = client.list_legal_holds().bucket(&bucket).key(key).send().await?;
    let ids: Vec<&str> = holds.legal_holds().iter().filter_map(|h| h.id()).collect();
    println!("legal holds: {ids:?}");
    client.delete_legal_hold().bucket(&bucket).key(key).retention_legal_hold_id("case-4711").send().await?;

    // Retention only grows: one more minute.
    client.extend_object_retention().bucket(&bucket).key(key).additional_retention_period(60).send().await?;
    let head = client.head_object().bucket(&bucket).key(key).send().await?;
    let until = head.retention_expiration_date().map(|d| d.to_string()).unwrap_or_default();
    println!("now retained until {until}; delete {bucket}/{key} and the bucket after that");
    println!("retention example: done");
    Ok(())
}
