//! The commands, and `execute`, which runs one with a context (for the command line and for `run`).

pub mod api;
pub mod configure;
pub mod copy;
pub mod ibm;
pub mod objects;
pub mod remove;
pub mod run;
pub mod sync;

use crate::cli::{Command, ReplicationCommand};
use crate::context::{usage, Ctx, Outcome};

/// Runs a command that needs the service. `configure`, `completions` and `run` are the caller's.
pub async fn execute(ctx: &Ctx, command: &Command) -> Outcome {
    match command {
        Command::Ls(args) => objects::ls(ctx, args).await,
        Command::Buckets { extended } => objects::buckets(ctx, *extended).await,
        Command::Cp(args) => copy::cp(ctx, args, false).await,
        Command::Mv(args) => copy::cp(ctx, args, true).await,
        Command::Rm(args) => remove::rm(ctx, args).await,
        Command::Cat { url, range } => objects::cat(ctx, url, range.as_deref()).await,
        Command::Pipe { url, expected_size, object } => objects::pipe(ctx, url, *expected_size, object).await,
        Command::Stat { url } => objects::stat(ctx, url).await,
        Command::Du { url, human } => objects::du(ctx, url, *human).await,
        Command::Mb(args) => objects::mb(ctx, args).await,
        Command::Rb { url } => objects::rb(ctx, url).await,
        Command::Presign { url, expires, put } => objects::presign(ctx, url, *expires, *put).await,
        Command::Sync(args) => sync::sync(ctx, args).await,
        Command::Api(args) => match api::offline(args, &ctx.out) {
            Some(done) => done,
            None => api::api(ctx, args).await,
        },
        Command::Protection(command) => ibm::protection(ctx, command).await,
        Command::Retention(command) => ibm::retention(ctx, command).await,
        Command::LegalHold(command) => ibm::legal_hold(ctx, command).await,
        Command::Lifecycle(command) => ibm::lifecycle(ctx, command).await,
        Command::Restore(args) => ibm::restore(ctx, args).await,
        Command::Replication(ReplicationCommand::Failures { url }) => ibm::replication_failures(ctx, url).await,
        Command::Run { .. } | Command::Configure(_) | Command::Completions { .. } => {
            usage("this command cannot run here")
        }
    }
}
