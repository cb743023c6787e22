//! The `x-amz-copy-source` value of CopyObject and UploadPartCopy: the source bucket and key, the key
//! URL-encoded (S3 decodes it), and an optional version. Built here for the transfer manager, and from
//! boto3's two forms for the JSON bridge.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What stays unencoded in a copy source: the unreserved characters and the `/` between bucket, folders
/// and name (boto3 keeps the same set).
const KEPT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// `bucket/key[?versionId=v]`, with the key (and version) encoded.
pub(crate) fn copy_source(bucket: &str, key: &str, version_id: Option<&str>) -> String {
    let mut source = format!("{bucket}/{}", utf8_percent_encode(key, KEPT));
    if let Some(v) = version_id {
        source.push_str("?versionId=");
        source.push_str(&utf8_percent_encode(v, NON_ALPHANUMERIC).to_string());
    }
    source
}

/// A copy source given as text, `bucket/key` with an optional `?versionId=...` at the end, encoded as
/// boto3 encodes it: everything but the version suffix, so a key holding `?`, `%`, `+` or a space names
/// that very key.
#[cfg(feature = "serde")]
pub(crate) fn encode_copy_source_text(text: &str) -> String {
    let (source, version) = match text.rfind("?versionId=") {
        Some(at) if !text[at..].contains(char::is_whitespace) && text.len() > at + "?versionId=".len() => text.split_at(at),
        _ => (text, ""),
    };
    format!("{}{version}", utf8_percent_encode(source, KEPT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_encoded_but_not_its_slashes() {
        assert_eq!(copy_source("b", "dir/a b+c?.txt", None), "b/dir/a%20b%2Bc%3F.txt");
        assert_eq!(copy_source("b", "k", Some("v 1")), "b/k?versionId=v%201");
        assert_eq!(copy_source("b", "100%/é", None), "b/100%25/%C3%A9");
    }

    #[test]
    #[cfg(feature = "serde")]
    fn text_forms_keep_a_version_suffix() {
        assert_eq!(encode_copy_source_text("b/a b+c%d.txt"), "b/a%20b%2Bc%25d.txt");
        assert_eq!(encode_copy_source_text("b/what?.txt"), "b/what%3F.txt");
        assert_eq!(encode_copy_source_text("b/k 1?versionId=3HL4kqtJ"), "b/k%201?versionId=3HL4kqtJ");
        // Not a version suffix: no value, or a space in it.
        assert_eq!(encode_copy_source_text("b/k?versionId="), "b/k%3FversionId%3D");
        assert_eq!(encode_copy_source_text("b/k?versionId=a b"), "b/k%3FversionId%3Da%20b");
    }
}
