//! Builders as a user writes them: collections grow one item at a time (`metadata(k, v)`,
//! `objects(id)`) beside `set_*` for the whole, and `build()` needs no `?` when nothing can be missing.
//! Requests go to a `MockTransport`, so the test reads exactly what was sent.

use cos_sdk::transport::MockTransport;
use cos_sdk::types::{Delete, LifecycleRuleFilter, ObjectIdentifier, Transition, TransitionStorageClass};
use cos_sdk::RetryConfig;
use cos_sdk_tests::mock_client::client_over;

#[tokio::test]
async fn collections_grow_one_item_at_a_time() {
    let deleted = "<DeleteResult><Deleted><Key>a</Key></Deleted><Deleted><Key>b</Key></Deleted></DeleteResult>";
    let mock = MockTransport::new().answer(200, &[], "").answer(200, &[], "").answer(200, &[], deleted);
    let client = client_over(mock.clone(), RetryConfig::disabled());
    client.put_object().bucket("b").key("k").metadata("owner", "me").metadata("team", "storage").body("x").send().await.unwrap();
    // The whole map at once replaces what the appending setter added.
    let fresh = [("only".to_string(), "this".to_string())].into_iter().collect();
    client.put_object().bucket("b").key("k").metadata("gone", "1").set_metadata(Some(fresh)).body("x").send().await.unwrap();
    let delete = Delete::builder()
        .objects(ObjectIdentifier::builder().key("a").build().unwrap())
        .objects(ObjectIdentifier::builder().key("b").build().unwrap())
        .quiet(false)
        .build()
        .unwrap();
    let out = client.delete_objects().bucket("b").delete(delete).send().await.unwrap();
    assert_eq!(out.deleted().len(), 2);

    let sent = mock.requests();
    assert_eq!((&sent[0].headers["x-amz-meta-owner"], &sent[0].headers["x-amz-meta-team"]), (&"me".parse().unwrap(), &"storage".parse().unwrap()));
    assert!(sent[1].headers.get("x-amz-meta-gone").is_none() && sent[1].headers["x-amz-meta-only"] == "this");
    let body = std::str::from_utf8(&sent[2].body).unwrap();
    assert!(body.contains("<Object><Key>a</Key></Object><Object><Key>b</Key></Object>"), "{body}");
}

#[test]
fn a_builder_with_nothing_to_check_returns_its_value() {
    // No `?` and no `unwrap`: every member of these is optional.
    let transition: Transition = Transition::builder().days(30).storage_class(TransitionStorageClass::Glacier).build();
    let filter: LifecycleRuleFilter = LifecycleRuleFilter::builder().prefix("logs/").build();
    assert_eq!((transition.days(), filter.prefix()), (Some(30), Some("logs/")));
    // A required member still makes `build` a `Result` that names what is missing.
    let err = ObjectIdentifier::builder().build().unwrap_err();
    assert!(err.to_string().contains("Key"), "{err}");
}
