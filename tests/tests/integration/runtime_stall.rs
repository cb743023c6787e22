//! The stall timeout watches progress, not total time: a slow upload that keeps sending succeeds even
//! when it takes several times the stall timeout, and an upload that stops sending fails with a timeout.

use std::time::Duration;

use bytes::Bytes;
use cos_sdk::{ByteStream, Client, Config, Credentials, ErrorKind, PayloadSigning, RetryConfig, Timeouts};
use cos_sdk_tests::s3s_server::{S3sServer, ACCESS_KEY, SECRET_KEY};
use http_body_util::StreamBody;

fn client(server: &S3sServer, stall: Duration) -> Client {
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::hmac(ACCESS_KEY, SECRET_KEY))
        .payload_signing(PayloadSigning::Unsigned)
        .retry(RetryConfig::disabled())
        .timeouts(Timeouts { stall: Some(stall), ..Timeouts::default() })
        .build()
        .unwrap();
    Client::new(&config).unwrap()
}

/// A body of `chunks` chunks of 1 KiB, one every `every`; after them, it either ends or hangs forever.
fn trickle(chunks: usize, every: Duration, then_hang: bool) -> ByteStream {
    let stream = futures_util::stream::unfold(0usize, move |sent| async move {
        if sent == chunks {
            if then_hang {
                std::future::pending::<()>().await;
            }
            return None;
        }
        tokio::time::sleep(every).await;
        let frame = http_body::Frame::data(Bytes::from(vec![b'a' + (sent % 26) as u8; 1024]));
        Some((Ok::<_, std::io::Error>(frame), sent + 1))
    });
    let length = if then_hang { (chunks as u64 + 1) * 1024 } else { chunks as u64 * 1024 };
    ByteStream::from_body(StreamBody::new(stream), Some(length))
}

#[tokio::test]
async fn a_slow_but_steady_upload_is_not_a_stall() {
    let server = S3sServer::start().await;
    let client = client(&server, Duration::from_millis(400));
    client.create_bucket().bucket("slow").send().await.unwrap();
    // 12 chunks, one every 150 ms: 1.8 s in all, four and a half stall timeouts.
    client.put_object().bucket("slow").key("k").body(trickle(12, Duration::from_millis(150), false)).send().await.unwrap();
    let stored = std::fs::read(server.object_path("slow", "k")).unwrap();
    assert_eq!(stored.len(), 12 * 1024);
}

#[tokio::test]
async fn an_upload_that_stops_sending_times_out() {
    let server = S3sServer::start().await;
    let client = client(&server, Duration::from_millis(400));
    client.create_bucket().bucket("stuck").send().await.unwrap();
    let started = std::time::Instant::now();
    let err = client.put_object().bucket("stuck").key("k").body(trickle(3, Duration::from_millis(50), true)).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("no progress"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "gave up within a few stall periods");
}
