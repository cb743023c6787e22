#!/usr/bin/env python3
"""ibm-cos-sdk (ibm_boto3) side of the transfer benchmark: the same 1 GiB upload and download as
`transfer_bench client`, with the Python SDK's default TransferConfig (8 MiB threshold and parts,
10 threads), against the same embedded server. Prints one JSON line like the Rust client.

Usage: transfer_bench.py URL ACCESS_KEY SECRET_KEY BUCKET FILE
"""
import filecmp
import json
import os
import resource
import sys
import time

import ibm_boto3
from ibm_botocore.client import Config


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    url, access_key, secret_key, bucket, path = sys.argv[1:6]
    client = ibm_boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.ClientError:
        pass
    size = os.path.getsize(path)
    start_rss = peak_rss_mib()

    started = time.monotonic()
    client.upload_file(path, bucket, "bench-object-python")
    upload_s = time.monotonic() - started
    after_upload = peak_rss_mib()

    target = path + ".python-download"
    started = time.monotonic()
    client.download_file(bucket, "bench-object-python", target)
    download_s = time.monotonic() - started
    after_download = peak_rss_mib()
    same = filecmp.cmp(path, target, shallow=False)
    os.remove(target)

    mib = size / (1024 * 1024)
    print(json.dumps({
        "client": "ibm-cos-sdk (Python) " + ibm_boto3.__version__,
        "bytes": size,
        "upload_s": round(upload_s, 2),
        "upload_mib_s": round(mib / upload_s),
        "download_s": round(download_s, 2),
        "download_mib_s": round(mib / download_s),
        "rss_start_mib": round(start_rss),
        "peak_rss_after_upload_mib": round(after_upload),
        "peak_rss_after_download_mib": round(after_download),
        "identical": same,
    }))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
