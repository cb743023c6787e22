//! Self-tests of the protection configuration and of retention on writes: range checks, the refusal
//! to delete or overwrite, CopyObject's Retention-Directive, expiry through the fixture's clock, and
//! multipart uploads taking their retention from CompleteMultipartUpload.

use std::time::{Duration, SystemTime};

use cos_sdk_tests::ibm_fixture::{iso8601, PROTECTED_OBJECT_STATUS};

use super::{call, create_bucket, fixture, protected_bucket, protection_xml, DAY};

#[tokio::test]
async fn ibm_fixture_protection_configuration_round_trip() {
    let f = fixture().await;
    create_bucket(&f, "prot").await;
    let r = call(&f, "GET", "/prot?protection").send().await;
    assert_eq!(r.tags("Status"), ["Disabled"]);

    let xml = protection_xml(1, 30, 365, true);
    let r = call(&f, "PUT", "/prot?protection")
        .body(xml.clone())
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidRequest"),
        "Content-MD5 is required: {}",
        r.body
    );
    let r = call(&f, "PUT", "/prot?protection")
        .body(xml.clone())
        .header("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .send()
        .await;
    r.assert_error(400, "BadDigest");
    let r = call(&f, "PUT", "/prot?protection")
        .body(xml)
        .md5()
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let r = call(&f, "GET", "/prot?protection").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.tags("Status"), ["Retention"]);
    assert_eq!(r.tags("Days"), ["1", "30", "365"]);
    assert_eq!(r.tags("EnablePermanentRetention"), ["true"]);
    assert!(r
        .body
        .contains("<MinimumRetention><Days>1</Days></MinimumRetention>"));

    // Minimum above default is refused, and so is disabling permanent retention.
    let r = call(&f, "PUT", "/prot?protection")
        .body(protection_xml(10, 5, 20, true))
        .md5()
        .send()
        .await;
    r.assert_error(400, "InvalidArgument");
    let r = call(&f, "PUT", "/prot?protection")
        .body(protection_xml(1, 5, 20, false))
        .md5()
        .send()
        .await;
    r.assert_error(400, "InvalidArgument");
    let r = call(&f, "GET", "/missing?protection").send().await;
    r.assert_error(404, "NoSuchBucket");
}

#[tokio::test]
async fn ibm_fixture_enforces_retention_on_delete_and_overwrite() {
    let f = fixture().await;
    protected_bucket(&f, "ret", 1, 2, 10).await;

    // Out of the bucket's range, or both headers: refused.
    let r = call(&f, "PUT", "/ret/short")
        .header("retention-period", "60")
        .body("x")
        .send()
        .await;
    r.assert_error(400, "InvalidArgument");
    let r = call(&f, "PUT", "/ret/long")
        .header("retention-period", (11 * DAY).to_string())
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 400);
    let r = call(&f, "PUT", "/ret/both")
        .header("retention-period", DAY.to_string())
        .header(
            "retention-expiration-date",
            iso8601(SystemTime::now() + Duration::from_secs(3 * DAY)),
        )
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 400);
    let r = call(&f, "PUT", "/ret/perm")
        .header("retention-period", "-1")
        .body("x")
        .send()
        .await;
    assert_eq!(
        r.status, 400,
        "permanent retention needs EnablePermanentRetention"
    );

    // No header: the default (2 days) applies and HEAD/GET report it.
    let r = call(&f, "PUT", "/ret/dir/a%20b.txt")
        .body("hello")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/ret/dir/a%20b.txt").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("retention-period"), Some("172800"));
    assert_eq!(r.header("retention-legal-hold-count"), Some("0"));
    assert!(r
        .header("retention-expiration-date")
        .is_some_and(|d| d.ends_with('Z')));
    let r = call(&f, "GET", "/ret/dir/a%20b.txt").send().await;
    assert_eq!((r.status, r.body.as_str()), (200, "hello"));
    assert_eq!(r.header("retention-period"), Some("172800"));

    // Ranged GET and ETag preconditions.
    let etag = r.header("etag").unwrap().to_string();
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("range", "bytes=1-3")
        .send()
        .await;
    assert_eq!(
        (r.status, r.body.as_str(), r.header("content-range")),
        (206, "ell", Some("bytes 1-3/5"))
    );
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("range", "bytes=-2")
        .send()
        .await;
    assert_eq!((r.status, r.body.as_str()), (206, "lo"));
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("range", "bytes=9-")
        .send()
        .await;
    r.assert_error(416, "InvalidRange");
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("if-match", etag.clone())
        .send()
        .await;
    assert_eq!(r.status, 200);
    let r = call(&f, "GET", "/ret/dir/a%20b.txt")
        .header("if-match", "\"other\"")
        .send()
        .await;
    r.assert_error(412, "PreconditionFailed");

    // An expiration date inside the range is accepted.
    let at = SystemTime::now() + Duration::from_secs(5 * DAY);
    let r = call(&f, "PUT", "/ret/dated")
        .header("retention-expiration-date", iso8601(at))
        .body("x")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Delete and overwrite are refused while retained.
    let r = call(&f, "DELETE", "/ret/dir/a%20b.txt").send().await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (PROTECTED_OBJECT_STATUS, "AccessDenied"),
        "{}",
        r.body
    );
    let r = call(&f, "PUT", "/ret/dir/a%20b.txt")
        .body("overwrite")
        .send()
        .await;
    assert_eq!(r.status, PROTECTED_OBJECT_STATUS);
    assert_eq!(
        f.object_data("ret", "dir/a b.txt").as_deref(),
        Some(&b"hello"[..])
    );

    // CopyObject: Retention-Directive COPY keeps the source's period, REPLACE takes the headers.
    let r = call(&f, "PUT", "/ret/copy1")
        .header("x-amz-copy-source", "/ret/dir/a%20b.txt")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<CopyObjectResult"));
    let r = call(&f, "HEAD", "/ret/copy1").send().await;
    assert_eq!(r.header("retention-period"), Some("172800"));
    let r = call(&f, "PUT", "/ret/copy2")
        .header("x-amz-copy-source", "ret/dir/a%20b.txt")
        .header("retention-directive", "REPLACE")
        .header("retention-period", (3 * DAY).to_string())
        .header("retention-legal-hold-id", "case-1")
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&f, "HEAD", "/ret/copy2").send().await;
    assert_eq!(r.header("retention-period"), Some("259200"));
    assert_eq!(r.header("retention-legal-hold-count"), Some("1"));
    let r = call(&f, "PUT", "/ret/copy3")
        .header("x-amz-copy-source", "/ret/dir/a%20b.txt")
        .header("retention-period", "5")
        .send()
        .await;
    assert_eq!(r.status, 400);

    // Once the retention is over (the fixture's clock moves), delete works.
    f.advance_clock(Duration::from_secs(2 * DAY + 1));
    let r = call(&f, "DELETE", "/ret/dir/a%20b.txt").send().await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        call(&f, "HEAD", "/ret/dir/a%20b.txt").send().await.status,
        404
    );
    assert_eq!(
        call(&f, "DELETE", "/ret/dated").send().await.status,
        PROTECTED_OBJECT_STATUS
    );

    // Retention headers on an unprotected bucket are refused.
    create_bucket(&f, "plain").await;
    let r = call(&f, "PUT", "/plain/k")
        .header("retention-period", "10")
        .body("x")
        .send()
        .await;
    r.assert_error(400, "InvalidRequest");
    assert_eq!(
        call(&f, "PUT", "/plain/k").body("x").send().await.status,
        200
    );
    assert_eq!(call(&f, "DELETE", "/plain/k").send().await.status, 204);
}

