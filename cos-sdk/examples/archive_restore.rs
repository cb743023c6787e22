//! Archiving with a lifecycle rule and reading an archived object back with RestoreObject.
//!
//! COS moves objects to an archive tier by a bucket's archive rule: `GLACIER` (Archive, a restore
//! takes up to 12 hours) or `ACCELERATED` (Accelerated Archive, up to 2 hours). The rule applies to
//! objects written after it is set; 0 days archives them right away. An archived object cannot be
//! read until a restore makes a temporary copy, which stays the days you ask for; HEAD's `restore()`
//! says how the restore is going. This example polls with growing pauses, as a program should.
//!
//! Runs against the service the environment names (see the `service_credential` example), in a
//! location with archive support; it makes and removes a bucket of its own.
//!
//! `cargo run -p cos-sdk --example archive_restore`

use std::time::Duration;

use cos_sdk::types::{
    BucketLifecycleConfiguration, ExpirationStatus, GlacierJobParameters, LifecycleRule, LifecycleRuleFilter,
    RestoreRequest, Tier, Transition, TransitionStorageClass,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    let client = cos_sdk::Client::from_env().await?;
    let bucket = format!("cos-sdk-example-archive-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;

    // One rule: every new object goes to Accelerated Archive at once.
    let rule = LifecycleRule::builder()
        .id("archive-now")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .transitions(Transition::builder().days(0).storage_class(TransitionStorageClass::Accelerated).build())
        .build()?;
    let rules = BucketLifecycleConfiguration::builder().rules(rule).build()?;
    client.put_bucket_lifecycle_configuration().bucket(&bucket).lifecycle_configuration(rules).send().await?;

    client.put_object().bucket(&bucket).key("2019/ledger.csv").body("year,total\n2019,42\n").send().await?;
    let head = client.head_object().bucket(&bucket).key("2019/ledger.csv").send().await?;
    println!("storage class: {:?}", head.storage_class().map(|c| c.as_str()));

    // Reading it now fails: the service names the object's state.
    match client.get_object().bucket(&bucket).key("2019/ledger.csv").send().await {
        Err(e) if e.code() == Some("InvalidObjectState") => println!("GET before a restore: {}", e.code().unwrap_or("")),
        Err(e) => return Err(e.into()),
        Ok(_) => println!("GET before a restore worked: the location does not archive"),
    }

    // Restore a copy for one day, at the Accelerated tier (the one ACCELERATED archives use).
    let request = RestoreRequest::builder()
        .days(1)
        .glacier_job_parameters(GlacierJobParameters::builder().tier(Tier::Accelerated).build()?)
        .build()?;
    client.restore_object().bucket(&bucket).key("2019/ledger.csv").restore_request(request).send().await?;

    // `ongoing-request="true"` while the copy is made, then `"false"` with the copy's expiry date.
    let mut pause = Duration::from_secs(1);
    loop {
        let head = client.head_object().bucket(&bucket).key("2019/ledger.csv").send().await?;
        let restore = head.restore().unwrap_or("");
        println!("restore: {restore}");
        if restore.contains("ongoing-request=\"false\"") {
            break;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(600));
    }
    let body = client.get_object().bucket(&bucket).key("2019/ledger.csv").send().await?.body.collect().await?;
    println!("read {} bytes from the restored copy", body.len());

    client.delete_object().bucket(&bucket).key("2019/ledger.csv").send().await?;
    client.delete_bucket_lifecycle().bucket(&bucket).send().await?;
    client.delete_bucket().bucket(&bucket).send().await?;
    println!("archive_restore example: done");
    Ok(())
}
