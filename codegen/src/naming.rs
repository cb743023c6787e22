//! The one place where model names become Rust names: keyword escaping, names the generator reserves,
//! a reviewed table of acronyms that word splitting gets wrong, and enum variant names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words of model names whose casing heck cannot infer, each with how it should split.
/// Reviewed by hand: add an entry only with a test below.
const ACRONYMS: &[(&str, &str)] = &[
    ("IBMSSEKP", "IbmSseKp"),
    ("IBMSSE", "IbmSse"),
    ("SSEKMS", "SseKms"),
    ("SSEKP", "SseKp"),
    ("SSEC", "SseC"),
    ("SSES3", "SseS3"),
    ("IBM", "Ibm"),
    ("CORS", "Cors"),
    ("MD5", "Md5"),
    ("CRC32C", "Crc32c"),
    ("CRC32", "Crc32"),
    ("CRC64NVME", "Crc64Nvme"),
    ("SHA256", "Sha256"),
    ("SHA1", "Sha1"),
    ("ACL", "Acl"),
    ("ATS", "Ats"),
    ("KMS", "Kms"),
    ("MFA", "Mfa"),
    ("URI", "Uri"),
    ("URL", "Url"),
    ("CRK", "Crk"),
    ("CRN", "Crn"),
    ("ID", "Id"),
];

