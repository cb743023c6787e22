//! Per-operation behaviour that S3 needs beyond what its model says, in one reviewed table.

/// What the generator adds to an operation beyond its model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationCustomizations {
    /// Send `Content-MD5` even though the model does not ask for a checksum.
    pub always_content_md5: bool,
    /// A `200 OK` may carry an `<Error>` body, which counts as a retryable server error.
    pub error_in_200: bool,
    /// The service works for a long time before it answers (it sends the status only when done), so
    /// the client waits longer for the headers.
    pub long_running: bool,
    /// Send `encoding-type=url` unless the caller chose an encoding, and URL-decode these output
    /// members (paths of member names through structures and lists) in the answer.
    pub url_decode: &'static [&'static [&'static str]],
    /// The fluent builder can make a presigned URL instead of sending (`presigned(expires_in)`).
    pub presignable: bool,
    /// The output member that is the document's root element itself: S3 answers GetBucketLocation
    /// with `<LocationConstraint>us-south-standard</LocationConstraint>`, not a wrapper around it.
    pub root_text_member: Option<&'static str>,
}

/// The customizations of the S3 operation `name` (nothing for operations S3 does not have).
pub fn for_operation(name: &str) -> OperationCustomizations {
    match name {
        "CompleteMultipartUpload" => {
            OperationCustomizations { always_content_md5: true, error_in_200: true, long_running: true, ..Default::default() }
        }
        "CopyObject" | "UploadPartCopy" => {
            OperationCustomizations { error_in_200: true, long_running: true, ..Default::default() }
        }
        "GetBucketLocation" => {
            OperationCustomizations { root_text_member: Some("LocationConstraint"), ..Default::default() }
        }
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

/// The URI label that names the bucket. When it leads the path (`/{Bucket}`), virtual-hosted
/// addressing moves it into the host, so the client places it rather than the path template.
pub const BUCKET_LABEL: &str = "Bucket";

/// The member that asks for, and then reports, the encoding of keys in a listing (`url_decode`).
pub const ENCODING_TYPE_MEMBER: &str = "EncodingType";

/// IBM's header naming the service instance (a CRN) that bucket creation and listing act on: an input
/// member in this header makes the client fill it from its configuration (`OperationMeta::instance_id`).
pub const INSTANCE_ID_HEADER: &str = "ibm-service-instance-id";

/// Integer shapes of the S3 model whose values outgrow 32 bits on real servers: the model says
/// `integer`, but `Size` is an object's size in bytes (up to 10 TiB on COS), so it becomes `i64`.
pub const WIDE_INTEGER_SHAPES: &[&str] = &["Size"];

/// Members whose `location` the model leaves out although S3 carries them outside the body, as
/// (structure, member, location, wire name). Without an entry such a member would become an XML body.
pub const MEMBER_LOCATIONS: &[(&str, &str, &str, &str)] = &[
    // IBM's model gives PutObject's member a header location but not CopyObject's.
    ("CopyObjectRequest", "WebsiteRedirectLocation", "header", "x-amz-website-redirect-location"),
];

/// The location and wire name [`MEMBER_LOCATIONS`] gives `member` of `structure`, if any.
pub fn member_location(structure: &str, member: &str) -> Option<(&'static str, &'static str)> {
    MEMBER_LOCATIONS.iter().find(|(s, m, _, _)| *s == structure && *m == member).map(|(_, _, location, wire)| (*location, *wire))
}
