//! The quickstart: a short tour of cos-sdk that prints each step.
//!
//! With COS settings in the environment (`IBM_API_KEY_ID` or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
//! `COS_ENDPOINT` or `COS_REGION`, `IBM_SERVICE_INSTANCE_ID`) or in `~/.bluemix/cos_credentials`, it runs
//! against that service. With none, it starts a real S3 server (s3s over a temporary directory) inside
//! the process on 127.0.0.1 and runs against it. It exits non-zero on any failure.
//!
//! Run it with `cargo run --example quickstart`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use cos_sdk::credentials::resolve_credentials;
use cos_sdk::{ByteStream, Client, Config, Credentials, CredentialsKind, Environment};

/// The keys the embedded server accepts (it is reachable only from this machine, and only while the
/// quickstart runs).
const ACCESS_KEY: &str = "quickstart-access-key";
const SECRET_KEY: &str = "quickstart-secret-key";

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
    let env = Environment::from_process();
    let configured = resolve_credentials(&env).map_err(|e| e.to_string())?.is_some();
    if configured {
        step("using the COS service configured in the environment");
        let client = Client::from_env().await.map_err(|e| e.to_string())?;
        return run_with(&client).await;
    }
    let root = std::env::temp_dir().join(format!("cos-sdk-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let result = embedded(&root).await;
    let _ = std::fs::remove_dir_all(&root);
    result
}

/// The tour against an S3 server started in this process over `root`, which the caller removes.
async fn embedded(root: &Path) -> Result<(), String> {
    let addr = start_server(root.to_path_buf()).await?;
    step(&format!("no COS settings found: started an embedded S3 server at http://{addr}"));
    let config = Config::builder()
        .endpoint_url(format!("http://{addr}"))
        .credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY))
        .build()
        .map_err(|e| e.to_string())?;
    run_with(&Client::new(&config).map_err(|e| e.to_string())?).await
}

/// s3s over s3s-fs (buckets are folders of `root`, objects files), checking SigV4 against
/// [`ACCESS_KEY`], on 127.0.0.1 with a free port; it serves until the process ends.
async fn start_server(root: PathBuf) -> Result<SocketAddr, String> {
    let fs = s3s_fs::FileSystem::new(&root).map_err(|e| format!("s3s-fs over {}: {e:?}", root.display()))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    Ok(addr)
}

/// Lists, makes a bucket, tours it, and removes the bucket whatever happened.
async fn run_with(client: &Client) -> Result<(), String> {
    println!("    endpoint: {}://{}", client.endpoint().scheme(), client.endpoint().authority());

    step("ListBuckets");
    let buckets = client.list_buckets().send().await.map_err(|e| e.to_string())?;
    println!("    {} bucket(s)", buckets.buckets().len());

    let bucket = format!("cos-sdk-quickstart-{:08x}", fastrand::u32(..));
    step(&format!("CreateBucket {bucket}"));
    client.create_bucket().bucket(&bucket).send().await.map_err(|e| e.to_string())?;

    let result = tour(client, &bucket).await;

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
    println!("    ETag {}", put.e_tag().unwrap_or_default());

    step("ListObjectsV2");
    let listing = client.list_objects_v2().bucket(bucket).send().await.map_err(|e| e.to_string())?;
    let keys: Vec<&str> = listing.contents().iter().filter_map(|o| o.key()).collect();
    println!("    keys: {keys:?}");
    if !keys.contains(&key) {
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
        head.content_length(), head.content_type(), head.metadata
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
