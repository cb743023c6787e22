//! The tokens of an XML document, for the pull reader above: start and end tags (end tags checked
//! against the open elements), text and CDATA as slices of the body, and text's references resolved
//! on request. It accepts the XML that S3-compatible services send: no DOCTYPE (so no entities but
//! the five predefined ones and character references), comments and processing instructions skipped.
//! Every fault is an error with what was wrong; nothing panics and nothing is allocated but the stack
//! of open element names and resolved text.

use std::borrow::Cow;

/// One token of the document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<name attributes>`, or `<name attributes/>` when `empty`.
    Start { name: &'a [u8], attributes: &'a [u8], empty: bool },
    /// The end tag of the innermost open element (its name was checked).
    End,
    /// Character data, references unresolved.
    Text(&'a [u8]),
    /// The content of a CDATA section, as it is.
    CData(&'a [u8]),
    /// A comment, a processing instruction or the XML declaration.
    Skipped,
    /// The end of the body.
    Eof,
}

/// Splits a body into tokens.
#[derive(Debug)]
pub(super) struct Tokenizer<'a> {
    bytes: &'a [u8],
    pos: usize,
    open: Vec<&'a [u8]>,
}

impl<'a> Tokenizer<'a> {
    /// A tokenizer at the start of `bytes`, past a UTF-8 byte order mark if there is one.
    pub(super) fn new(bytes: &'a [u8]) -> Tokenizer<'a> {
        let pos = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        Tokenizer { bytes, pos, open: Vec::new() }
    }

    /// Where the next token starts, for errors.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// The next token, or what is wrong at this point of the body.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, String> {
        let rest = &self.bytes[self.pos..];
        let Some(&first) = rest.first() else { return Ok(Token::Eof) };
        if first != b'<' {
            let end = find_byte(rest, b'<').unwrap_or(rest.len());
            self.pos += end;
            return Ok(Token::Text(&rest[..end]));
        }
        match rest.get(1) {
            Some(b'/') => {
                let close = find_byte(rest, b'>').ok_or("an end tag without its `>`")?;
                let name = trim_space_end(&rest[2..close]);
                match self.open.pop() {
                    Some(open) if open == name => {}
                    Some(open) => {
                        return Err(format!(
                            "end tag `{}` where `{}` closes",
                            String::from_utf8_lossy(name),
                            String::from_utf8_lossy(open)
                        ))
                    }
                    None => return Err(format!("end tag `{}` with no element open", String::from_utf8_lossy(name))),
                }
                self.pos += close + 1;
                Ok(Token::End)
            }
            Some(b'?') => {
                if !rest.get(2).is_some_and(|&b| is_name_byte(b) && b != b'?') {
                    return Err("a processing instruction without a target".into());
                }
                let end = find(&rest[2..], b"?>").ok_or("a processing instruction without its `?>`")?;
                self.pos += 2 + end + 2;
                Ok(Token::Skipped)
            }
            Some(b'!') if rest.starts_with(b"<!--") => {
                let end = find(&rest[4..], b"-->").ok_or("a comment without its `-->`")?;
                self.pos += 4 + end + 3;
                Ok(Token::Skipped)
            }
            Some(b'!') if rest.starts_with(b"<![CDATA[") => {
                let end = find(&rest[9..], b"]]>").ok_or("a CDATA section without its `]]>`")?;
                self.pos += 9 + end + 3;
                Ok(Token::CData(&rest[9..9 + end]))
            }
            Some(b'!') => Err("a document type declaration or other markup declaration, which responses never carry".into()),
            Some(_) => {
                let close = tag_end(rest)?;
                let (inner, empty) = match rest[1..close].strip_suffix(b"/") {
                    Some(inner) => (inner, true),
                    None => (&rest[1..close], false),
                };
                let name_len = inner.iter().position(|&b| !is_name_byte(b)).unwrap_or(inner.len());
                let (name, attributes) = inner.split_at(name_len);
                if name.is_empty() {
                    return Err("a start tag without a name".into());
                }
                check_attributes(attributes)?;
                if !empty {
                    self.open.push(name);
                }
                self.pos += close + 1;
                Ok(Token::Start { name, attributes, empty })
            }
            None => Err("a `<` at the end of the body".into()),
        }
    }
}

/// The index of the `>` that ends the start tag at the beginning of `tag`, outside quoted values.
fn tag_end(tag: &[u8]) -> Result<usize, String> {
    let mut i = 1;
    while let Some(&b) = tag.get(i) {
        match b {
            b'>' => return Ok(i),
            b'"' | b'\'' => i += find_byte(&tag[i + 1..], b).ok_or("a start tag without its `>`")? + 1,
            b'<' => return Err("a `<` inside a start tag".into()),
            _ => {}
        }
        i += 1;
    }
    Err("a start tag without its `>`".into())
}

