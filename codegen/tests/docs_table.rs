//! The documentation table covers what it promises: every member reachable from the most used
//! operations and from IBM's own operations, every IBM member elsewhere (`Ibm*`, `IBM*`, `Retention*`,
//! `MirrorDestination`), those operations themselves, and every paginator and waiter. A member added
//! to the model without words fails here with its `Shape.Member` name.

use codegen::ir::{self, Service, StructureId, Type};
use std::collections::BTreeSet;

/// The operations whose every member, at any depth, must have our words.
const COVERED: &[&str] = &[
    // Objects, multipart uploads, buckets.
    "PutObject", "GetObject", "HeadObject", "DeleteObject", "DeleteObjects", "CopyObject", "ListObjects",
    "ListObjectsV2", "ListObjectVersions", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
    "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "ListMultipartUploads", "CreateBucket",
    "DeleteBucket", "HeadBucket", "ListBuckets",
    // Lifecycle, tagging, versioning, CORS, restore, Object Lock.
    "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration", "DeleteBucketLifecycle",
    "PutObjectTagging", "GetObjectTagging", "DeleteObjectTagging", "PutBucketTagging", "GetBucketTagging",
    "DeleteBucketTagging", "PutBucketVersioning", "GetBucketVersioning", "PutBucketCors", "GetBucketCors",
    "DeleteBucketCors", "RestoreObject", "GetObjectLegalHold", "PutObjectLegalHold", "GetObjectRetention",
    "PutObjectRetention",
    // IBM's own: protection, legal holds, retention, extended listings, replication.
    "PutBucketProtectionConfiguration", "GetBucketProtectionConfiguration", "AddLegalHold", "ListLegalHolds",
    "DeleteLegalHold", "ExtendObjectRetention", "ListBucketsExtended", "PutBucketReplication",
    "GetBucketReplication", "DeleteBucketReplication", "ListBucketReplicationFailures",
    "PutBucketReplicationReattempt",
];

fn service() -> Service {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../models");
    let read = |path: &str| std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut service = ir::resolve(
        &read("s3/2006-03-01/service-2.json"),
        Some(&read("s3/2006-03-01/paginators-1.json")),
        Some(&read("s3/2006-03-01/waiters-2.json")),
    )
    .expect("the committed model resolves");
    let files = ir::docs::read_dir(std::path::Path::new(&format!("{root}/docs"))).expect("the table's files read");
    ir::docs::apply(&mut service, &files).expect("the committed table applies");
    service
}

/// The structure a member type leads to, through lists and maps.
fn structure_of(ty: &Type) -> Option<StructureId> {
    match ty {
        Type::Structure(id) => Some(*id),
        Type::List(list) => structure_of(&list.member),
        Type::Map(map) => structure_of(&map.value),
        _ => None,
    }
}

/// Every `Shape.Member` reachable from `shape` that has no words, walking each structure once.
fn undocumented(service: &Service, shape: StructureId, seen: &mut BTreeSet<StructureId>, out: &mut BTreeSet<String>) {
    if !seen.insert(shape) {
        return;
    }
    let structure = service.structure(shape);
    for member in &structure.members {
        if member.doc.is_none() {
            out.insert(format!("{}.{}", structure.name, member.name));
        }
        if let Some(inner) = structure_of(&member.ty) {
            undocumented(service, inner, seen, out);
        }
    }
}

#[test]
fn the_most_used_and_ibm_operations_are_documented_member_by_member() {
    let service = service();
    let (mut seen, mut missing) = (BTreeSet::new(), BTreeSet::new());
    for name in COVERED {
        let op = service.operations.iter().find(|o| o.name == *name).unwrap_or_else(|| panic!("{name} is not in the model"));
        if op.doc.is_none() {
            missing.insert(format!("{name}()"));
        }
        undocumented(&service, op.input, &mut seen, &mut missing);
        undocumented(&service, op.output, &mut seen, &mut missing);
    }
    assert!(missing.is_empty(), "models/docs/ has no words for {} targets:\n{}", missing.len(), Vec::from_iter(missing).join("\n"));
}

#[test]
fn ibm_members_are_documented_wherever_they_appear() {
    let service = service();
    let mut missing = Vec::new();
    for (_, structure) in service.structures() {
        for member in &structure.members {
            let ibm = ["Ibm", "IBM", "Retention", "MirrorDestination"].iter().any(|p| member.name.starts_with(p));
            if ibm && member.doc.is_none() {
                missing.push(format!("{}.{}", structure.name, member.name));
            }
        }
    }
    assert!(missing.is_empty(), "IBM members without words in models/docs/:\n{}", missing.join("\n"));
}

#[test]
fn every_paginator_and_waiter_is_documented() {
    let service = service();
    let paginators = service.paginators.iter().filter(|p| p.doc.is_none()).map(|p| format!("paginator/{}", service.operation_at(p.operation).name));
    let waiters = service.waiters.iter().filter(|w| w.doc.is_none()).map(|w| format!("waiter/{}", w.name));
    let missing: Vec<String> = paginators.chain(waiters).collect();
    assert!(missing.is_empty(), "without words in models/docs/: {missing:?}");
    assert!(!service.paginators.is_empty() && !service.waiters.is_empty());
}
