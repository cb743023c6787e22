"""Manual smoke check of the radosgw test cluster started by tests/servers/radosgw.sh (not run by CI).

Needs boto3 (python3 -m pip install boto3). Usage:
    eval "$(tests/servers/radosgw.sh env)" && python3 tests/servers/check_radosgw.py [--skip-lifecycle]
Checks: bucket, put/get, versioning, object lock retention enforced on delete, a wrong secret refused with
SignatureDoesNotMatch, and a lifecycle transition to GLACIER that runs (about a minute).
"""
import datetime
import os
import sys
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(secret=None):
    return boto3.client(
        "s3",
        endpoint_url=os.environ["COS_TEST_RADOSGW_ENDPOINT"],
        aws_access_key_id=os.environ["COS_TEST_RADOSGW_ACCESS_KEY"],
        aws_secret_access_key=secret or os.environ["COS_TEST_RADOSGW_SECRET_KEY"],
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            # Pacific's radosgw predates the flexible checksum trailers newer botocore sends by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


def main():
    s3 = client()
    suffix = uuid.uuid4().hex[:8]

    # Bucket, put, get, versioning.
    b = f"check-{suffix}"
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="a/b c.txt", Body=b"hello")
    assert s3.get_object(Bucket=b, Key="a/b c.txt")["Body"].read() == b"hello"
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=b, Key="v", Body=b"1")
    s3.put_object(Bucket=b, Key="v", Body=b"2")
    versions = s3.list_object_versions(Bucket=b, Prefix="v")["Versions"]
    assert len(versions) == 2, versions
    print("ok: bucket, put/get, versioning")

    # Object lock: retention enforced.
    lb = f"check-lock-{suffix}"
    s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True)
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    r = s3.put_object(Bucket=lb, Key="locked", Body=b"x", ObjectLockMode="COMPLIANCE",
                      ObjectLockRetainUntilDate=until, ContentMD5=_md5(b"x"))
    vid = r["VersionId"]
    got = error_code(lambda: s3.delete_object(Bucket=lb, Key="locked", VersionId=vid))
    assert got == ("AccessDenied", 403), got
    s3.put_object_legal_hold(Bucket=lb, Key="locked", VersionId=vid, LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=lb, Key="locked", VersionId=vid)["LegalHold"]["Status"] == "ON"
    print("ok: object lock retention refuses delete with 403 AccessDenied; legal hold on")

    # Wrong secret.
    got = error_code(lambda: client(secret="wrong-secret").list_buckets())
    assert got == ("SignatureDoesNotMatch", 403), got
    print("ok: wrong secret -> 403 SignatureDoesNotMatch")

    if "--skip-lifecycle" in sys.argv:
        return
    # Lifecycle transition to GLACIER (Days 1 = rgw lc debug interval seconds).
    tb = f"check-lc-{suffix}"
    s3.create_bucket(Bucket=tb)
    s3.put_object(Bucket=tb, Key="cold/x", Body=b"cold")
    s3.put_bucket_lifecycle_configuration(Bucket=tb, LifecycleConfiguration={"Rules": [{
        "ID": "to-glacier", "Status": "Enabled", "Filter": {"Prefix": "cold/"},
        "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})
    start = time.time()
    while time.time() - start < 120:
        sc = s3.head_object(Bucket=tb, Key="cold/x").get("StorageClass")
        if sc == "GLACIER":
            assert s3.get_object(Bucket=tb, Key="cold/x")["Body"].read() == b"cold"
            print(f"ok: lifecycle moved the object to GLACIER after {time.time() - start:.0f} s")
            return
        time.sleep(3)
    raise SystemExit("lifecycle did not transition the object to GLACIER within 120 s")


def _md5(data):
    import base64
    import hashlib
    return base64.b64encode(hashlib.md5(data).digest()).decode()


if __name__ == "__main__":
    main()
