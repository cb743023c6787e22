//! The quickstart: a short tour of cos-sdk that prints each step.
//!
//! With COS settings in the environment (`IBM_API_KEY_ID` or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
//! `COS_ENDPOINT` or `COS_REGION`, `IBM_SERVICE_INSTANCE_ID`) or in `~/.bluemix/cos_credentials`, it runs
//! against that service. With none, it starts a real S3 server (s3s over a temporary directory) inside
//! the process on 127.0.0.1 and runs against it. It exits non-zero on any failure.
//!
//! Run it with `cargo run --example quickstart`.

use std::process::ExitCode;
use std::time::Duration;

use cos_sdk::credentials::resolve_credentials;
use cos_sdk::{ByteStream, Client, Config, Credentials, CredentialsKind, Environment};
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("quickstart: every step succeeded");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("quickstart failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn step(text: &str) {
    println!("==> {text}");
}

async fn run() -> Result<(), String> {
    // Keeps the embedded server alive for the whole tour when there is no configured service.
    let mut _embedded = None;
    let env = Environment::from_process();
    let configured = resolve_credentials(&env).map_err(|e| e.to_string())?.is_some();
    let client = if configured {
        step("using the COS service configured in the environment");
        Client::from_env().await.map_err(|e| e.to_string())?
    } else {
        let server = S3sServer::start().await;
        step(&format!("no COS settings found: started an embedded S3 server at {}", server.url()));
        let config = Config::builder()
            .endpoint_url(server.url())
            .credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY))
            .build()
            .map_err(|e| e.to_string())?;
        _embedded = Some(server);
        Client::new(&config).map_err(|e| e.to_string())?
    };
    println!("    endpoint: {}://{}", client.endpoint().scheme(), client.endpoint().authority());

    step("ListBuckets");
    let buckets = client.list_buckets().send().await.map_err(|e| e.to_string())?;
    println!("    {} bucket(s)", buckets.buckets.as_ref().map_or(0, Vec::len));

    let bucket = format!("cos-sdk-quickstart-{:08x}", fastrand_u32());
    step(&format!("CreateBucket {bucket}"));
    client.create_bucket().bucket(&bucket).send().await.map_err(|e| e.to_string())?;

    let result = tour(&client, &bucket).await;

    step(&format!("DeleteBucket {bucket}"));
    let cleanup = client.delete_bucket().bucket(&bucket).send().await.map_err(|e| e.to_string());
    result.and(cleanup.map(|_| ()))
}

/// The object part of the tour; the bucket is deleted afterwards whatever happens here.
async fn tour(client: &Client, bucket: &str) -> Result<(), String> {
    let key = "hello/quickstart.txt";
    let content = "Hello from cos-sdk!\n";

    step(&format!("PutObject {key}"));
    let put = client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("text/plain")
        .metadata("purpose", "quickstart")
        .body(ByteStream::from(content))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    println!("    ETag {}", put.e_tag.unwrap_or_default());

    step("ListObjectsV2");
    let listing = client.list_objects_v2().bucket(bucket).send().await.map_err(|e| e.to_string())?;
    let keys: Vec<String> = listing.contents.unwrap_or_default().into_iter().filter_map(|o| o.key).collect();
    println!("    keys: {keys:?}");
    if !keys.iter().any(|k| k == key) {
        return Err(format!("ListObjectsV2 did not list {key}"));
    }

    step(&format!("GetObject {key}"));
    let object = client.get_object().bucket(bucket).key(key).send().await.map_err(|e| e.to_string())?;
    let body = object.body.collect().await.map_err(|e| e.to_string())?;
    if body != content.as_bytes() {
        return Err(format!("GetObject returned {body:?}, expected {content:?}"));
    }
    println!("    {} bytes, content checked", body.len());

    step(&format!("HeadObject {key}"));
    let head = client.head_object().bucket(bucket).key(key).send().await.map_err(|e| e.to_string())?;
    println!(
        "    content-length {:?}, content-type {:?}, metadata {:?}",
        head.content_length, head.content_type, head.metadata
    );

    step("presigned GET, fetched with a plain HTTP client");
    if client.config().credentials().kind() == CredentialsKind::Hmac {
        let presigned = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .presigned(Duration::from_secs(300))
            .map_err(|e| e.to_string())?;
        let fetched = plain_get(&presigned.url()).await?;
        if fetched != content.as_bytes() {
            return Err(format!("the presigned GET returned {fetched:?}"));
        }
        println!("    fetched {} bytes without credentials", fetched.len());
    } else {
        println!("    skipped: presigned URLs need HMAC keys, and this client uses an IAM API key or token");
    }

    step(&format!("DeleteObject {key}"));
    client.delete_object().bucket(bucket).key(key).send().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// A GET with a plain HTTP client that knows nothing of credentials.
async fn plain_get(url: &str) -> Result<Vec<u8>, String> {
    use http_body_util::BodyExt;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
    let uri: http::Uri = url.parse().map_err(|e| format!("bad presigned URL: {e}"))?;
    let response = client.get(uri).await.map_err(|e| format!("presigned GET failed: {e}"))?;
    let status = response.status();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    if !status.is_success() {
        return Err(format!("presigned GET answered {status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(body.to_vec())
}

fn fastrand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.finish() as u32
}
