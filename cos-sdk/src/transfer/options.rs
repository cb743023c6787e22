//! The settings of one object write (content headers, metadata, storage class, tags, encryption, object
//! lock, IBM retention) and which request of a transfer each one belongs on.
//!
//! Retention (`Retention-Period`, `Retention-Expiration-Date`, `Retention-Legal-Hold-ID`) goes on
//! PutObject for single-part writes and on CompleteMultipartUpload for multipart ones, never on
//! CreateMultipartUpload: COS ignores it there.

use std::collections::HashMap;
use std::fmt;

use md5::{Digest, Md5};

use crate::runtime::protocol::datetime::DateTime;
use crate::runtime::protocol::scalars::base64_encode;
use crate::types::{ObjectCannedACL, ObjectLockLegalHoldStatus, ObjectLockMode, ServerSideEncryption, StorageClass};

/// A customer-provided encryption key (SSE-C): 32 bytes, sent with every request that reads or writes the
/// object. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerKey {
    key_base64: String,
    key_md5_base64: String,
}

impl CustomerKey {
    /// A key from its 32 raw bytes (AES-256).
    pub fn new(key: [u8; 32]) -> CustomerKey {
        CustomerKey { key_base64: base64_encode(&key), key_md5_base64: base64_encode(&Md5::digest(key)) }
    }

    pub(crate) fn algorithm(&self) -> Option<String> {
        Some("AES256".to_string())
    }
    pub(crate) fn key(&self) -> Option<String> {
        Some(self.key_base64.clone())
    }
    pub(crate) fn key_md5(&self) -> Option<String> {
        Some(self.key_md5_base64.clone())
    }
}

impl fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomerKey(** redacted **)")
    }
}

/// How the written object is described and protected. Every field is optional; set what you need.
#[derive(Clone, Debug, Default)]
pub struct ObjectSettings {
    pub(crate) content_type: Option<String>,
    pub(crate) cache_control: Option<String>,
    pub(crate) content_disposition: Option<String>,
    pub(crate) content_encoding: Option<String>,
    pub(crate) content_language: Option<String>,
    pub(crate) metadata: Option<HashMap<String, String>>,
    pub(crate) storage_class: Option<StorageClass>,
    pub(crate) acl: Option<ObjectCannedACL>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) customer_key: Option<CustomerKey>,
    pub(crate) server_side_encryption: Option<ServerSideEncryption>,
    pub(crate) kms_key_id: Option<String>,
    pub(crate) object_lock_mode: Option<ObjectLockMode>,
    pub(crate) object_lock_retain_until: Option<DateTime>,
    pub(crate) object_lock_legal_hold: Option<ObjectLockLegalHoldStatus>,
    pub(crate) retention_period: Option<i32>,
    pub(crate) retention_expiration_date: Option<DateTime>,
    pub(crate) retention_legal_hold_id: Option<String>,
}

impl ObjectSettings {
    /// No settings: the service's defaults.
    pub fn new() -> ObjectSettings {
        ObjectSettings::default()
    }
    /// Sets `Content-Type`.
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.content_type = Some(value.into());
        self
    }
    /// Sets `Cache-Control`.
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }
    /// Sets `Content-Disposition`.
    pub fn content_disposition(mut self, value: impl Into<String>) -> Self {
        self.content_disposition = Some(value.into());
        self
    }
    /// Sets `Content-Encoding`.
    pub fn content_encoding(mut self, value: impl Into<String>) -> Self {
        self.content_encoding = Some(value.into());
        self
    }
    /// Sets `Content-Language`.
    pub fn content_language(mut self, value: impl Into<String>) -> Self {
        self.content_language = Some(value.into());
        self
    }
    /// Adds one user metadata entry (`x-amz-meta-NAME`).
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.get_or_insert_with(HashMap::new).insert(name.into(), value.into());
        self
    }
    /// Sets the storage class (`STANDARD`, `GLACIER`, `ACCELERATED`, ...).
    pub fn storage_class(mut self, value: impl Into<StorageClass>) -> Self {
        self.storage_class = Some(value.into());
        self
    }
    /// Sets a canned ACL.
    pub fn acl(mut self, value: impl Into<ObjectCannedACL>) -> Self {
        self.acl = Some(value.into());
        self
    }
    /// Adds one object tag (sent URL-encoded in `x-amz-tagging`).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }
    /// Encrypts with a customer-provided key (SSE-C); the same key is needed to read the object.
    pub fn customer_key(mut self, key: CustomerKey) -> Self {
        self.customer_key = Some(key);
        self
    }
    /// Sets `x-amz-server-side-encryption`.
    pub fn server_side_encryption(mut self, value: impl Into<ServerSideEncryption>) -> Self {
        self.server_side_encryption = Some(value.into());
        self
    }
    /// Names the Key Protect or Hyper Protect root key (`x-amz-server-side-encryption-aws-kms-key-id`);
    /// without it, objects use the key of their bucket.
    pub fn kms_key_id(mut self, value: impl Into<String>) -> Self {
        self.kms_key_id = Some(value.into());
        self
    }
    /// Sets the object lock mode and retain-until date (buckets with object lock).
    pub fn object_lock(mut self, mode: impl Into<ObjectLockMode>, retain_until: impl Into<DateTime>) -> Self {
        self.object_lock_mode = Some(mode.into());
        self.object_lock_retain_until = Some(retain_until.into());
        self
    }
    /// Sets the object lock legal hold status.
    pub fn object_lock_legal_hold(mut self, value: impl Into<ObjectLockLegalHoldStatus>) -> Self {
        self.object_lock_legal_hold = Some(value.into());
        self
    }
    /// Sets the IBM retention period in seconds (`Retention-Period`; buckets with a protection configuration).
    pub fn retention_period(mut self, seconds: i32) -> Self {
        self.retention_period = Some(seconds);
        self
    }
    /// Sets the IBM retention expiration date (`Retention-Expiration-Date`).
    pub fn retention_expiration_date(mut self, value: impl Into<DateTime>) -> Self {
        self.retention_expiration_date = Some(value.into());
        self
    }
    /// Places an IBM legal hold with this id on the new object (`Retention-Legal-Hold-ID`).
    pub fn retention_legal_hold_id(mut self, value: impl Into<String>) -> Self {
        self.retention_legal_hold_id = Some(value.into());
        self
    }

    /// The tags as the `x-amz-tagging` query string.
    pub(crate) fn tagging(&self) -> Option<String> {
        if self.tags.is_empty() {
            return None;
        }
        let encode = |s: &str| percent_encoding::utf8_percent_encode(s, TAG_ENCODE).to_string();
        let pairs: Vec<String> = self.tags.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        Some(pairs.join("&"))
    }

    pub(crate) fn has_content_settings(&self) -> bool {
        self.content_type.is_some()
            || self.cache_control.is_some()
            || self.content_disposition.is_some()
            || self.content_encoding.is_some()
            || self.content_language.is_some()
            || self.metadata.is_some()
    }

    pub(crate) fn sse_c(&self) -> (Option<String>, Option<String>, Option<String>) {
        match &self.customer_key {
            Some(k) => (k.algorithm(), k.key(), k.key_md5()),
            None => (None, None, None),
        }
    }

    pub(crate) fn has_retention(&self) -> bool {
        self.retention_period.is_some() || self.retention_expiration_date.is_some() || self.retention_legal_hold_id.is_some()
    }
}

