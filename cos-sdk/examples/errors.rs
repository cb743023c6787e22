//! Telling errors apart: what a missing object looks like on GET and on HEAD, the service's code and
//! request id, and the error kinds that say whether to retry.
//!
//! Runs against the service the environment names (see the `pagination` example).
//!
//! `cargo run -p cos-sdk --example errors`

use cos_sdk::operation::get_object::GetObjectError;
use cos_sdk::operation::head_object::HeadObjectError;
use cos_sdk::ErrorKind;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    let client = cos_sdk::Client::from_env().await?;
    let bucket = format!("cos-sdk-example-errors-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;

    // A GET of a missing key: the modeled error of the operation, with the service's details.
    let err = client.get_object().bucket(&bucket).key("missing").send().await.unwrap_err();
    match err.as_operation_error() {
        Some(GetObjectError::NoSuchKey(_)) => println!("GET: no such key"),
        other => println!("GET: something else: {other:?}"),
    }
    if let Some(service) = err.service_error() {
        println!("GET: HTTP {} {}, request id {:?}", service.status(), service.code(), service.request_id());
    }

    // A HEAD answer has no body, yet its 404 is the same modeled error, and `is_not_found` says so.
    let err = client.head_object().bucket(&bucket).key("missing").send().await.unwrap_err();
    assert!(err.is_not_found());
    if let Some(HeadObjectError::NoSuchKey(_)) = err.as_operation_error() {
        println!("HEAD: no such key");
    }

    // Kinds: input mistakes are found before anything is sent and are worth no retry.
    let err = client.get_object().bucket(&bucket).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    println!("missing key member: {err}");

    client.delete_bucket().bucket(&bucket).send().await?;
    println!("errors example: done");
    Ok(())
}
