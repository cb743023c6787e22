//! Error documents: whether a response is an error (including the 200-with-error answers) and the
//! code, message and ids it carries.

use crate::runtime::error::ServiceError;
use crate::runtime::http::body::ByteStream;
use crate::runtime::protocol::xml::{XmlDocument, XmlElement};
use http::{HeaderMap, StatusCode};

/// The `<Error>` element of an error body (also inside `<ErrorResponse>` or `<Errors>`).
pub fn error_element(body: &ByteStream) -> Option<XmlElement<'_>> {
    let doc = XmlDocument::parse_optional(body).ok()??;
    find_error(doc.root()).cloned()
}

fn find_error<'e, 'a>(root: &'e XmlElement<'a>) -> Option<&'e XmlElement<'a>> {
    if root.name() == "Error" {
        return Some(root);
    }
    root.children().find_map(|c| if c.name() == "Error" { Some(c) } else { c.child("Error") })
}

/// Whether a response is an error: any status from 300 up, and for operations that can answer
/// `200 OK` with an error, a 200 whose body is an `<Error>` document or is not XML at all.
pub fn is_error_response(status: StatusCode, body: &ByteStream, error_in_200: bool) -> bool {
    if status.as_u16() >= 300 {
        return true;
    }
    if !error_in_200 {
        return false;
    }
    match XmlDocument::parse_optional(body) {
        Ok(Some(doc)) => doc.root().name() == "Error",
        Ok(None) | Err(_) => true,
    }
}

/// The details of an error response: from its `<Error>` body when there is one, else from the
/// status (a HEAD error has no body) and the `x-amz-request-id` / `x-amz-id-2` headers.
pub fn error_details(status: StatusCode, headers: &HeaderMap, body: &ByteStream) -> ServiceError {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let element = error_element(body);
    let fallback_code = if status.is_success() {
        // A 200 that should have been a result: treat it like the server error it is.
        "InternalError".to_string()
    } else {
        status.canonical_reason().unwrap_or("Unknown").replace([' ', '-'], "")
    };
    let (mut code, mut message, mut request_id, mut host_id, mut extras) = (None, None, None, None, Vec::new());
    if let Some(e) = &element {
        for child in e.children() {
            let text = child.text().to_string();
            match child.name() {
                "Code" => code = Some(text),
                "Message" => message = Some(text),
                "RequestId" => request_id = Some(text),
                "HostId" => host_id = Some(text),
                other => extras.push((other.to_string(), text)),
            }
        }
    }
    if element.is_none() && status.is_success() {
        message = Some("the service answered 200 OK with a body that is not a valid result document".into());
    }
    ServiceError::new(status.as_u16(), code.filter(|c| !c.is_empty()).unwrap_or(fallback_code))
        .with_message(message)
        .with_request_id(request_id.or_else(|| header("x-amz-request-id")))
        .with_host_id(host_id.or_else(|| header("x-amz-id-2")))
        .with_extras(extras)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_from_body_and_status() {
        let body = ByteStream::from(
            "<Error><Code>NoSuchKey</Code><Message>gone</Message><Key>k</Key><RequestId>r1</RequestId></Error>",
        );
        let d = error_details(StatusCode::NOT_FOUND, &HeaderMap::new(), &body);
        assert_eq!((d.code(), d.message(), d.request_id(), d.extra("Key")), ("NoSuchKey", Some("gone"), Some("r1"), Some("k")));
        let mut h = HeaderMap::new();
        h.insert("x-amz-request-id", "r2".parse().unwrap());
        let d = error_details(StatusCode::NOT_FOUND, &h, &ByteStream::new());
        assert_eq!((d.code(), d.request_id()), ("NotFound", Some("r2")));
        assert!(is_error_response(StatusCode::OK, &ByteStream::from("<Error><Code>InternalError</Code></Error>"), true));
        assert!(is_error_response(StatusCode::OK, &ByteStream::from("<CopyObjectResult"), true));
        assert!(!is_error_response(StatusCode::OK, &ByteStream::from("<CopyObjectResult/>"), true));
    }
}