/// XML's whitespace: space, tab, carriage return and line feed (not form feed).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim_space_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| !is_space(b)).unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim_space_end(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| !is_space(b)).map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Whether `b` can be part of an element or attribute name (the delimiters around names cannot).
fn is_name_byte(b: u8) -> bool {
    !is_space(b) && !matches!(b, b'/' | b'>' | b'<' | b'"' | b'\'' | b'=')
}

/// The index of the first `byte` in `haystack`, eight bytes at a time: a byte equal to `byte` is a
/// zero byte of `word ^ pattern`, and `(x - 0x01..) & !x & 0x80..` marks the first zero byte of `x`
/// exactly (a borrow can only mark bytes after it).
fn find_byte(haystack: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(byte);
    let mut words = haystack.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else { break };
        let x = u64::from_le_bytes(bytes) ^ pattern;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(at + (zeros.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == byte).map(|i| at + i)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The attribute at the start of `rest` (`name="value"`, `name = 'value'`): its name, its raw value
/// and what follows it; `None` when it is malformed.
fn attribute_at(rest: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let name_len = rest.iter().position(|&b| !is_name_byte(b))?;
    if name_len == 0 {
        return None;
    }
    let after = trim_space_start(trim_space_start(&rest[name_len..]).strip_prefix(b"=")?);
    let quote = *after.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let len = find_byte(&after[1..], quote)?;
    let value = &after[1..1 + len];
    (!value.contains(&b'<')).then_some((&rest[..name_len], value, &after[len + 2..]))
}

/// Checks the attributes of a start tag (what follows its name): each preceded by whitespace, each
/// a name, `=` and a quoted value of UTF-8 text without `<` whose references resolve, so that reading
/// one later cannot fail.
fn check_attributes(mut rest: &[u8]) -> Result<(), String> {
    loop {
        let trimmed = trim_space_start(rest);
        if trimmed.is_empty() {
            return Ok(());
        }
        if trimmed.len() == rest.len() {
            return Err("a start tag with something other than whitespace after its name or an attribute".into());
        }
        let (_, value, after) = attribute_at(trimmed).ok_or("a malformed attribute")?;
        let value = std::str::from_utf8(value).map_err(|_| "an attribute value that is not UTF-8")?;
        unescape(value)?;
        rest = after;
    }
}

/// The attributes of a start tag (what follows its name, checked when it was read) as `(name, raw
/// value)` pairs, in order.
pub(super) fn attributes(mut rest: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    std::iter::from_fn(move || {
        let (name, value, after) = attribute_at(trim_space_start(rest))?;
        rest = after;
        Some((name, value))
    })
}

/// `raw` with its references resolved: the five predefined entities and character references
/// (`&#65;`, `&#x41;`). Anything else after `&` is an error.
pub(super) fn unescape(raw: &str) -> Result<Cow<'_, str>, String> {
    let Some(mut at) = find_byte(raw.as_bytes(), b'&') else { return Ok(Cow::Borrowed(raw)) };
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let semi = find_byte(after.as_bytes(), b';').ok_or("an `&` without its `;`")?;
        let reference = &after[..semi];
        match reference {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            _ => out.push(character(reference).ok_or_else(|| format!("`&{reference};` is not a character or a predefined entity"))?),
        }
        rest = &after[semi + 1..];
        match find_byte(rest.as_bytes(), b'&') {
            Some(next) => at = next,
            None => {
                out.push_str(rest);
                return Ok(Cow::Owned(out));
            }
        }
    }
}

