//! Pages, items and bodies read without importing a stream trait (`next`, `try_collect`,
//! `next_chunk`), and the same values as `futures` streams for adapters; outputs read through their
//! borrowing accessors. Answers come from a
//! `MockTransport`, so no server is needed. This file deliberately imports no `StreamExt`.

use cos_sdk::transport::MockTransport;
use cos_sdk::RetryConfig;
use cos_sdk_tests::mock_client::client_over;

fn page(keys: &[&str], next: Option<&str>) -> String {
    let contents: String = keys.iter().map(|k| format!("<Contents><Key>{k}</Key><Size>1</Size></Contents>")).collect();
    let more = match next {
        Some(token) => format!("<IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>"),
        None => "<IsTruncated>false</IsTruncated>".to_string(),
    };
    format!("<ListBucketResult><Name>b</Name><KeyCount>{}</KeyCount>{more}{contents}</ListBucketResult>", keys.len())
}

fn three_pages() -> MockTransport {
    MockTransport::new()
        .answer(200, &[], page(&["a", "b"], Some("t1")))
        .answer(200, &[], page(&["c", "d"], Some("t2")))
        .answer(200, &[], page(&["e"], None))
}

#[tokio::test]
async fn pages_and_items_need_no_trait_import() {
    let mock = three_pages();
    let mut pages = client_over(mock.clone(), RetryConfig::disabled()).list_objects_v2().bucket("b").into_paginator().page_size(2).send();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        // Accessors borrow: a missing list reads as an empty slice.
        sizes.push(page.unwrap().contents().len());
    }
    assert_eq!(sizes, [2, 2, 1]);
    let queries: Vec<String> = mock.requests().iter().map(|r| r.uri.query().unwrap_or_default().to_string()).collect();
    assert!(queries[1].contains("continuation-token=t1") && queries[2].contains("continuation-token=t2"), "{queries:?}");

    let mock = three_pages();
    let keys: Vec<String> = client_over(mock.clone(), RetryConfig::disabled())
        .list_objects_v2()
        .bucket("b")
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    assert_eq!(keys, ["a", "b", "c", "d", "e"]);

    // try_collect stops at the first error and returns it.
    let failing = MockTransport::new().answer(200, &[], page(&["a"], Some("t1"))).answer(500, &[], "<Error><Code>InternalError</Code></Error>");
    let err = client_over(failing.clone(), RetryConfig::disabled()).list_objects_v2().bucket("b").into_paginator().items().try_collect().await.unwrap_err();
    assert_eq!(err.service_error().map(|s| s.code()), Some("InternalError"), "{err}");
}

#[tokio::test]
async fn bodies_are_chunk_streams() {
    let mock = MockTransport::new().answer(200, &[], "hello body").answer(200, &[], "0123456789");
    let client = client_over(mock.clone(), RetryConfig::disabled());
    let got = client.get_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!((got.e_tag(), got.content_length(), got.metadata()), (None, None, None));
    let mut body = got.body;
    let mut read = Vec::new();
    while let Some(chunk) = body.next_chunk().await {
        read.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(read, b"hello body");

    // The same body as a futures::Stream, through an adapter.
    let body = client.get_object().bucket("b").key("k").send().await.unwrap().body;
    let lengths: Vec<usize> = futures_util::StreamExt::collect::<Vec<_>>(futures_util::StreamExt::map(body, |c| c.unwrap().len())).await;
    assert_eq!(lengths.iter().sum::<usize>(), 10);
}