/// Splits known acronyms so that heck's word boundaries fall where a reader expects them.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let bytes = name.as_bytes();
    let mut i = 0;
    'outer: while i < name.len() {
        for (acronym, replacement) in ACRONYMS {
            if name[i..].starts_with(acronym) {
                let end = i + acronym.len();
                // Only whole words: the acronym must be followed by an upper-case letter, a digit
                // that the acronym does not itself end with, a separator or the end.
                let next = bytes.get(end).copied();
                let boundary = match next {
                    None => true,
                    Some(c) => c.is_ascii_uppercase() || !c.is_ascii_alphanumeric() || (c.is_ascii_digit() && !acronym.ends_with(|ch: char| ch.is_ascii_digit())),
                };
                if boundary {
                    out.push_str(replacement);
                    i = end;
                    continue 'outer;
                }
            }
        }
        let ch = name[i..].chars().next().expect("index is on a char boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Rust keywords (strict and reserved, all editions).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers; they take a `_` suffix instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

/// Method names the generated code uses itself: `builder` and `build` on types and builders, `new`,
/// `send`, `as_input`, `customize`, `presigned` and `into_paginator` on fluent builders, `wait`,
/// `delay` and `max_attempts` on waiters. A member with one of these names takes a `_value` suffix.
const RESERVED_METHODS: &[&str] = &[
    "send", "builder", "build", "default", "new", "into_paginator", "as_input", "customize", "presigned", "wait", "delay",
    "max_attempts",
];

/// Makes any word a valid identifier: keywords become raw identifiers or take a `_` suffix, a leading
/// digit takes a `_` prefix, and characters that cannot appear in identifiers become `_`.
pub fn sanitize(word: &str) -> String {
    let mut ident: String = word.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if ident.is_empty() {
        ident.push('_');
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if NOT_RAW.contains(&ident.as_str()) {
        ident.push('_');
    } else if KEYWORDS.contains(&ident.as_str()) {
        ident.insert_str(0, "r#");
    }
    ident
}

/// The snake_case field and method name of a member (`IBMSSEKPEnabled` -> `ibm_sse_kp_enabled`).
/// Names the generator reserves for itself take a `_value` suffix.
pub fn member_name(model_name: &str) -> String {
    let snake = normalize(model_name).to_snake_case();
    if RESERVED_METHODS.contains(&snake.as_str()) {
        return format!("{snake}_value");
    }
    sanitize(&snake)
}

/// Names generated code uses unqualified: the standard prelude's (`Option`, `Result`, `Clone`, ...) and
/// the modules it imports (`rt`, `types`, `protocol`). A shape with one of these names would shadow
/// it, so its type takes a `Shape` suffix.
const PRELUDE_NAMES: &[&str] = &[
    "AsRef", "Box", "Clone", "Default", "Eq", "Err", "From", "Into", "None", "Ok", "Option", "Ord", "PartialEq",
    "PartialOrd", "Result", "Some", "String", "ToString", "Vec", "protocol", "rt", "types",
];

/// The UpperCamelCase type name of a shape. Model shape names are already in that case; only
/// characters that cannot appear in a type name are replaced, and prelude names take a `Shape` suffix.
pub fn type_name(model_name: &str) -> String {
    let camel = if model_name.contains(|c: char| !c.is_ascii_alphanumeric()) {
        model_name.to_upper_camel_case()
    } else {
        model_name.to_string()
    };
    if PRELUDE_NAMES.contains(&camel.as_str()) {
        return format!("{camel}Shape");
    }
    sanitize(&camel)
}

/// The snake_case module and client-method name of an operation (`ListObjectsV2` -> `list_objects_v2`).
pub fn operation_name(model_name: &str) -> String {
    sanitize(&normalize(model_name).to_snake_case())
}

/// The variant name of an enum value (`public-read` -> `PublicRead`,
/// `us-south-onerate_active` -> `UsSouthOnerateActive`, `s3:ObjectCreated:*` -> `S3ObjectCreatedAll`).
pub fn variant_name(value: &str) -> String {
    let spelled = value.replace('*', "_All_");
    let mut camel = normalize(&spelled).to_upper_camel_case();
    if camel.is_empty() {
        camel = "Empty".to_string();
    }
    if camel == "Unknown" {
        // `Unknown` is the variant for values the model does not list.
        camel = "UnknownValue".to_string();
    }
    sanitize(&camel)
}

/// The builder type of a shape's type (`PutObjectRequestBuilder`).
pub fn builder_type(type_name: &str) -> String {
    format!("{type_name}Builder")
}

/// The error type of an operation (`PutObjectError`), in its operation module.
pub fn error_type(operation: &str) -> String {
    format!("{}Error", type_name(operation))
}

/// The fluent builder type of an operation (`PutObjectFluentBuilder`), in its operation module.
pub fn fluent_builder_type(operation: &str) -> String {
    format!("{}FluentBuilder", type_name(operation))
}

/// The paginator type of an operation (`ListObjectsV2Paginator`).
pub fn paginator_type(operation: &str) -> String {
    format!("{}Paginator", type_name(operation))
}

/// The three plain functions a paginator hands the runtime, from the operation's module name: fetch a
/// page, read the next tokens, put tokens into an input.
pub fn paginator_fns(module: &str) -> [String; 3] {
    let module = module.trim_start_matches("r#");
    [format!("fetch_{module}"), format!("next_tokens_{module}"), format!("with_tokens_{module}")]
}

/// The waiter type of a waiter (`BucketExistsWaiter`) and the client method that starts it
/// (`wait_until_bucket_exists`).
pub fn waiter_names(waiter: &str) -> (String, String) {
    (format!("{}Waiter", type_name(waiter)), format!("wait_until_{}", operation_name(waiter)))
}

/// The setter of a member that takes an `Option` (`set_key`).
pub fn option_setter(field: &str) -> String {
    format!("set_{}", field.trim_start_matches("r#"))
}

/// The XML writer, reader and error-response reader functions of a structure shape
/// (`ser_tagging`, `de_tagging`, `de_no_such_key_response`).
pub fn wire_fns(shape: &str) -> [String; 3] {
    let snake = operation_name(shape);
    let snake = snake.trim_start_matches("r#");
    [format!("ser_{snake}"), format!("de_{snake}"), format!("de_{snake}_response")]
}

/// The local variable that holds a member's value while a structure is read: `f_` + the field name,
/// so that members named like the reader's own variables (`parts`, `body`, `node`) cannot shadow them.
pub fn reader_local(field: &str) -> String {
    format!("f_{}", field.trim_start_matches("r#"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members() {
        assert_eq!(member_name("IBMSSEKPEnabled"), "ibm_sse_kp_enabled");
        assert_eq!(member_name("IBMSSEKPCustomerRootKeyCrn"), "ibm_sse_kp_customer_root_key_crn");
        assert_eq!(member_name("IBMServiceInstanceId"), "ibm_service_instance_id");
        assert_eq!(member_name("ETag"), "e_tag");
        assert_eq!(member_name("ContentMD5"), "content_md5");
        assert_eq!(member_name("SSECustomerKeyMD5"), "sse_customer_key_md5");
        assert_eq!(member_name("SSEKMSKeyId"), "sse_kms_key_id");
        assert_eq!(member_name("ChecksumCRC32C"), "checksum_crc32c");
        assert_eq!(member_name("ChecksumCRC32"), "checksum_crc32");
        assert_eq!(member_name("ChecksumSHA256"), "checksum_sha256");
        assert_eq!(member_name("ID"), "id");
        assert_eq!(member_name("URI"), "uri");
        assert_eq!(member_name("CORSRules"), "cors_rules");
        assert_eq!(member_name("ACL"), "acl");
        assert_eq!(member_name("MFADelete"), "mfa_delete");
        assert_eq!(member_name("BucketKeyEnabled"), "bucket_key_enabled");
        assert_eq!(member_name("Days"), "days");
    }

    #[test]
    fn keywords_and_reserved() {
        assert_eq!(member_name("Type"), "r#type");
        assert_eq!(member_name("Self"), "self_");
        assert_eq!(member_name("Builder"), "builder_value");
        assert_eq!(member_name("Send"), "send_value");
        assert_eq!(member_name("New"), "new_value");
        assert_eq!(member_name("Delay"), "delay_value");
        assert_eq!(member_name("Match"), "r#match");
        assert_eq!(sanitize("crate"), "crate_");
        assert_eq!(sanitize("9lives"), "_9lives");
        assert_eq!(type_name("Type"), "r#Type".replace("r#", ""));
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("Option"), "OptionShape");
        assert_eq!(type_name("Result"), "ResultShape");
    }

    #[test]
    fn operations() {
        assert_eq!(operation_name("ListObjectsV2"), "list_objects_v2");
        assert_eq!(operation_name("GetBucketCors"), "get_bucket_cors");
        assert_eq!(operation_name("PutBucketACL"), "put_bucket_acl");
        assert_eq!(operation_name("ListBucketsExtended"), "list_buckets_extended");
    }

    #[test]
    fn variants() {
        assert_eq!(variant_name("public-read"), "PublicRead");
        assert_eq!(variant_name("us-south-onerate_active"), "UsSouthOnerateActive");
        assert_eq!(variant_name("STANDARD_IA"), "StandardIa");
        assert_eq!(variant_name("GLACIER"), "Glacier");
        assert_eq!(variant_name("s3:ObjectCreated:*"), "S3ObjectCreatedAll");
        assert_eq!(variant_name("s3:ObjectCreated:Put"), "S3ObjectCreatedPut");
        assert_eq!(variant_name("CRC32C"), "Crc32c");
        assert_eq!(variant_name("aws:kms"), "AwsKms");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("Unknown"), "UnknownValue");
        assert_eq!(variant_name("Self"), "Self_");
    }
}
