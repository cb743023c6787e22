//! Bad models fail with errors that name the JSON path and what was expected.

fn generate(model: &str) -> Result<Vec<codegen::GeneratedFile>, codegen::Error> {
    generate_with_docs(model, None)
}

fn model(operations: &str, shapes: &str) -> String {
    format!(r#"{{"metadata": {{"protocol": "rest-xml"}}, "operations": {{{operations}}}, "shapes": {{{shapes}}}}}"#)
}

const OP: &str = r#""Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/{Id}"}, "input": {"shape": "In"}}"#;

fn error_of(text: &str) -> String {
    generate(text).expect_err("the model should be rejected").to_string()
}

#[test]
fn unknown_key_names_its_path() {
    let e = error_of(&model(OP, r#""In": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id", "color": "red"}}}, "S": {"type": "string"}"#));
    assert!(e.contains("shapes.In.members.Id"), "{e}");
    assert!(e.contains("unknown field `color`"), "{e}");
}

#[test]
fn dangling_reference_names_its_path() {
    let e = error_of(&model(OP, r#""In": {"type": "structure", "members": {"Id": {"shape": "Missing", "location": "uri", "locationName": "Id"}}}"#));
    assert!(e.contains("shapes.In.members.Id"), "{e}");
    assert!(e.contains("`Missing`"), "{e}");
}

#[test]
fn other_protocols_are_not_supported() {
    let e = error_of(r#"{"metadata": {"protocol": "json"}, "operations": {}, "shapes": {}}"#);
    assert!(e.contains("metadata.protocol") && e.contains("not supported"), "{e}");
}

#[test]
fn label_without_member_is_an_error() {
    let e = error_of(&model(OP, r#""In": {"type": "structure", "members": {}}"#));
    assert!(e.contains("operations.Op.http.requestUri") && e.contains("{Id}"), "{e}");
}

#[test]
fn enum_values_that_collide_after_casing_fail() {
    let e = error_of(&model(
        OP,
        r#""In": {"type": "structure", "members": {"Id": {"shape": "E", "location": "uri", "locationName": "Id"}}}, "E": {"type": "string", "enum": ["public-read", "PUBLIC_READ"]}"#,
    ));
    assert!(e.contains("`public-read` and `PUBLIC_READ` both become `PublicRead`"), "{e}");
}

#[test]
fn members_that_collide_after_casing_fail() {
    let e = error_of(&model(
        OP,
        r#""In": {"type": "structure", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}, "Self": {"shape": "S"}, "self": {"shape": "S"}}}, "S": {"type": "string"}"#,
    ));
    assert!(e.contains("both become `self_`"), "{e}");
}

#[test]
fn shapes_that_collide_after_casing_fail() {
    let e = error_of(&model(
        OP,
        r#""In": {"type": "structure", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}, "X": {"shape": "a-b"}, "Y": {"shape": "AB"}}}, "S": {"type": "string"}, "a-b": {"type": "structure", "members": {}}, "AB": {"type": "structure", "members": {}}"#,
    ));
    assert!(e.contains("both become `AB`"), "{e}");
}

/// An operation's input, output and errors are structures; anything else is refused with its path
/// (before handles were typed, an error that named a string or an enum shape stopped the generator
/// with a panic).
#[test]
fn operation_inputs_outputs_and_errors_must_be_structures() {
    let shapes = r#""In": {"type": "structure", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}}}, "S": {"type": "string"}, "E": {"type": "string", "enum": ["a"]}"#;
    let op = |extra: &str| format!(r#""Op": {{"name": "Op", "http": {{"method": "GET", "requestUri": "/{{Id}}"}}, "input": {{"shape": "In"}}{extra}}}"#);
    for (extra, path) in [
        (r#", "errors": [{"shape": "S"}]"#, "operations.Op.errors[0]"),
        (r#", "errors": [{"shape": "E"}]"#, "operations.Op.errors[0]"),
        (r#", "output": {"shape": "E"}"#, "operations.Op.output"),
    ] {
        let e = error_of(&model(&op(extra), shapes));
        assert!(e.contains(path) && e.contains("must be a structure"), "{extra}: {e}");
    }
    let e = error_of(&model(r#""Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/"}, "input": {"shape": "S"}}"#, shapes));
    assert!(e.contains("operations.Op.input") && e.contains("must be a structure"), "{e}");
}

/// A member whose type cannot travel where the model puts it is refused with its path, before any
/// code is written (the emitters rely on it).
#[test]
fn members_that_cannot_travel_where_they_are_put_fail() {
    let label = r#""Id": {"shape": "S", "location": "uri", "locationName": "Id"}"#;
    let cases = [
        (r#""H": {"shape": "T", "location": "header", "locationName": "x-h"}"#, "a header holds a scalar or a list of scalars; its type is a structure"),
        (r#""H": {"shape": "M", "location": "querystring", "locationName": "q"}"#, "query string map holds scalars or lists of scalars; its type is a map"),
        (r#""H": {"shape": "M", "location": "headers", "locationName": "x-m-"}"#, "a `headers` member must be a map of strings; its type is a map"),
        (r#""H": {"shape": "S", "location": "statusCode"}"#, "a `statusCode` member must be an integer; its type is a scalar"),
        (r#""H": {"shape": "T", "xmlAttribute": true}"#, "an XML attribute holds one scalar value; its type is a structure"),
    ];
    for (member, expected) in cases {
        let shapes = format!(
            r#""In": {{"type": "structure", "members": {{{label}, {member}}}}}, "S": {{"type": "string"}}, "T": {{"type": "structure", "members": {{}}}},
               "M": {{"type": "map", "key": {{"shape": "S"}}, "value": {{"shape": "T"}}}}"#
        );
        let e = error_of(&model(OP, &shapes));
        assert!(e.contains("shapes.In.members.H") && e.contains(expected), "{member}: {e}");
    }
    let payload = r#""In": {"type": "structure", "payload": "Body", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}, "Body": {"shape": "N"}}}, "S": {"type": "string"}, "N": {"type": "integer"}"#;
    let e = error_of(&model(OP, payload));
    assert!(e.contains("shapes.In.members.Body") && e.contains("a payload member is a blob, a stream, a string or a structure"), "{e}");
}

#[test]
fn host_prefix_labels_name_scalar_members() {
    let op = r#""Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/"}, "input": {"shape": "In"}, "endpoint": {"hostPrefix": "{Account}."}}"#;
    let e = error_of(&model(op, r#""In": {"type": "structure", "members": {"Other": {"shape": "S"}}}, "S": {"type": "string"}"#));
    assert!(e.contains("operations.Op.endpoint.hostPrefix") && e.contains("`{Account}` names no scalar member of `In`"), "{e}");
}

#[test]
fn paginator_tokens_are_checked_against_the_output() {
    let text = model(
        r#""Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/"}, "input": {"shape": "In"}, "output": {"shape": "Out"}}"#,
        r#""In": {"type": "structure", "members": {"Marker": {"shape": "S", "location": "querystring", "locationName": "marker"}}},
           "Out": {"type": "structure", "members": {"Items": {"shape": "S"}, "Next": {"shape": "S"}}}, "S": {"type": "string"}"#,
    );
    let run = |paginators: &str| {
        codegen::generate(&codegen::Input {
            service: &text,
            paginators: Some(paginators),
            waiters: None,
            source_label: "test.json",
            runtime_crate: "crate",
            module_root: "crate",
            wrapper_client: false,
            docs: &[],
        })
        .expect_err("the paginator should be rejected")
        .to_string()
    };
    let e = run(r#"{"pagination": {"Op": {"input_token": "Marker", "output_token": "Items[-1].Key", "result_key": "Items"}}}"#);
    assert!(e.contains("pagination.Op") && e.contains("`Items` is not a list"), "{e}");
    let e = run(r#"{"pagination": {"Op": {"input_token": "Marker", "output_token": "Next", "result_key": "Items"}}}"#);
    assert!(e.contains("result key `Items` must be a list"), "{e}");
    let e = run(r#"{"pagination": {"Op": {"input_token": "Marker", "output_token": "Missing || Next"}}}"#);
    assert!(e.contains("`Missing` is not a member"), "{e}");
}

#[test]
fn a_body_member_without_a_named_root_is_refused_unless_the_model_names_one() {
    // `Redirect` lacks its header location: it would become `<In><Redirect>…</Redirect></In>`.
    let shapes = r#""In": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}, "Redirect": {"shape": "S", "locationName": "x-redirect"}}}, "S": {"type": "string"}"#;
    let e = error_of(&model(OP, shapes));
    assert!(e.contains("operations.Op.input") && e.contains("Redirect") && e.contains("<In>"), "{e}");
    // An input whose root element the model names is a real XML body.
    let named = OP.replace(r#""input": {"shape": "In"}"#, r#""input": {"shape": "In", "locationName": "OpRequest"}"#);
    assert!(generate(&model(&named, shapes)).is_ok());
}

#[test]
fn made_names_that_collide_fail() {
    // `Foo`'s error-response reader and `FooResponse`'s reader would both be `de_foo_response`.
    let shapes = r#""In": {"type": "structure", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}}},
        "S": {"type": "string"}, "Foo": {"type": "structure", "members": {}}, "FooResponse": {"type": "structure", "members": {}}"#;
    let e = error_of(&model(OP, shapes));
    assert!(e.contains("de_foo_response"), "{e}");
    // An operation's error type and an output shape of the same name would share its module.
    let op = r#""Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/{Id}"}, "input": {"shape": "In"}, "output": {"shape": "OpError"}}"#;
    let shapes = r#""In": {"type": "structure", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}}},
        "S": {"type": "string"}, "OpError": {"type": "structure", "members": {}}"#;
    let e = error_of(&model(op, shapes));
    assert!(e.contains("OpError") && e.contains("operations.Op"), "{e}");
    // A member `SetId` has the setter `set_id`, which is also `Id`'s `Option` setter.
    let shapes = r#""In": {"type": "structure", "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}, "SetId": {"shape": "S", "location": "header", "locationName": "x-set-id"}}},
        "S": {"type": "string"}"#;
    let e = error_of(&model(OP, shapes));
    assert!(e.contains("set_id") && e.contains("shapes.In (builder)"), "{e}");
}

#[test]
fn customizations_must_name_what_the_model_has() {
    // The table gives GetBucketLocation a root-text member and ListObjectsV2 URL-decoded members; a
    // model without them fails, naming the table's entry, rather than generating without them.
    let op = |name: &str| {
        format!(r#""{name}": {{"name": "{name}", "http": {{"method": "GET", "requestUri": "/{{Bucket}}"}}, "input": {{"shape": "In"}}, "output": {{"shape": "Out"}}}}"#)
    };
    let shapes = |out: &str| {
        format!(r#""In": {{"type": "structure", "members": {{"Bucket": {{"shape": "S", "location": "uri", "locationName": "Bucket"}},
            "EncodingType": {{"shape": "S", "location": "querystring", "locationName": "encoding-type"}}}}}}, "S": {{"type": "string"}},
            "Out": {{"type": "structure", "members": {{{out}}}}}"#)
    };
    let e = error_of(&model(&op("GetBucketLocation"), &shapes(r#""Region": {"shape": "S"}"#)));
    assert!(e.contains("customize.rs: GetBucketLocation.root_text_member") && e.contains("LocationConstraint"), "{e}");
    let e = error_of(&model(&op("ListObjectsV2"), &shapes(r#""EncodingType": {"shape": "S"}, "Prefix": {"shape": "S"}"#)));
    assert!(e.contains("customize.rs: ListObjectsV2.url_decode") && e.contains("Delimiter"), "{e}");
    let e = error_of(&model(&op("ListObjectsV2"), &shapes(r#""Prefix": {"shape": "S"}"#)));
    assert!(e.contains("url_decode") && e.contains("EncodingType"), "{e}");
}

fn generate_with_docs(model: &str, docs: Option<&str>) -> Result<Vec<codegen::GeneratedFile>, codegen::Error> {
    let docs: Vec<(String, String)> = docs.map(|text| ("test.txt".to_string(), text.to_string())).into_iter().collect();
    codegen::generate(&codegen::Input {
        service: model,
        paginators: None,
        waiters: None,
        source_label: "test.json",
        runtime_crate: "crate",
        module_root: "crate",
        wrapper_client: false,
        docs: &docs,
    })
}

#[test]
fn the_documentation_table_reaches_rustdoc_and_names_only_what_exists() {
    let good = model(OP, r#""In": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "S", "location": "uri", "locationName": "Id"}}}, "S": {"type": "string"}"#);
    let files = generate_with_docs(&good, Some("# ours\nIn.Id:\n  The widget's number,\n  in decimal.\nOp():\n  Fetches one widget.\n")).unwrap();
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    assert!(all.contains("The widget's number, in decimal."), "member text is merged");
    assert!(all.contains("Fetches one widget."), "operation text is merged");

    for (table, said) in [
        ("In.Nope:\n  text\n", "line 1: `In.Nope` names no member"),
        ("Missing():\n  text\n", "`Missing()` names no operation"),
        ("paginator/Op:\n  text\n", "`paginator/Op` names no paginator"),
        ("waiter/OpDone:\n  text\n", "`waiter/OpDone` names no waiter"),
        ("Widgets:\n  text\n", "is not `Shape.Member`, `Operation()`, `paginator/Operation` or `waiter/Name`"),
        ("In.Id:\n", "an entry without text"),
        ("In.Id:\n  one\nOp() In.Id:\n  two\n", "line 3: `In.Id` already has words at docs table test.txt, line 1"),
        ("In.Id\n  text\n", "a line is a comment"),
        ("  text first\n", "text before any targets"),
    ] {
        let e = generate_with_docs(&good, Some(table)).expect_err(table).to_string();
        assert!(e.contains("docs table") && e.contains(said), "{table:?}: {e}");
    }
}

#[test]
fn only_scalars_share_an_element() {
    let op = r#""Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/"}, "output": {"shape": "Out"}}"#;
    let shared = |second: &str| {
        model(op, &format!(r#""Out": {{"type": "structure", "members": {{"Event": {{"shape": "S"}}, "Events": {{"shape": "{second}", "locationName": "Event"}}}}}},
            "S": {{"type": "string"}}, "L": {{"type": "list", "member": {{"shape": "S"}}, "flattened": true}}, "T": {{"type": "structure", "members": {{}}}}"#))
    };
    // A member beside its flattened-list replacement reads the element's text once, for both.
    let files = generate(&shared("L")).expect("scalars may share an element");
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    assert!(all.contains("let text = r.text(&child)?;"), "the shared element is read once");
    let e = error_of(&shared("T"));
    assert!(e.contains("shapes.Out.members") && e.contains("both read element `Event`"), "{e}");
}
