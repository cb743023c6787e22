//! What the generated serializers produce and the runtime needs to know about each operation.

/// Static facts about one operation that the runtime acts on. Generated, one per operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationMeta {
    /// The model's operation name (`PutObject`).
    pub name: &'static str,
    /// The response body is handed to the caller as a stream instead of being read into memory.
    pub streaming_response: bool,
    /// A `200 OK` answer may still carry an `<Error>` body (CopyObject, UploadPartCopy,
    /// CompleteMultipartUpload): such an answer, or an unparseable one, counts as a retryable 500.
    pub error_in_200: bool,
    /// The request carries `ibm-service-instance-id`; the client adds its configured instance id when
    /// the input did not set one.
    pub instance_id_header: bool,
}

impl OperationMeta {
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        streaming_response: bool,
        error_in_200: bool,
        instance_id_header: bool,
    ) -> Self {
        OperationMeta { name, streaming_response, error_in_200, instance_id_header }
    }
}
