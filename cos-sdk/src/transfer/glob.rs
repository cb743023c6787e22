//! A small glob matcher for the include and exclude patterns of directory transfers, matched against
//! `/`-separated relative paths: `*` (any run of characters except `/`), `**` (any run including `/`;
//! `**/` also matches nothing), `?` (one character except `/`), `[abc]`, `[a-z]` and `[!abc]`.

use crate::runtime::error::Error;

/// A compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    pattern: String,
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
    Star,
    /// `**`, and whether it was `**/` (which spans whole directories only).
    DoubleStar(bool),
    Class { negated: bool, ranges: Vec<(char, char)> },
}

impl Glob {
    /// Compiles `pattern`; fails on an unclosed `[`.
    pub fn new(pattern: &str) -> Result<Glob, Error> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    if chars.get(i + 1) == Some(&'*') {
                        i += 2;
                        // `**/` matches zero or more whole directories.
                        let slash = chars.get(i) == Some(&'/');
                        if slash {
                            i += 1;
                        }
                        tokens.push(Token::DoubleStar(slash));
                        continue;
                    }
                    tokens.push(Token::Star);
                }
                '?' => tokens.push(Token::Any),
                '[' => {
                    let mut j = i + 1;
                    let negated = matches!(chars.get(j), Some('!') | Some('^'));
                    if negated {
                        j += 1;
                    }
                    let mut ranges = Vec::new();
                    let mut first = true;
                    loop {
                        let Some(&c) = chars.get(j) else {
                            return Err(Error::invalid_input(format!(
                                "glob pattern `{pattern}` has a `[` without a closing `]`; close it or write `[[]` for a literal `[`"
                            )));
                        };
                        if c == ']' && !first {
                            break;
                        }
                        first = false;
                        if chars.get(j + 1) == Some(&'-') && chars.get(j + 2).is_some_and(|&e| e != ']') {
                            ranges.push((c, chars[j + 2]));
                            j += 3;
                        } else {
                            ranges.push((c, c));
                            j += 1;
                        }
                    }
                    tokens.push(Token::Class { negated, ranges });
                    i = j;
                }
                '\\' if i + 1 < chars.len() => {
                    i += 1;
                    tokens.push(Token::Char(chars[i]));
                }
                c => tokens.push(Token::Char(c)),
            }
            i += 1;
        }
        Ok(Glob { pattern: pattern.to_string(), tokens })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether `path` (relative, `/`-separated) matches the whole pattern.
    pub fn matches(&self, path: &str) -> bool {
        let text: Vec<char> = path.chars().collect();
        // Iterative matching with backtracking over the last star, memoized for `**` to stay linear-ish.
        matches_from(&self.tokens, &text, &mut std::collections::HashSet::new(), 0, 0)
    }
}

fn matches_from(tokens: &[Token], text: &[char], failed: &mut std::collections::HashSet<(usize, usize)>, t: usize, s: usize) -> bool {
    if failed.contains(&(t, s)) {
        return false;
    }
    let result = match tokens.get(t) {
        None => s == text.len(),
        Some(Token::Char(c)) => text.get(s) == Some(c) && matches_from(tokens, text, failed, t + 1, s + 1),
        Some(Token::Any) => text.get(s).is_some_and(|&c| c != '/') && matches_from(tokens, text, failed, t + 1, s + 1),
        Some(Token::Class { negated, ranges }) => {
            text.get(s).is_some_and(|&c| c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated)
                && matches_from(tokens, text, failed, t + 1, s + 1)
        }
        Some(Token::Star) => {
            let mut end = s;
            loop {
                if matches_from(tokens, text, failed, t + 1, end) {
                    break true;
                }
                if end >= text.len() || text[end] == '/' {
                    break false;
                }
                end += 1;
            }
        }
        Some(Token::DoubleStar(slash)) => (s..=text.len()).any(|end| {
            // `**/` may only stop where it started or just after a `/`, so it spans whole directories.
            (!slash || end == s || text[end - 1] == '/') && matches_from(tokens, text, failed, t + 1, end)
        }),
    };
    if !result {
        failed.insert((t, s));
    }
    result
}

/// Whether `path` passes the filters: it matches an include pattern (or there are none) and no exclude.
pub(crate) fn selected(path: &str, include: &[Glob], exclude: &[Glob]) -> bool {
    (include.is_empty() || include.iter().any(|g| g.matches(path))) && !exclude.iter().any(|g| g.matches(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn stars_questions_and_classes() {
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", "dir/a.txt"));
        assert!(m("**/*.txt", "a.txt"));
        assert!(m("**/*.txt", "dir/sub/a.txt"));
        assert!(m("dir/**", "dir/sub/a.txt"));
        assert!(!m("dir/**", "other/a.txt"));
        assert!(m("dir/**/x", "dir/x"));
        assert!(m("dir/**/x", "dir/a/b/x"));
        assert!(!m("dir/**/x", "dirx"));
        assert!(!m("dir/**/x", "dir/ax"));
        assert!(m("**.txt", "a/b.txt"));
        assert!(m("file?.log", "file1.log"));
        assert!(!m("file?.log", "file10.log"));
        assert!(!m("a?b", "a/b"));
        assert!(m("[abc].bin", "b.bin"));
        assert!(!m("[!abc].bin", "b.bin"));
        assert!(m("[a-z][0-9]", "q7"));
        assert!(!m("[a-z][0-9]", "Q7"));
        assert!(m("[]]", "]"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("", ""));
        assert!(m("é*", "été"));
    }

    #[test]
    fn filters_include_then_exclude() {
        let include = [Glob::new("**/*.csv").unwrap()];
        let exclude = [Glob::new("tmp/**").unwrap()];
        assert!(selected("data/a.csv", &include, &exclude));
        assert!(!selected("tmp/a.csv", &include, &exclude));
        assert!(!selected("data/a.json", &include, &exclude));
        assert!(selected("anything", &[], &[]));
    }

    #[test]
    fn unclosed_class_is_an_error_and_pathological_patterns_are_fast() {
        let e = Glob::new("[abc").unwrap_err();
        assert!(e.to_string().contains("[abc"), "{e}");
        let long = "a".repeat(60);
        assert!(!m("*a*a*a*a*a*a*a*a*a*a*b", &long));
        assert!(!m("**a**a**a**a**a**b", &long));
    }
}
