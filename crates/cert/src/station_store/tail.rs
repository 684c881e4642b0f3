//! A truncated station journal is refused, not continued.
//!
//! The store derives the next sequence number from the certificates on disk, so losing the
//! newest certificate files (a damaged FAT, an old backup restored, a file deleted by hand)
//! would silently hand their sequence numbers to new certificates: two signed certificates
//! with one seq, and a gap nobody can explain. Three traces outlive a lost certificate and
//! show that a sequence number was used: `journal/head.json` (the head after the last issue),
//! a receipt `<id>.receipt.json` beside it, and its outbox entry `outbox/<id>.json`. When
//! any of them names more than the certificates on disk hold, the store refuses to issue.

use std::fs;

use super::{DataDir, JournalHead, StoreError};

/// Checks the head derived from the certificates against the traces of earlier issues.
pub(crate) fn check_not_truncated(dir: &DataDir, head: &JournalHead) -> Result<(), StoreError> {
    let truncated = |evidence: String| StoreError::Truncated {
        dir: dir.root().to_path_buf(),
        evidence,
    };
    let head_file = dir.root().join("journal").join("head.json");
    match fs::read(&head_file) {
        Ok(bytes) => match serde_json::from_slice::<JournalHead>(&bytes) {
            Ok(recorded) if recorded.next_seq > head.next_seq => {
                let newest = match head.next_seq {
                    0 => "no certificate is on disk".to_string(),
                    n => format!("the newest certificate on disk has seq {}", n - 1),
                };
                return Err(truncated(format!(
                    "journal/head.json records seq {} as used, but {newest}",
                    recorded.next_seq - 1
                )));
            }
            Ok(recorded)
                if recorded.next_seq == head.next_seq
                    && recorded.last_cert_id.is_some()
                    && recorded.last_cert_id != head.last_cert_id =>
            {
                return Err(truncated(format!(
                    "journal/head.json names certificate {} as the last one, which is missing",
                    recorded.last_cert_id.unwrap_or_default()
                )));
            }
            Ok(_) => {}
            // Informative only: a damaged copy proves nothing either way.
            Err(e) => tracing::warn!(error = %e, "journal/head.json unreadable; ignored"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, "journal/head.json unreadable; ignored"),
    }
    let on_disk = dir.certificate_ids()?;
    let missing = |id: &str| on_disk.binary_search_by(|x| x.as_str().cmp(id)).is_err();
    for (folder, suffix, what) in [
        (
            dir.certificates_dir(),
            ".receipt.json",
            "a registry receipt",
        ),
        (dir.outbox_dir(), ".json", "an outbox entry"),
    ] {
        let entries = fs::read_dir(&folder).map_err(|e| StoreError::Io {
            path: folder.clone(),
            error: e,
        })?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(suffix) else {
                continue;
            };
            if is_id(id) && missing(id) {
                return Err(truncated(format!(
                    "{what} names certificate {id}, whose file is missing"
                )));
            }
        }
    }
    Ok(())
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use crate::keys::StationKey;
    use crate::payload::Certificate;
    use crate::station_store::{Store, StoreError};

    fn issued(
        n: usize,
    ) -> (
        tempfile::TempDir,
        Vec<crate::station_store::StoredCertificate>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let k = StationKey::from_seed(&[8; 32]);
        let mut store = Store::open(dir.path()).unwrap();
        let certs = (0..n)
            .map(|_| store.issue(Certificate::example(), &k).unwrap())
            .collect();
        (dir, certs)
    }

    fn reopen_err(dir: &std::path::Path) -> String {
        match Store::open(dir) {
            Err(e @ StoreError::Truncated { .. }) => e.to_string(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_lost_newest_certificate_is_seen_in_head_json() {
        let (dir, certs) = issued(3);
        std::fs::remove_file(&certs[2].path).unwrap();
        let e = reopen_err(dir.path());
        assert!(e.contains("head.json records seq 2"), "{e}");
        // Put back, it opens and goes on at seq 3.
        std::fs::write(&certs[2].path, &certs[2].envelope_bytes).unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.journal_head().next_seq, 3);
    }

    #[test]
    fn a_receipt_or_an_outbox_entry_shows_a_lost_certificate() {
        let (dir, certs) = issued(2);
        let dd = crate::station_store::DataDir::open(dir.path()).unwrap();
        std::fs::write(dd.receipt_path(&certs[1].cert_id), b"{}").unwrap();
        std::fs::remove_file(dd.outbox_path(&certs[1].cert_id)).unwrap();
        std::fs::remove_file(&certs[1].path).unwrap();
        std::fs::remove_file(dir.path().join("journal/head.json")).unwrap();
        let e = reopen_err(dir.path());
        assert!(e.contains("a registry receipt names certificate"), "{e}");

        let (dir, certs) = issued(2);
        std::fs::remove_file(&certs[1].path).unwrap();
        std::fs::remove_file(dir.path().join("journal/head.json")).unwrap();
        let e = reopen_err(dir.path());
        assert!(e.contains("an outbox entry names certificate"), "{e}");
        // The uploader's view of the outbox keeps that evidence.
        let dd = crate::station_store::DataDir::open(dir.path()).unwrap();
        dd.outbox().unwrap();
        assert!(dd.outbox_path(&certs[1].cert_id).exists());
    }

    #[test]
    fn a_fresh_store_and_a_damaged_head_file_are_fine() {
        let (dir, _) = issued(1);
        std::fs::write(dir.path().join("journal/head.json"), b"{garbage").unwrap();
        Store::open(dir.path()).unwrap();
    }
}
