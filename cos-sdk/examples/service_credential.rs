//! Connecting with a service credential: the JSON IBM Cloud shows when you create credentials for a
//! COS instance (`apikey`, `resource_instance_id`, and `cos_hmac_keys` when asked for HMAC keys).
//!
//! Save it as `~/.bluemix/cos_credentials` (or name the file in `COS_CREDENTIALS_FILE`) and name the
//! service's location or endpoint (`COS_REGION=us-south` or `COS_ENDPOINT=https://...`). The API key is
//! exchanged at IAM for bearer tokens, refreshed before they expire; `resource_instance_id` becomes
//! the instance id that CreateBucket and ListBuckets need. Nothing here prints a secret: `Debug` of the
//! configuration and of the credentials shows them redacted.
//!
//! `cargo run -p cos-sdk --example service_credential`

use cos_sdk::{Client, Config, CredentialsKind};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    // The chain: environment variables first, then the service credential file, then `~/.aws`.
    let config = Config::from_env()?;
    let how = match config.credentials().kind() {
        CredentialsKind::ApiKey => "an API key, exchanged at IAM for bearer tokens",
        CredentialsKind::Hmac => "HMAC keys, signing with SigV4",
        _ => "other credentials",
    };
    println!("credentials: {how}");
    println!("instance id: {}", config.instance_id().unwrap_or("(none: ListBuckets and CreateBucket will fail)"));
    println!("token service: {}", config.iam_endpoint());
    println!("credentials as Debug shows them: {:?}", config.credentials());

    let client = Client::new(&config)?;
    let bucket = format!("cos-sdk-example-credential-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;
    let listed = client.list_buckets().send().await?;
    let names: Vec<&str> = listed.buckets().iter().filter_map(|b| b.name()).collect();
    println!("the instance's buckets include ours: {}", names.contains(&bucket.as_str()));

    client.put_object().bucket(&bucket).key("hello.txt").body("signed with a bearer token").send().await?;
    let body = client.get_object().bucket(&bucket).key("hello.txt").send().await?.body.collect().await?;
    println!("read back {} bytes", body.len());

    client.delete_object().bucket(&bucket).key("hello.txt").send().await?;
    client.delete_bucket().bucket(&bucket).send().await?;
    println!("service_credential example: done");
    Ok(())
}
