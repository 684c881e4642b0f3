//! Subcommands built on `ardoise-cert` and `ardoise-upload`: `keygen`, `verify`, `report`,
//! `upload`. Each module has a clap `Args` struct and a `run` returning the exit code.
//!
//! Exit codes: 0 success; 1 a certificate is invalid, rejected or not sent; errors (bad
//! arguments, unreadable files) come back as `Err` for `main` to print (exit 2 suggested).

pub mod config;
pub mod fat_volume;
pub mod keygen;
pub mod provision;
pub mod report;
pub mod upload;
pub mod verify;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ardoise_cert::note::NoteVerifier;
use ardoise_cert::trust::TrustFile;

/// Environment variable naming the default trust file.
pub const TRUST_ENV: &str = "ARDOISE_TRUST";
/// Environment variable naming the default data directory.
pub const DATA_DIR_ENV: &str = "ARDOISE_DATA_DIR";

/// Expands the command-line paths: a directory stands for its `*.dsse.json` files (or those
/// of its `certificates/` subdirectory, for a data directory), sorted by name.
pub(crate) fn certificate_files(args: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in args {
        if p.is_dir() {
            let dir = if p.join("certificates").is_dir() {
                p.join("certificates")
            } else {
                p.clone()
            };
            let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.to_string_lossy().ends_with(".dsse.json"))
                .collect();
            found.sort();
            if found.is_empty() {
                bail!(
                    "{}: no *.dsse.json certificate in this directory",
                    dir.display()
                );
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    if out.is_empty() {
        bail!("no certificate file given");
    }
    Ok(out)
}

/// The trust file from `--keys`, else from `$ARDOISE_TRUST`.
pub(crate) fn load_trust(keys: Option<&Path>) -> anyhow::Result<Option<TrustFile>> {
    let path = match keys {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os(TRUST_ENV) {
            Some(p) => PathBuf::from(p),
            None => return Ok(None),
        },
    };
    let tf = TrustFile::load(&path).with_context(|| format!("trust file {}", path.display()))?;
    Ok(Some(tf))
}

/// Reads a registry verifier key (C2SP vkey `<name>+<hex id>+<base64 key>`) from a file:
/// the first line that is neither empty nor a `#` comment.
pub(crate) fn load_registry_key(path: Option<&Path>) -> anyhow::Result<Option<NoteVerifier>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("registry key {}", path.display()))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .with_context(|| format!("{}: no key line", path.display()))?;
    let key = NoteVerifier::from_vkey(line)
        .with_context(|| format!("registry key {}", path.display()))?;
    Ok(Some(key))
}
