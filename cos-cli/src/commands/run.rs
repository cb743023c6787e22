//! `run`: a file (or stdin) of commands, one per line, executed `--concurrency` at a time over one
//! client, as s5cmd's `run` does. Blank lines and `#` comments are skipped; words are split as a shell
//! would split them, with '...' and "..." quoting and `\` escapes. Global flags come from the `cos run`
//! command line.

use std::io::Read;

use clap::Parser;
use futures_util::StreamExt;

use crate::cli::{Cli, Command};
use crate::commands::execute;
use crate::context::{Ctx, Fail, Outcome};

/// Splits `line` into words; `None` for an unclosed quote.
fn words(line: &str) -> Option<Vec<String>> {
    let (mut out, mut word, mut quote, mut started) = (Vec::new(), String::new(), None, false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => (quote, started) = (Some(c), true),
            (Some(q), _) if c == q => quote = None,
            (None | Some('"'), '\\') => {
                word.push(chars.next()?);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if started {
        out.push(word);
    }
    Some(out)
}

pub async fn run(ctx: &Ctx, file: Option<&str>) -> Outcome {
    let text = match file {
        None | Some("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| Fail::Failed(format!("reading stdin: {e}")))?;
            text
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| Fail::Usage(format!("cannot read {path}: {e}")))?,
    };
    // Global flags belong on the `cos run` command line: one on a line would be silently ignored
    // (a `--dry-run` there would not keep the line from changing anything).
    let defaults = Cli::try_parse_from(["cos", "ls"]).map(|cli| cli.global).ok();
    let mut commands = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = words(line)
            .ok_or_else(|| "an unclosed quote".to_string())
            .and_then(|w| Cli::try_parse_from(std::iter::once("cos".to_string()).chain(w)).map_err(|e| e.to_string()));
        match parsed {
            Ok(Cli { command: Command::Run { .. }, .. }) => {
                ctx.out.failure("run", &format!("line {}", index + 1), "`run` cannot run itself")
            }
            Ok(cli) if Some(&cli.global) != defaults.as_ref() => ctx.out.failure(
                "run",
                &format!("line {}", index + 1),
                "global flags (--dry-run, --profile, --json, ...) go on the `cos run` command line, not on a line",
            ),
            Ok(cli) => commands.push((index + 1, cli.command)),
            Err(e) => ctx.out.failure("run", &format!("line {}", index + 1), e.lines().next().unwrap_or_default()),
        }
    }
    let mut results = futures_util::stream::iter(commands)
        .map(|(line, command)| async move {
            // After Ctrl-C no further line starts.
            if ctx.interrupted() {
                return (line, Err(Fail::Failed("not started: interrupted".to_string())));
            }
            (line, execute(ctx, &command).await)
        })
        .buffer_unordered(ctx.concurrency);
    while let Some((line, result)) = results.next().await {
        if let Err(Fail::Usage(message) | Fail::Failed(message)) = result {
            ctx.out.failure("run", &format!("line {line}"), &message);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn lines_split_as_a_shell_splits_them() {
        assert_eq!(
            words("cp  a.txt 'cos://b/x y' \"q\\\"\" e\\ f").unwrap(),
            ["cp", "a.txt", "cos://b/x y", "q\"", "e f"]
        );
        assert_eq!(words("rm ''").unwrap(), ["rm", ""]);
        assert!(words("cp 'open").is_none());
    }
}
