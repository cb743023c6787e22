//! The pinned botocore release: downloading it with pip, checking its sha256 and extracting its
//! rest-xml protocol test files.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The botocore release whose protocol tests we run.
pub const BOTOCORE_VERSION: &str = "1.44.5";
/// The sha256 of `botocore-1.44.5.tar.gz` as published on PyPI.
pub const BOTOCORE_SHA256: &str = "a988f39e3a4484def0b8010f41128f71157da0515a4804fccce4739aa8f216da";
/// The rest-xml protocol test files inside the botocore archive.
const BOTOCORE_FILES: [&str; 4] = [
    "tests/unit/protocols/input/rest-xml.json",
    "tests/unit/protocols/output/rest-xml.json",
    "tests/unit/protocols/legacy/input/rest-xml.json",
    "tests/unit/protocols/legacy/output/rest-xml.json",
];

/// Downloads botocore with pip (once), checks its sha256 and extracts the rest-xml test files.
pub fn botocore_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("target/xtask/botocore").join(BOTOCORE_VERSION);
    let archive = dir.join(format!("botocore-{BOTOCORE_VERSION}.tar.gz"));
    if !archive.exists() {
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        println!("conformance: downloading botocore {BOTOCORE_VERSION} with pip");
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest"])
            .arg(&dir)
            .arg(format!("botocore=={BOTOCORE_VERSION}"))
            .status()
            .map_err(|e| format!("cannot run `python3 -m pip` ({e}); install Python 3 with pip"))?;
        if !status.success() || !archive.exists() {
            return Err(format!("pip could not download botocore=={BOTOCORE_VERSION} into {}", dir.display()));
        }
    }
    let bytes = fs::read(&archive).map_err(|e| format!("cannot read {}: {e}", archive.display()))?;
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if sha != BOTOCORE_SHA256 {
        return Err(format!(
            "{} has sha256 {sha}, not the pinned {BOTOCORE_SHA256}; delete it and run again, or review the change",
            archive.display()
        ));
    }
    let out_dir = dir.join("extracted");
    let mut paths = Vec::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let entries = tar.entries().map_err(|e| format!("the botocore archive is not a readable tar.gz: {e}"))?;
    let mut found: BTreeMap<&str, String> = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the botocore archive is damaged: {e}"))?;
        let path = entry.path().map_err(|e| format!("bad path in the archive: {e}"))?.to_string_lossy().into_owned();
        if let Some(file) = BOTOCORE_FILES.iter().find(|f| path.ends_with(*f)) {
            let mut text = String::new();
            entry.read_to_string(&mut text).map_err(|e| format!("cannot read {path}: {e}"))?;
            found.insert(file, text);
        }
    }
    for file in BOTOCORE_FILES {
        let text = found.get(file).ok_or_else(|| format!("the botocore archive lacks {file}"))?;
        let path = out_dir.join(file);
        fs::create_dir_all(path.parent().expect("a file has a folder"))
            .map_err(|e| format!("cannot create the folder of {}: {e}", path.display()))?;
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}
