//! End-to-end tests of the `cos` binary: each runs the built program as a user would, against the
//! embedded S3 server (s3s), radosgw, or the IBM fixture, and asserts its JSON output, its exit code
//! and what it changed on the server.

mod harness;
mod ibm;
mod objects;
mod radosgw;
mod safety;
mod scripts;
mod sync;
mod terminal;
