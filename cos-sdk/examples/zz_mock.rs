use std::time::Instant;
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = 50_000u32;
    let mut mock = cos_sdk::transport::MockTransport::new();
    for _ in 0..n { mock = mock.answer(200, &[("etag", "\"0123456789abcdef0123456789abcdef\""), ("content-length", "1024")], bytes::Bytes::from_static(&[7u8; 1024])); }
    let config = cos_sdk::Config::builder().endpoint_url("http://127.0.0.1:1").credentials(cos_sdk::Credentials::hmac("a", "b")).http_client(mock).build().unwrap();
    let client = cos_sdk::Client::new(&config).unwrap();
    let t = Instant::now();
    for _ in 0..n { let o = client.get_object().bucket("bench").key("obj-1024").send().await.unwrap(); std::hint::black_box(o.body.collect().await.unwrap()); }
    println!("mock get {:?}/op", t.elapsed() / n);
}
