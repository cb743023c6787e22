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

fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 after --help or --version.
    let cli = Cli::parse();
    let out = Arc::new(Output::new(cli.global.json, cli.global.no_progress));
    let result = match &cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "cos", &mut std::io::stdout());
            Ok(())
        }
        Command::Configure(args) => commands::configure::configure(&cli.global, args, &out),
        Command::Api(args) if args.list || args.skeleton => {
            commands::api::offline(args, &out).unwrap_or_else(|| context::usage("no input template for this operation"))
        }
        _ => match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(runtime) => runtime.block_on(async {
                let ctx = Ctx::new(&cli.global, out.clone())?;
                match &cli.command {
                    Command::Run { file } => commands::run::run(&ctx, file.as_deref()).await,
                    command => commands::execute(&ctx, command).await,
                }
            }),
            Err(e) => Err(Fail::Failed(format!("cannot start the async runtime: {e}"))),
        },
    };
    out.finish();
    let code = match result {
        Err(Fail::Usage(message)) => {
            eprintln!("error: {message}");
            USAGE
        }
        Err(Fail::Failed(message)) => {
            eprintln!("error: {message}");
            FAILED
        }
        Ok(()) if out.failed() > 0 => FAILED,
        Ok(()) => OK,
    };
    ExitCode::from(code)
}
