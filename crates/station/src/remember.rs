//! What the station remembers from one machine to the next: the operator, the language and the
//! lot (`remembered.json` on the data partition), so that the next machine starts with one key;
//! and the random machine session that groups the certificates of one machine's disks.
//!
//! The operator's typed name (for one not in the workshop's list) stays on the stick, like the
//! names of `[[operators]]`; certificates only carry the pseudonymous id.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::Language;

/// File name inside the data directory.
pub const FILE: &str = "remembered.json";

/// The last machine's operator, language and lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remembered {
    /// The interface language chosen for the last machine.
    pub language: Language,
    /// Pseudonymous id (one of `[[operators]]`, or derived from the typed name).
    pub operator_id: String,
    /// The name typed for an operator not in the list; None for a listed one.
    #[serde(default)]
    pub operator_name: Option<String>,
    /// The lot of the last machine, offered again for the next one.
    #[serde(default)]
    pub lot: Option<String>,
}

/// What was remembered; None when nothing was, or when the file cannot be read (a damaged
/// file only costs the technician a few keys, so it is logged, not fatal).
pub fn load(data_dir: &Path) -> Option<Remembered> {
    let path = data_dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "remembered operator not read");
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "remembered operator ignored");
            None
        }
    }
}

/// Remembers `r` for the next machine (written beside, then renamed over the old file).
pub fn save(data_dir: &Path, r: &Remembered) -> std::io::Result<()> {
    let path = data_dir.join(FILE);
    let tmp = data_dir.join(format!("{FILE}.tmp"));
    let text = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)
}

/// A new machine session id: 32 lowercase hex digits of randomness.
pub fn new_machine_session() -> String {
    let mut b = [0u8; 16];
    if getrandom::getrandom(&mut b).is_err() {
        // No entropy source: a unique-enough id from the clock and the process (it groups
        // disks, it protects nothing).
        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let seed = format!("{now}-{}", std::process::id());
        b.copy_from_slice(&blake3::hash(seed.as_bytes()).as_bytes()[..16]);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_for_the_next_machine() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(load(d.path()), None);
        let r = Remembered {
            language: Language::En,
            operator_id: "op-19c2".into(),
            operator_name: None,
            lot: Some("LOT-7".into()),
        };
        save(d.path(), &r).unwrap();
        assert_eq!(load(d.path()), Some(r));
        std::fs::write(d.path().join(FILE), "{not json").unwrap();
        assert_eq!(load(d.path()), None, "a damaged file is not fatal");
    }

    #[test]
    fn machine_sessions_are_fresh_hex() {
        let a = new_machine_session();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(a, new_machine_session());
    }
}
