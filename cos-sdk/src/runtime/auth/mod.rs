//! Who the caller is and how requests prove it: the credentials and the chain that finds them, IBM IAM
//! bearer tokens from an API key, and SigV4 signing with HMAC keys.

pub mod credentials;
pub(crate) mod iam;
pub(crate) mod sign;
