//! The error API as a user meets it: `send()` fails with the operation's own `SendError`, whose
//! `as_operation_error` names no type and cannot name the wrong one, HEAD's body-less 404s are modeled
//! errors, the retry count reaches the message, and `?` still gives a plain `cos_sdk::Error`.
//! Answers come from a `MockTransport`, so every case is exact.

use cos_sdk::operation::get_object::GetObjectError;
use cos_sdk::operation::head_bucket::HeadBucketError;
use cos_sdk::operation::head_object::HeadObjectError;
use cos_sdk::transport::MockTransport;
use cos_sdk::{ErrorKind, RetryConfig, RetryMode};
use cos_sdk_tests::mock_client::client_over;

const NO_SUCH_KEY: &str = "<Error><Code>NoSuchKey</Code><Message>gone</Message><Key>k</Key></Error>";

#[tokio::test]
async fn modeled_errors_are_matched_without_naming_their_type() {
    let mock = MockTransport::new()
        .answer(404, &[("x-amz-request-id", "req-1")], NO_SUCH_KEY)
        .answer(404, &[], "")
        .answer(404, &[], "")
        .answer(403, &[], "<Error><Code>AccessDenied</Code></Error>")
        .answer(404, &[], NO_SUCH_KEY);
    let client = client_over(mock.clone(), RetryConfig::disabled());

    let err = client.get_object().bucket("b").key("k").send().await.unwrap_err();
    match err.as_operation_error() {
        Some(GetObjectError::NoSuchKey(_)) => {}
        other => panic!("expected NoSuchKey, got {other:?}"),
    }
    // The details stay reachable through the error itself.
    assert_eq!((err.kind(), err.code(), err.service_error().and_then(|s| s.request_id())), (ErrorKind::Service, Some("NoSuchKey"), Some("req-1")));

    // HEAD answers have no body: the status alone picks the operation's modeled error.
    let err = client.head_object().bucket("b").key("k").send().await.unwrap_err();
    assert!(err.is_not_found() && matches!(err.as_operation_error(), Some(HeadObjectError::NoSuchKey(_))), "{err}");
    let err = client.head_bucket().bucket("b").send().await.unwrap_err();
    assert!(err.is_not_found() && matches!(err.as_operation_error(), Some(HeadBucketError::NoSuchBucket(_))), "{err}");

    // A code the model does not list for the operation is its `Unhandled` variant, with the details.
    let err = client.get_object().bucket("b").key("k").send().await.unwrap_err();
    assert!(!err.is_not_found());
    match err.into_operation_error() {
        Ok(GetObjectError::Unhandled(details)) => assert_eq!((details.status(), details.code()), (403, "AccessDenied")),
        other => panic!("expected Unhandled, got {other:?}"),
    }

    // By value, the enum comes out whole.
    let err = client.get_object().bucket("b").key("k").send().await.unwrap_err();
    assert!(matches!(err.into_operation_error(), Ok(GetObjectError::NoSuchKey(_))));
}

#[tokio::test]
async fn errors_without_an_answer_have_no_operation_error() {
    let client = client_over(MockTransport::new(), RetryConfig::disabled());
    // Invalid input is caught before anything is sent.
    let err = client.get_object().bucket("b").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.as_operation_error().is_none());
    let plain = err.into_operation_error().unwrap_err();
    assert!(plain.to_string().contains("Key"), "{plain}");
}

#[tokio::test]
async fn retries_are_counted_and_question_mark_gives_a_plain_error() {
    let slow_down = "<Error><Code>SlowDown</Code></Error>";
    let mock = MockTransport::new().answer(503, &[], slow_down).answer(503, &[], slow_down).answer(503, &[], slow_down);
    let client = client_over(mock, RetryConfig::new(RetryMode::Standard).with_max_attempts(3));
    async fn get(client: &cos_sdk::Client) -> Result<(), cos_sdk::Error> {
        client.get_object().bucket("b").key("k").send().await?;
        Ok(())
    }
    let err = get(&client).await.unwrap_err();
    assert_eq!((err.attempts(), err.code()), (Some(3), Some("SlowDown")));
    assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
}
