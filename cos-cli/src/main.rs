//! `cos`: the command line for IBM Cloud Object Storage, on cos-sdk and its transfer manager.
//!
//! `cli` declares the commands, `context` builds the client from the configuration chain and the
//! flags, `location` reads URLs and expands them into objects and files, `output` prints results,
//! failures and the progress bar, and `commands/` holds one module per family of commands.

mod cli;
mod commands;
mod context;
mod location;
mod output;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};
use context::{Ctx, Fail};
use output::Output;

/// Exit codes: all succeeded, some operation failed, the command line was wrong.
const OK: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;
/// 128 + SIGINT, as shells report a command stopped by Ctrl-C.
const INTERRUPTED: u8 = 130;

/// Runs a command that needs the service. The first Ctrl-C stops transfers cleanly (paused with
/// `--resume`, else cancelled, which aborts multipart uploads) and waits for that; a second one, or a
/// Ctrl-C during any other command, ends at once.
async fn run(cli: &Cli, out: Arc<Output>) -> Result<(), Fail> {
    let (stop, interrupt) = tokio::sync::watch::channel(false);
    let ctx = Ctx::new(&cli.global, out, interrupt)?;
    let work = async {
        match &cli.command {
            Command::Run { file } => commands::run::run(&ctx, file.as_deref()).await,
            command => commands::execute(&ctx, command).await,
        }
    };
    tokio::pin!(work);
    tokio::select! {
        result = &mut work => result,
        _ = tokio::signal::ctrl_c() => {
            let _ = stop.send(true);
            if cli.command.moves_bytes() {
                output::warn("interrupted: stopping the transfers in flight (Ctrl-C again to quit at once)");
                tokio::select! {
                    _ = &mut work => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(Fail::Interrupted)
        }
    }
}

fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 after --help or --version.
    let cli = Cli::parse();
    // Only commands that move bytes draw a bar: elsewhere it would only cover prompts and output.
    let out = Arc::new(Output::new(cli.global.json, cli.global.no_progress || !cli.command.moves_bytes()));
    location::set_literal(cli.global.raw);
    let result = match &cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "cos", &mut script);
            // A closed stdout (`cos completions bash | head`) is the reader's choice, not an error.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            Ok(())
        }
        Command::Configure(args) => commands::configure::configure(&cli.global, args, &out),
        Command::Api(args) if args.list || args.skeleton => {
            commands::api::offline(args, &out).unwrap_or_else(|| context::usage("no input template for this operation"))
        }
        _ => match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(run(&cli, out.clone())),
            Err(e) => Err(Fail::Failed(format!("cannot start the async runtime: {e}"))),
        },
    };
    out.finish();
    let code = match result {
        Err(Fail::Usage(message)) => {
            output::warn(&format!("error: {message}"));
            USAGE
        }
        Err(Fail::Failed(message)) => {
            output::warn(&format!("error: {message}"));
            FAILED
        }
        Err(Fail::Interrupted) => {
            output::warn(
                "interrupted; large transfers started with --resume continue where they stopped when run again with --resume",
            );
            INTERRUPTED
        }
        Ok(()) if out.failed() > 0 => FAILED,
        Ok(()) => OK,
    };
    ExitCode::from(code)
}
