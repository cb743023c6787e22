//! The settings the runtime reads below the client: the [`env::Environment`] they come from and the
//! [`endpoint::Endpoint`] requests go to. `Config`, which gathers them with credentials and retries,
//! is the client's (`crate::client::config`).

pub mod endpoint;
pub(crate) mod env;
