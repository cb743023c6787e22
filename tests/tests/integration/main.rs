//! One test binary for all integration tests (one link instead of one per file).

mod runtime_sigv4;
mod runtime_iam;
mod runtime_retry;
mod runtime_credentials;
mod runtime_tls;
mod ibm_fixture_selftest;
mod e2e_s3s;
mod runtime_redaction;
mod e2e_ibm;
mod e2e_radosgw;
mod e2e_moto;
mod runtime_stall;
mod transfer_proxy;
mod transfer_roundtrip;
mod transfer_faults;
mod transfer_servers;
mod generated_api;
mod checksums;
mod trust_faults;
mod fault_suite;
mod network_proxy;
mod network_transport;
mod api_streams;
mod api_boto3;
mod api_builders;
mod examples;
