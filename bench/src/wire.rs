//! Wire benchmarks: parsing a 1,000-key ListObjectsV2 response, serializing a 1,000-key
//! DeleteObjects request (XML body and its Content-MD5) and presigning GetObject URLs (SigV4), with
//! `std::time` only.
//!
//! `cargo xtask bench` runs them (`cos-sdk-bench wire [ITERATIONS]`) before the client benchmarks. It
//! prints the median, mean and fastest time per operation over many iterations.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cos_sdk::operation::{delete_objects, list_objects_v2};
use cos_sdk::types::{Delete, ObjectIdentifier};
use cos_sdk::{ByteStream, Client, Config, Credentials, Endpoint};

const KEYS: usize = 1000;

/// How many URLs one iteration of the presigning benchmark signs.
const PRESIGNS: usize = 100;

/// A realistic ListObjectsV2 answer: 1,000 entries with key, date, ETag, size, class and owner,
/// URL-encoded keys as COS sends them for `encoding-type=url`.
fn listing_body() -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <Name>bench-bucket</Name><Prefix>logs%2F</Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys>\
         <IsTruncated>true</IsTruncated><EncodingType>url</EncodingType><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>",
    );
    for i in 0..KEYS {
        body.push_str(&format!(
            "<Contents><Key>logs%2F2026%2F11%2F24%2Fapp-server-{i:05}.log.gz</Key><LastModified>2026-11-24T14:{:02}:{:02}.000Z</LastModified>\
             <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>{}</Size>\
             <Owner><ID>d2e7a8c1-4f1b-4c5e-9a7d-1234567890ab</ID><DisplayName>d2e7a8c1-4f1b-4c5e-9a7d-1234567890ab</DisplayName></Owner>\
             <StorageClass>STANDARD</StorageClass></Contents>",
            i / 60 % 60,
            i % 60,
            1024 * (i + 1)
        ));
    }
    body.push_str("</ListBucketResult>");
    body
}

fn delete_input() -> delete_objects::DeleteObjectsRequest {
    let objects: Vec<ObjectIdentifier> = (0..KEYS)
        .map(|i| {
            ObjectIdentifier::builder()
                .key(format!("logs/2026/11/24/app-server-{i:05}.log.gz"))
                .build()
                .expect("a key is set")
        })
        .collect();
    let delete = Delete::builder().set_objects(Some(objects)).quiet(true).build().expect("objects are set");
    delete_objects::DeleteObjectsRequest::builder()
        .bucket("bench-bucket")
        .delete(delete)
        .build()
        .expect("bucket and delete are set")
}

/// Times `f` `iterations` times after a warm-up and prints median, mean and fastest.
fn measure(name: &str, iterations: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations / 10 + 1 {
        f();
    }
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!("{name}: median {median:.2?}, mean {mean:.2?}, fastest {:.2?} ({iterations} iterations)", times[0]);
    median
}

pub fn main(iterations: usize) {
    let body = bytes::Bytes::from(listing_body());
    println!("ListObjectsV2 response: {} keys, {} bytes", KEYS, body.len());
    measure("parse ListObjectsV2 (1,000 keys)", iterations, || {
        let response = http::Response::builder().status(200).body(ByteStream::from(body.clone())).expect("valid response");
        let output = list_objects_v2::parse_response(response).expect("the listing parses");
        assert_eq!(output.contents.as_ref().map(Vec::len), Some(KEYS));
        black_box(output);
    });

    let endpoint = Endpoint::new("https://s3.us-south.cloud-object-storage.appdomain.cloud").expect("valid endpoint");
    let input = delete_input();
    let sample = delete_objects::serialize_request(input.clone(), &endpoint).expect("serializes");
    println!("DeleteObjects request: {} keys, {} bytes", KEYS, sample.body().as_bytes().map(|b| b.len()).unwrap_or(0));
    measure("serialize DeleteObjects (1,000 keys, with Content-MD5)", iterations, || {
        let request = delete_objects::serialize_request(black_box(input.clone()), &endpoint).expect("serializes");
        black_box(request);
    });
    measure("  of which cloning the input", iterations, || {
        black_box(black_box(&input).clone());
    });

    let config = Config::builder()
        .endpoint_url("https://s3.us-south.cloud-object-storage.appdomain.cloud")
        .credentials(Credentials::hmac("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
        .region("us-south")
        .build()
        .expect("valid config");
    let client = Client::new(&config).expect("a client needs no I/O");
    measure("presign 100 GetObject URLs (SigV4 query signing)", iterations, || {
        for i in 0..PRESIGNS {
            let url = client
                .get_object()
                .bucket("bench-bucket")
                .key(format!("logs/2026/11/24/app-server-{i:05}.log.gz"))
                .presigned(Duration::from_secs(3600))
                .expect("HMAC keys presign");
            black_box(url);
        }
    });
}
