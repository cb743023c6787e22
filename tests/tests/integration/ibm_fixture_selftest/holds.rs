//! Self-tests of the operations on a protected object: adding, listing and removing legal holds, and
//! ExtendObjectRetention in its four forms.

use std::time::{Duration, SystemTime};

use cos_sdk_tests::ibm_fixture::{iso8601, PROTECTED_OBJECT_STATUS};

use super::{call, create_bucket, fixture, protected_bucket, Reply, DAY};

#[tokio::test]
async fn ibm_fixture_legal_holds_add_list_remove() {
    let f = fixture().await;
    protected_bucket(&f, "holds", 0, 0, 10).await;
    let r = call(&f, "PUT", "/holds/doc")
        .header("retention-legal-hold-id", "hold-a")
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "POST", "/holds/doc?legalHold&add=hold-b")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "POST", "/holds/doc?legalHold&add=hold-b")
        .send()
        .await;
    assert_eq!(r.status, 200, "adding the same hold twice is harmless");

    let r = call(&f, "GET", "/holds/doc?legalHold").send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.tags("ID"), ["hold-a", "hold-b"]);
    assert_eq!(r.tags("RetentionPeriod"), ["0"]);
    assert_eq!(r.tags("CreateTime").len(), 1);
    assert_eq!(r.tags("Date").len(), 2);
    assert_eq!(
        call(&f, "HEAD", "/holds/doc")
            .send()
            .await
            .header("retention-legal-hold-count"),
        Some("2")
    );

    // Retention 0, but the holds block deletion until both are removed.
    let r = call(&f, "DELETE", "/holds/doc").send().await;
    assert_eq!(r.status, PROTECTED_OBJECT_STATUS, "{}", r.body);
    assert_eq!(
        call(&f, "POST", "/holds/doc?legalHold&remove=hold-a")
            .send()
            .await
            .status,
        200
    );
    assert_eq!(
        call(&f, "DELETE", "/holds/doc").send().await.status,
        PROTECTED_OBJECT_STATUS
    );
    let r = call(&f, "POST", "/holds/doc?legalHold&remove=no-such-hold")
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        call(&f, "POST", "/holds/doc?legalHold&remove=hold-b")
            .send()
            .await
            .status,
        200
    );
    assert_eq!(
        call(&f, "GET", "/holds/doc?legalHold")
            .send()
            .await
            .tags("ID"),
        Vec::<String>::new()
    );
    assert_eq!(call(&f, "DELETE", "/holds/doc").send().await.status, 204);

    // Legal holds need a protected bucket and an existing object; IDs are at most 64 characters.
    create_bucket(&f, "noprot").await;
    call(&f, "PUT", "/noprot/doc").body("x").send().await;
    assert_eq!(
        call(&f, "POST", "/noprot/doc?legalHold&add=h")
            .send()
            .await
            .status,
        400
    );
    assert_eq!(
        call(&f, "POST", "/holds/missing?legalHold&add=h")
            .send()
            .await
            .code(),
        "NoSuchKey"
    );
    call(&f, "PUT", "/holds/doc2").body("x").send().await;
    let long = "h".repeat(65);
    assert_eq!(
        call(&f, "POST", format!("/holds/doc2?legalHold&add={long}"))
            .send()
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn ibm_fixture_extend_retention() {
    let f = fixture().await;
    protected_bucket(&f, "ext", 1, 1, 30).await;
    assert_eq!(
        call(&f, "PUT", "/ext/k")
            .header("retention-period", DAY.to_string())
            .body("x")
            .send()
            .await
            .status,
        200
    );
    let period = |r: &Reply| r.tags("RetentionPeriod")[0].parse::<u64>().unwrap();

    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("additional-retention-period", DAY.to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        period(&call(&f, "GET", "/ext/k?legalHold").send().await),
        2 * DAY
    );

    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", (5 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/ext/k").send().await;
    assert_eq!(r.header("retention-period"), Some("432000"));

    let at = SystemTime::now() + Duration::from_secs(10 * DAY);
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-expiration-date", iso8601(at))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = period(&call(&f, "GET", "/ext/k?legalHold").send().await);
    assert!((10 * DAY - 5..=10 * DAY).contains(&p), "period {p}");

    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("extend-retention-from-current-time", (12 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Shortening, two headers at once, none, and beyond the maximum are refused.
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", DAY.to_string())
        .send()
        .await;
    r.assert_error(400, "InvalidArgument");
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", (20 * DAY).to_string())
        .header("additional-retention-period", "10")
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        call(&f, "POST", "/ext/k?extendRetention")
            .send()
            .await
            .status,
        400
    );
    let r = call(&f, "POST", "/ext/k?extendRetention")
        .header("new-retention-period", (31 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 400);

    // Still protected after 11 days (extended to 12 from the start), free after 13.
    f.advance_clock(Duration::from_secs(11 * DAY));
    assert_eq!(
        call(&f, "DELETE", "/ext/k").send().await.status,
        PROTECTED_OBJECT_STATUS
    );
    f.advance_clock(Duration::from_secs(2 * DAY));
    assert_eq!(call(&f, "DELETE", "/ext/k").send().await.status, 204);
}
