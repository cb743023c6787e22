//! Per-operation behaviour that S3 needs beyond what its model says, in one reviewed table.

/// What the generator adds to an operation beyond its model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationCustomizations {
    /// Send `Content-MD5` even though the model does not ask for a checksum.
    pub always_content_md5: bool,
    /// A `200 OK` may carry an `<Error>` body, which counts as a retryable server error.
    pub error_in_200: bool,
    /// Send `encoding-type=url` unless the caller chose an encoding, and URL-decode these output
    /// members (paths of member names through structures and lists) in the answer.
    pub url_decode: &'static [&'static [&'static str]],
    /// The fluent builder can make a presigned URL instead of sending (`presigned(expires_in)`).
    pub presignable: bool,
}

/// The customizations of the S3 operation `name` (nothing for operations S3 does not have).
pub fn for_operation(name: &str) -> OperationCustomizations {
    match name {
        "CompleteMultipartUpload" => {
            OperationCustomizations { always_content_md5: true, error_in_200: true, ..Default::default() }
        }
        "CopyObject" | "UploadPartCopy" => OperationCustomizations { error_in_200: true, ..Default::default() },
        "GetObject" | "PutObject" | "HeadObject" | "DeleteObject" | "UploadPart" => {
            OperationCustomizations { presignable: true, ..Default::default() }
        }
        "ListObjects" => OperationCustomizations {
            url_decode: &[&["Delimiter"], &["Marker"], &["NextMarker"], &["Prefix"], &["Contents", "Key"], &["CommonPrefixes", "Prefix"]],
            ..Default::default()
        },
        "ListObjectsV2" => OperationCustomizations {
            url_decode: &[&["Delimiter"], &["Prefix"], &["StartAfter"], &["Contents", "Key"], &["CommonPrefixes", "Prefix"]],
            ..Default::default()
        },
        "ListObjectVersions" => OperationCustomizations {
            url_decode: &[
                &["KeyMarker"],
                &["NextKeyMarker"],
                &["Prefix"],
                &["Delimiter"],
                &["Versions", "Key"],
                &["DeleteMarkers", "Key"],
                &["CommonPrefixes", "Prefix"],
            ],
            ..Default::default()
        },
        _ => OperationCustomizations::default(),
    }
}
