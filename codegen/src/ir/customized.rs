//! Resolves what the customization table (`customize.rs`) names by text against the model: the
//! bucket label virtual-hosted addressing moves into the host, the answer members an operation
//! URL-decodes, and a document whose root element is an output member. A name that matches nothing,
//! or a member of the wrong kind, fails generation here, so emitters only ever see resolved members.

use super::{Location, Member, Operation, PathPart, Scalar, Service, Type};
use crate::customize;
use crate::Error;

/// The members an operation URL-decodes when its answer says `EncodingType` is `url`.
#[derive(Debug, Clone)]
pub struct UrlDecoding {
    /// The input member that asks for `url`; the request sends `url` unless the caller set it.
    pub request_member: Box<Member>,
    /// The output member that says which encoding the answer used.
    pub answer_member: Box<Member>,
    pub fields: Vec<UrlDecoded>,
}

/// One output member (or member of a list's items) that holds URL-encoded text.
#[derive(Debug, Clone)]
pub enum UrlDecoded {
    /// A text member of the output.
    Text(Box<Member>),
    /// A text member (`item`) of the structures in list member `list`.
    ItemText { list: Box<Member>, item: Box<Member> },
}

/// Resolves every operation's customizations; see the module's documentation.
pub(super) fn resolve(service: &mut Service) -> Result<(), Error> {
    let mut resolved = Vec::new();
    for op in &service.operations {
        let url_decode = url_decoding(service, op)?;
        let root_text = root_text_member(service, op)?;
        resolved.push((url_decode, root_text));
    }
    for (op, (url_decode, root_text)) in service.operations.iter_mut().zip(resolved) {
        op.url_decode = url_decode;
        op.root_text_member = root_text;
        split_bucket_label(op);
    }
    Ok(())
}

/// Moves a leading `/{Bucket}` of the path into `bucket_label`.
fn split_bucket_label(op: &mut Operation) {
    let mut parts = std::mem::take(&mut op.path).into_iter();
    op.path = match (parts.next(), parts.next()) {
        (Some(PathPart::Literal(slash)), Some(PathPart::Label { label, member, scalar, greedy: false }))
            if slash == "/" && label == customize::BUCKET_LABEL =>
        {
            op.bucket_label = Some((member, scalar));
            parts.collect()
        }
        (first, second) => first.into_iter().chain(second).chain(parts).collect(),
    };
}

fn url_decoding(service: &Service, op: &Operation) -> Result<Option<UrlDecoding>, Error> {
    let paths = op.customizations.url_decode;
    if paths.is_empty() {
        return Ok(None);
    }
    let at = format!("customize.rs: {}.url_decode", op.name);
    let fail = |message: String| Error::Model { path: at.clone(), message };
    let (input, output) = (service.structure(op.input), service.structure(op.output));
    let encoding = customize::ENCODING_TYPE_MEMBER;
    let request_member = input
        .members
        .iter()
        .find(|m| m.name == encoding && matches!(m.location, Location::Query(_)))
        .ok_or_else(|| fail(format!("`{}` has no query member `{encoding}` to ask for `url`", input.name)))?;
    let answer_member = output
        .members
        .iter()
        .find(|m| m.name == encoding)
        .ok_or_else(|| fail(format!("`{}` has no member `{encoding}` to say the answer's encoding", output.name)))?;
    let text = |members: &[Member], name: &str, of: &str| {
        members
            .iter()
            .find(|m| m.name == name && m.ty == Type::Scalar(Scalar::String))
            .map(|m| Box::new(m.clone()))
            .ok_or_else(|| fail(format!("`{of}` has no text member `{name}`")))
    };
    let mut fields = Vec::new();
    for path in paths {
        fields.push(match path {
            [name] => UrlDecoded::Text(text(&output.members, name, &output.name)?),
            [list, item] => {
                let list_member = output.members.iter().find(|m| m.name == *list);
                let Some((list_member, Type::Structure(items))) = list_member.and_then(|m| match &m.ty {
                    Type::List(l) => Some((m, &l.member)),
                    _ => None,
                }) else {
                    return Err(fail(format!("`{}` has no list of structures named `{list}`", output.name)));
                };
                let items = service.structure(*items);
                let item = text(&items.members, item, &items.name)?;
                UrlDecoded::ItemText { list: Box::new(list_member.clone()), item }
            }
            _ => return Err(fail(format!("`{}` is not a member or a list member's member", path.join(".")))),
        });
    }
    Ok(Some(UrlDecoding { request_member: Box::new(request_member.clone()), answer_member: Box::new(answer_member.clone()), fields }))
}

fn root_text_member(service: &Service, op: &Operation) -> Result<Option<Box<Member>>, Error> {
    let Some(name) = op.customizations.root_text_member else { return Ok(None) };
    let output = service.structure(op.output);
    output
        .members
        .iter()
        .find(|m| m.name == name && m.location == Location::Body && matches!(m.ty, Type::Scalar(_)))
        .map(|m| Some(Box::new(m.clone())))
        .ok_or_else(|| Error::Model {
            path: format!("customize.rs: {}.root_text_member", op.name),
            message: format!("`{}` has no scalar body member `{name}`", output.name),
        })
}
