//! What every command runs with: the client and transfer manager built from the configuration chain
//! and the flags, the output, and the global switches.

use std::sync::Arc;

use cos_sdk::transfer::{TransferConfig, TransferHandle, TransferManager, MIB};
use cos_sdk::{Client, ConfigBuilder, EndpointType, Environment, Error};
use tokio::sync::watch;

use crate::cli::{Checksum, EndpointKind, Global};
use crate::output::Output;
use cos_sdk::types::ChecksumAlgorithm;

/// A failure that ends a command: a wrong command line (exit 2) or a failed operation (exit 1).
#[derive(Debug)]
pub enum Fail {
    Usage(String),
    Failed(String),
    /// Ctrl-C.
    Interrupted,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail::Failed(e.to_string())
    }
}

impl<E> From<cos_sdk::SendError<E>> for Fail {
    fn from(e: cos_sdk::SendError<E>) -> Fail {
        Fail::Failed(Error::from(e).to_string())
    }
}

pub type Outcome = Result<(), Fail>;

pub fn usage<T>(message: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Usage(message.into()))
}

/// Everything a command needs; cheap to clone for the tasks of a worker pool.
#[derive(Clone)]
pub struct Ctx {
    pub client: Client,
    pub manager: TransferManager,
    pub out: Arc<Output>,
    pub dry_run: bool,
    pub concurrency: usize,
    /// Becomes true on Ctrl-C: transfers stop (paused with `--resume`, else cancelled) and no new
    /// one starts.
    interrupt: watch::Receiver<bool>,
}

/// The process environment with `--profile` applied, as the SDK's configuration chain reads it. A
/// variable whose name or value is not UTF-8 is left out, as the SDK's own reading does (none of its
/// settings could be one).
pub fn environment(global: &Global) -> Environment {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k != "AWS_PROFILE" || global.profile.is_none())
        .collect();
    if let Some(profile) = &global.profile {
        vars.push(("AWS_PROFILE".to_string(), profile.clone()));
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    Environment::from_vars(vars, home.as_deref())
}

impl Ctx {
    pub fn new(global: &Global, out: Arc<Output>, interrupt: watch::Receiver<bool>) -> Result<Ctx, Fail> {
        let env = environment(global);
        // `--profile` names the credentials to use, ahead of credential variables and files: a command
        // meant for one account never runs with another's keys.
        let builder = match &global.profile {
            Some(profile) => ConfigBuilder::from_environment_with_profile(&env, profile)?,
            None => ConfigBuilder::from_environment(&env)?,
        };
        let mut builder = builder.app_name(concat!("cos-cli/", env!("CARGO_PKG_VERSION")));
        // A typed http:// URL does not allow tokens and SSE-C keys over plain http by itself: that
        // stays COS_ALLOW_HTTP=1's to say (HMAC-signed requests need no permission; they carry no secret).
        if let Some(url) = &global.endpoint {
            builder = builder.endpoint_url(url);
        }
        if let Some(location) = &global.location {
            builder = builder.location(location);
        }
        if let Some(kind) = global.endpoint_type {
            builder = builder.endpoint_type(match kind {
                EndpointKind::Public => EndpointType::Public,
                EndpointKind::Private => EndpointType::Private,
                EndpointKind::Direct => EndpointType::Direct,
            });
        }
        if let Some(id) = &global.instance_id {
            builder = builder.instance_id(id);
        }
        let client = Client::new(&builder.build()?)?;
        let concurrency = global.concurrency as usize;
        let mut transfer = TransferConfig::builder().max_concurrency(concurrency);
        let algorithm = match global.checksum_algorithm {
            Checksum::Crc32c => Some(ChecksumAlgorithm::Crc32c),
            Checksum::Crc32 => Some(ChecksumAlgorithm::Crc32),
            Checksum::Crc64nvme => Some(ChecksumAlgorithm::Crc64Nvme),
            Checksum::Sha1 => Some(ChecksumAlgorithm::Sha1),
            Checksum::Sha256 => Some(ChecksumAlgorithm::Sha256),
            Checksum::Md5 => None,
        };
        if let Some(algorithm) = algorithm {
            transfer = transfer.checksum_algorithm(algorithm);
        }
        if let Some(mib) = global.part_size {
            transfer = transfer.part_size(mib * MIB).multipart_threshold(mib * MIB);
        }
        let manager = TransferManager::with_config(client.clone(), transfer.build()?);
        Ok(Ctx { client, manager, out, dry_run: global.dry_run, concurrency, interrupt })
    }

    pub fn interrupted(&self) -> bool {
        *self.interrupt.borrow()
    }

    /// Awaits a transfer; on Ctrl-C pauses it when `resume` (its parts and state file stay for the
    /// next `--resume`), else cancels it (a multipart upload is aborted, a partial download removed).
    pub async fn finish<T: Send + 'static>(&self, mut handle: TransferHandle<T>, resume: bool) -> Result<T, Error> {
        let mut interrupt = self.interrupt.clone();
        let interrupted = async move {
            if interrupt.wait_for(|stop| *stop).await.is_err() {
                // The sender is gone: no Ctrl-C will come.
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = &mut handle => result,
            () = interrupted => {
                if resume { handle.pause() } else { handle.cancel() }
                handle.await
            }
        }
    }

    /// Calls `operation` through the SDK's JSON bridge.
    pub async fn call(&self, operation: &str, input: serde_json::Value) -> Result<serde_json::Value, Error> {
        cos_sdk::json::invoke(&self.client, operation, input).await
    }
}
