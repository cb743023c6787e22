//! Presigned URLs: a GET and a PUT anyone can use for a while, without credentials (HMAC keys only:
//! an IAM API key cannot presign).
//!
//! Runs against the service the environment names (see the `pagination` example); it prints the URLs
//! and removes what it made.
//!
//! `cargo run -p cos-sdk --example presigned`

use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    let client = cos_sdk::Client::from_env().await?;
    let bucket = format!("cos-sdk-example-presign-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;
    client.put_object().bucket(&bucket).key("report.csv").body("a,b\n1,2\n").send().await?;

    let get = client.get_object().bucket(&bucket).key("report.csv").presigned(Duration::from_secs(15 * 60))?;
    println!("GET for 15 minutes: {} {}", get.method(), get.uri());
    let put = client.put_object().bucket(&bucket).key("upload.bin").presigned(Duration::from_secs(3600))?;
    println!("PUT for an hour: {} {} (send these headers too: {:?})", put.method(), put.uri(), put.headers());

    client.delete_object().bucket(&bucket).key("report.csv").send().await?;
    client.delete_bucket().bucket(&bucket).send().await?;
    println!("presigned example: done");
    Ok(())
}