#[tokio::test]
async fn ibm_fixture_multipart_retention_comes_from_complete() {
    let f = fixture().await;
    protected_bucket(&f, "mpu", 1, 1, 30).await;
    // Retention headers on Create are ignored: only Complete's count.
    let r = call(&f, "POST", "/mpu/big?uploads")
        .header("retention-period", (20 * DAY).to_string())
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let upload_id = r.tags("UploadId").remove(0);
    let mut etags = Vec::new();
    for (n, part) in [(1, "part-one "), (2, "part-two")] {
        let r = call(
            &f,
            "PUT",
            format!("/mpu/big?partNumber={n}&uploadId={upload_id}"),
        )
        .body(part)
        .send()
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        etags.push(r.header("etag").unwrap().to_string());
    }
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        etags[0], etags[1]
    );
    let r = call(&f, "POST", format!("/mpu/big?uploadId={upload_id}"))
        .body(complete.clone())
        .send()
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidRequest"),
        "Complete needs Content-MD5: {}",
        r.body
    );
    let r = call(&f, "POST", format!("/mpu/big?uploadId={upload_id}"))
        .header("retention-period", (7 * DAY).to_string())
        .body(complete)
        .md5()
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.tags("ETag")[0].ends_with("-2&quot;") || r.tags("ETag")[0].ends_with("-2\""),
        "{}",
        r.body
    );
    assert_eq!(
        f.object_data("mpu", "big").as_deref(),
        Some(&b"part-one part-two"[..])
    );
    let r = call(&f, "HEAD", "/mpu/big").send().await;
    assert_eq!(r.header("retention-period"), Some("604800"));

    // The recorded requests show where the headers went.
    let requests = f.requests();
    let complete = requests
        .iter()
        .find(|r| {
            r.method == "POST"
                && r.query.starts_with("uploadId=")
                && r.header("content-md5").is_some()
        })
        .unwrap();
    assert_eq!(complete.header("retention-period"), Some("604800"));
    assert_eq!(
        complete.query_param("uploadId").as_deref(),
        Some(upload_id.as_str())
    );
    let create = requests
        .iter()
        .find(|r| r.has_query_param("uploads"))
        .unwrap();
    assert_eq!(create.path, "/mpu/big");

    // Abort removes the upload; a second abort finds nothing.
    let r = call(&f, "POST", "/mpu/gone?uploads").send().await;
    let id = r.tags("UploadId").remove(0);
    assert_eq!(
        call(&f, "DELETE", format!("/mpu/gone?uploadId={id}"))
            .send()
            .await
            .status,
        204
    );
    let r = call(&f, "DELETE", format!("/mpu/gone?uploadId={id}"))
        .send()
        .await;
    r.assert_error(404, "NoSuchUpload");
}