/// The character of a reference `#NNN` or `#xHHH` (digits only; not NUL, not a surrogate).
fn character(reference: &str) -> Option<char> {
    let (digits, radix) = match reference.strip_prefix("#x") {
        Some(hex) => (hex, 16),
        None => (reference.strip_prefix('#')?, 10),
    };
    // Digits only: `from_str_radix` alone would take a sign. It refuses what overflows a `u32`.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || (radix == 16 && b.is_ascii_hexdigit())) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    char::from_u32(code).filter(|&c| c != '\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(body: &str) -> Result<Vec<Token<'_>>, String> {
        let mut t = Tokenizer::new(body.as_bytes());
        let mut out = Vec::new();
        loop {
            match t.next_token()? {
                Token::Eof => return Ok(out),
                token => out.push(token),
            }
        }
    }

    #[test]
    fn splits_a_document() {
        let got = tokens("<?xml version=\"1.0\"?><a x='1>2' y=\"q\"><!-- c --><b/>t&amp;<![CDATA[<c>]]></a >\n").unwrap();
        assert_eq!(
            got,
            [
                Token::Skipped,
                Token::Start { name: b"a", attributes: b" x='1>2' y=\"q\"", empty: false },
                Token::Skipped,
                Token::Start { name: b"b", attributes: b"", empty: true },
                Token::Text(b"t&amp;"),
                Token::CData(b"<c>"),
                Token::End,
                Token::Text(b"\n"),
            ]
        );
        // A UTF-8 byte order mark is not text before the root.
        assert_eq!(tokens("\u{FEFF}<a/>").unwrap(), [Token::Start { name: b"a", attributes: b"", empty: true }]);
        let attrs: Vec<_> = attributes(b" x='1>2' y = \"q/=\" z\n=\n'a\"b'").collect();
        assert_eq!(attrs, [(&b"x"[..], &b"1>2"[..]), (b"y", b"q/="), (b"z", b"a\"b")]);
        assert_eq!(
            tokens("<a\n x='1' \t/></a >").unwrap_err(),
            "end tag `a` with no element open",
            "a self-closing tag opens nothing"
        );
    }

    #[test]
    fn refuses_what_is_not_well_formed() {
        for (body, expect) in [
            ("<a></b>", "end tag `b` where `a` closes"),
            ("</a>", "no element open"),
            ("<a", "without its `>`"),
            ("<a x=\"<\">", "malformed attribute"),
            ("<a <b>", "`<` inside a start tag"),
            ("<>", "without a name"),
            ("<!-- open", "comment without"),
            ("<![CDATA[ open", "CDATA section without"),
            ("<?pi", "processing instruction without"),
            ("<?>x?>", "without a target"),
            ("<? x?>", "without a target"),
            ("<!DOCTYPE a>", "document type declaration"),
            ("<a></a", "end tag without"),
            ("<", "at the end of the body"),
            // A name ends at XML whitespace, `/` or `>`; what follows must be attributes.
            ("<R><Key/junk>v</Key></R>", "something other than whitespace"),
            ("<R><Key\x0Cjunk>v</Key></R>", "end tag `Key` where `Key\x0Cjunk` closes"),
            ("<a\"x y>z\"></a>", "something other than whitespace"),
            ("<G a=\"1\"b=\"2\"/>", "something other than whitespace"),
            ("<G bad xsi:type=\"Group\"/>", "malformed attribute"),
            ("<G a=1/>", "malformed attribute"),
            ("<G a=\"x<y\"/>", "malformed attribute"),
            ("<a / >", "malformed attribute"),
            ("<G a=\"a&ampb\"/>", "without its `;`"),
        ] {
            let err = tokens(body).unwrap_err();
            assert!(err.contains(expect), "{body}: {err}");
        }
    }

    #[test]
    fn finds_bytes_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                let mut hay: Vec<u8> = (0..len).map(|i| b'a' + (i % 20) as u8).collect();
                // Bytes that differ from `<` by one bit, or are `<` plus or minus one, must not match.
                for (i, b) in hay.iter_mut().enumerate() {
                    if i % 3 == 0 {
                        *b = [b'<' ^ 0x80, b'<' ^ 1, b'<' + 1, b'<' - 1][i % 4];
                    }
                }
                if at < len {
                    hay[at] = b'<';
                    hay[len - 1] = b'<';
                }
                let expected = hay.iter().position(|&b| b == b'<');
                assert_eq!(find_byte(&hay, b'<'), expected, "len {len}, at {at}");
            }
        }
    }

    #[test]
    fn resolves_references() {
        assert!(matches!(unescape("plain"), Ok(Cow::Borrowed("plain"))));
        assert_eq!(unescape("&lt;&gt;&amp;&quot;&apos;").unwrap(), "<>&\"'");
        assert_eq!(unescape("a&#65;&#x42;&#x1F600;z").unwrap(), "aAB\u{1F600}z");
        assert_eq!(unescape("line&#xD;&#xA;end").unwrap(), "line\r\nend");
        assert_eq!(unescape("&#x0000000041;&#0000066;").unwrap(), "AB");
        for bad in ["&", "&amp", "&nbsp;", "&#;", "&#x;", "&#0;", "&#xD800;", "&#x110000;", "&#+65;", "&#x-1;", "&#X41;", "&#1A;", "&#4294967296;", "&#123456789;"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }
}
