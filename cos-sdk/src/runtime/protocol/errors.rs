//! Error documents: whether a response is an error (including the 200-with-error answers) and the
//! code, message and ids it carries.

use crate::runtime::error::ServiceError;
use crate::runtime::http::body::ByteStream;
use crate::runtime::error::Error;
use crate::runtime::protocol::xml::{XmlReader, XmlStart};
use http::{HeaderMap, StatusCode};

/// Runs `read` on the `<Error>` element of an error body (the root, or inside `<ErrorResponse>` or
/// `<Errors>`), or on an element without content when there is none.
pub fn read_error_element<T>(
    body: &ByteStream,
    read: impl FnOnce(&mut XmlReader<'_>, &XmlStart<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let (mut reader, element) = find_error(body).ok().flatten().unwrap_or_else(XmlReader::nothing);
    read(&mut reader, &element)
}

fn find_error(body: &ByteStream) -> Result<Option<(XmlReader<'_>, XmlStart<'_>)>, Error> {
    let Some((mut r, root)) = XmlReader::open(body)? else { return Ok(None) };
    if root.name() == "Error" {
        return Ok(Some((r, root)));
    }
    while let Some(child) = r.next_child(&root)? {
        if child.name() == "Error" {
            return Ok(Some((r, child)));
        }
        while let Some(grandchild) = r.next_child(&child)? {
            if grandchild.name() == "Error" {
                return Ok(Some((r, grandchild)));
            }
            r.skip(&grandchild)?;
        }
    }
    Ok(None)
}

/// The children of the `<Error>` element of an error body, each as its name and text, read to the
/// element's end; `None` when there is no such element or it breaks off, so a broken document gives
/// nothing rather than part of its details.
fn error_fields(body: &ByteStream) -> Option<Vec<(String, String)>> {
    let (mut r, error) = find_error(body).ok()??;
    let mut fields = Vec::new();
    while let Some(child) = r.next_child(&error).ok()? {
        let text = r.text(&child).ok()?.into_owned();
        fields.push((child.name().to_string(), text));
    }
    Some(fields)
}

/// The `<Code>` of an error body, trimmed, when it has a non-empty one.
pub fn error_code(body: &ByteStream) -> Option<String> {
    let fields = error_fields(body)?;
    let code = fields.into_iter().find(|(name, _)| name == "Code")?.1;
    Some(code.trim().to_string()).filter(|c| !c.is_empty())
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
    // Not an error only when the whole body is a well-formed document that is not `<Error>`.
    let well_formed_result = |(mut r, root): (XmlReader<'_>, XmlStart<'_>)| -> Result<bool, Error> {
        if root.name() == "Error" {
            return Ok(false);
        }
        r.skip(&root)?;
        r.finish()?;
        Ok(true)
    };
    !matches!(XmlReader::open(body).and_then(|found| found.map(well_formed_result).transpose()), Ok(Some(true)))
}

/// The details of an error response: from its `<Error>` body when there is one, else from the
/// status (a HEAD error has no body) and the `x-amz-request-id` / `x-amz-id-2` headers.
pub fn error_details(status: StatusCode, headers: &HeaderMap, body: &ByteStream) -> ServiceError {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let fields = error_fields(body);
    let (mut code, mut message, mut request_id, mut host_id, mut extras) = (None, None, None, None, Vec::new());
    let fallback_code = if status.is_success() {
        // A 200 that should have been a result: treat it like the server error it is.
        "InternalError".to_string()
    } else {
        status.canonical_reason().unwrap_or("Unknown").replace([' ', '-'], "")
    };
    let no_document = fields.is_none();
    for (name, text) in fields.unwrap_or_default() {
        match name.as_str() {
            "Code" => code = Some(text),
            "Message" => message = Some(text),
            "RequestId" => request_id = Some(text),
            "HostId" => host_id = Some(text),
            _ => extras.push((name, text)),
        }
    }
    if no_document && status.is_success() {
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

    #[test]
    fn a_broken_error_document_gives_no_details() {
        let body = ByteStream::from("<Error><Code>NoSuchKey</Code><Message>The specified");
        let d = error_details(StatusCode::NOT_FOUND, &HeaderMap::new(), &body);
        assert_eq!((d.code(), d.message()), ("NotFound", None));
        assert_eq!(error_code(&body), None);
        let nested = ByteStream::from("<ErrorResponse><Error><Code> SlowDown </Code></Error></ErrorResponse>");
        assert_eq!(error_code(&nested).as_deref(), Some("SlowDown"));
    }
}
