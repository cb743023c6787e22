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

#[tokio::test]
async fn a_page_that_says_more_follow_without_a_token_is_an_error() {
    // IsTruncated with no NextContinuationToken: the listing cannot go on, and ending it there would
    // pass two keys off as the whole bucket.
    let cut = page(&["a", "b"], None).replace("<IsTruncated>false</IsTruncated>", "<IsTruncated>true</IsTruncated>");
    let mock = MockTransport::new().answer(200, &[], cut.clone());
    let client = client_over(mock.clone(), RetryConfig::disabled());
    let mut items = client.list_objects_v2().bucket("b").into_paginator().items();
    let mut keys = Vec::new();
    let error = loop {
        match items.next().await.expect("the stream ends with an error, not silently") {
            Ok(object) => keys.push(object.key().unwrap_or_default().to_string()),
            Err(error) => break error,
        }
    };
    assert_eq!(keys, ["a", "b"], "the page's own items still arrive");
    assert_eq!(error.kind(), cos_sdk::ErrorKind::ResponseParse);
    assert!(error.to_string().contains("incomplete"), "{error}");
    assert!(items.next().await.is_none());
    assert_eq!(mock.requests().len(), 1);
    // Paging by hand: such a page has no resume token, and says so rather than passing for the last.
    use cos_sdk::paginator::ListObjectsV2Paginator;
    let mock = MockTransport::new().answer(200, &[], cut);
    let page = client_over(mock, RetryConfig::disabled()).list_objects_v2().bucket("b").into_paginator().send().next().await;
    let error = ListObjectsV2Paginator::resume_token(&page.unwrap().unwrap()).unwrap_err();
    assert!(error.to_string().contains("incomplete"), "{error}");
}

#[tokio::test]
async fn a_listing_resumes_from_its_token() {
    use cos_sdk::paginator::{ListObjectsV2Paginator, ListPartsPaginator};
    // The first page's token starts a new paginator at the second page.
    let mock = three_pages();
    let client = client_over(mock.clone(), RetryConfig::disabled());
    let first = client.list_objects_v2().bucket("b").into_paginator().send().next().await.unwrap().unwrap();
    let token = ListObjectsV2Paginator::resume_token(&first).unwrap().expect("a truncated page has a resume token");
    let rest = client.list_objects_v2().bucket("b").into_paginator().starting_token(&token).unwrap().items().try_collect().await.unwrap();
    let keys: Vec<&str> = rest.iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["c", "d", "e"]);
    assert!(mock.requests()[1].uri.query().unwrap_or_default().contains("continuation-token=t1"), "{:?}", mock.requests()[1].uri);
    // The last page has none.
    let last = rest.last().map(|_| page(&["e"], None));
    let mock = MockTransport::new().answer(200, &[], last.unwrap());
    let only = client_over(mock, RetryConfig::disabled()).list_objects_v2().bucket("b").into_paginator().send().next().await;
    assert!(ListObjectsV2Paginator::resume_token(&only.unwrap().unwrap()).unwrap().is_none());

    // An integer token (ListParts' part number marker) goes back as a number.
    let parts = "<ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><IsTruncated>true</IsTruncated>\
                 <NextPartNumberMarker>2</NextPartNumberMarker><Part><PartNumber>2</PartNumber><Size>1</Size></Part></ListPartsResult>";
    let mock = MockTransport::new().answer(200, &[], parts).answer(200, &[], parts.replace("true", "false"));
    let client = client_over(mock.clone(), RetryConfig::disabled());
    let list = || client.list_parts().bucket("b").key("k").upload_id("u").into_paginator();
    let page = list().send().next().await.unwrap().unwrap();
    let token = ListPartsPaginator::resume_token(&page).unwrap().unwrap();
    list().starting_token(&token).unwrap().send().next().await.unwrap().unwrap();
    assert!(mock.requests()[1].uri.query().unwrap_or_default().contains("part-number-marker=2"), "{:?}", mock.requests()[1].uri);

    // A token whose part number is not a number (base64 of "=two") is refused, naming the member,
    // rather than silently listing from the first part; so is one no paginator made.
    let error = list().starting_token("PXR3bw==").unwrap_err();
    assert_eq!(error.kind(), cos_sdk::ErrorKind::InvalidInput, "{error}");
    assert!(error.to_string().contains("PartNumberMarker") && error.to_string().contains("two"), "{error}");
    let error = list().starting_token("not a token").unwrap_err();
    assert!(error.to_string().contains("resume token"), "{error}");
}