/// Everything but unreserved characters is encoded in tag keys and values.
const TAG_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Sets the fields of `settings` that a request of this kind carries, by the builders' `set_*` methods.
macro_rules! apply_settings {
    ($builder:expr, $s:expr, content) => {{
        let s = $s;
        $builder
            .set_content_type(s.content_type.clone())
            .set_cache_control(s.cache_control.clone())
            .set_content_disposition(s.content_disposition.clone())
            .set_content_encoding(s.content_encoding.clone())
            .set_content_language(s.content_language.clone())
            .set_metadata(s.metadata.clone())
    }};
    ($builder:expr, $s:expr, object) => {{
        let s = $s;
        $builder
            .set_storage_class(s.storage_class.clone())
            .set_acl(s.acl.clone())
            .set_tagging(s.tagging())
            .set_server_side_encryption(s.server_side_encryption.clone())
            .set_sse_kms_key_id(s.kms_key_id.clone())
            .set_object_lock_mode(s.object_lock_mode.clone())
            .set_object_lock_retain_until_date(s.object_lock_retain_until)
            .set_object_lock_legal_hold_status(s.object_lock_legal_hold.clone())
    }};
    ($builder:expr, $s:expr, sse_c) => {{
        let (algorithm, key, key_md5) = $s.sse_c();
        $builder.set_sse_customer_algorithm(algorithm).set_sse_customer_key(key).set_sse_customer_key_md5(key_md5)
    }};
    ($builder:expr, $s:expr, retention) => {{
        let s = $s;
        $builder
            .set_retention_period(s.retention_period)
            .set_retention_expiration_date(s.retention_expiration_date)
            .set_retention_legal_hold_id(s.retention_legal_hold_id.clone())
    }};
}
pub(crate) use apply_settings;

/// Settings of a download.
#[derive(Clone, Debug, Default)]
pub struct DownloadSettings {
    pub(crate) customer_key: Option<CustomerKey>,
    pub(crate) version_id: Option<String>,
}

impl DownloadSettings {
    /// No settings.
    pub fn new() -> DownloadSettings {
        DownloadSettings::default()
    }
    /// The SSE-C key the object was written with.
    pub fn customer_key(mut self, key: CustomerKey) -> Self {
        self.customer_key = Some(key);
        self
    }
    /// Reads this version of the object instead of the latest.
    pub fn version_id(mut self, value: impl Into<String>) -> Self {
        self.version_id = Some(value.into());
        self
    }
    pub(crate) fn sse_c(&self) -> (Option<String>, Option<String>, Option<String>) {
        match &self.customer_key {
            Some(k) => (k.algorithm(), k.key(), k.key_md5()),
            None => (None, None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_url_encoded() {
        let s = ObjectSettings::new().tag("project", "cos sdk").tag("a&b", "c=d/é");
        assert_eq!(s.tagging().unwrap(), "project=cos%20sdk&a%26b=c%3Dd%2F%C3%A9");
        assert_eq!(ObjectSettings::new().tagging(), None);
    }

    #[test]
    fn customer_key_is_redacted() {
        let key = CustomerKey::new([7; 32]);
        let settings = ObjectSettings::new().customer_key(key.clone());
        assert!(!format!("{settings:?}").contains(&key.key().unwrap()));
        assert_eq!(key.key_md5().unwrap().len(), 24);
    }
}
