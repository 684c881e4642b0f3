//! The station's certificate store on the data partition.
//!
//! ```text
//! <data_dir>/
//!   certificates/<id>.dsse.json     envelope bytes, exactly as signed (never rewritten)
//!   certificates/<id>.receipt.json  registry receipt, once acknowledged
//!   outbox/<id>.json                certificates the registry has not acknowledged (or rejected)
//!   journal/head.json               last seq and envelope hash (informative, rebuilt on open)
//!   .lock                           held while a process issues certificates
//! ```
//!
//! Crash safety: every file is written to a temporary name, fsynced, renamed into place and
//! the directory fsynced, so a reader sees the old file or the new one, never a mix. The
//! journal head (next sequence number, hash of the last envelope) is **derived from the
//! certificates on disk** at open, never from a separately updated counter, so a crash between
//! writing a certificate and anything after it can neither fork nor lose the chain: the
//! certificate is either on disk (and is the head) or not (and its sequence number is reused
//! by the next one, which nobody has seen). Certificates lost afterwards are another matter:
//! `head.json`, receipts and outbox entries show which sequence numbers were used, and the
//! store refuses to reuse them (`tail`). A certificate counts as issued only once
//! [`Store::issue`] returns. A missing outbox entry is recreated for any certificate without
//! a receipt ([`DataDir::outbox`]), so a crash before queuing loses no upload.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::envelope::{envelope_hash, sign_certificate, Envelope, EnvelopeError};
use crate::keys::StationKey;
use crate::payload::{Certificate, JournalLink};
use crate::receipt::Receipt;

mod tail;

const CERT_SUFFIX: &str = ".dsse.json";
const RECEIPT_SUFFIX: &str = ".receipt.json";
/// Size of the probe [`check_writable`] writes: a few large certificates, receipts and a PDF.
pub const PROBE_BYTES: usize = 1024 * 1024;

/// Why the store could not read or write the data partition, or refused to issue.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data partition is full; the file being written was left unchanged.
    #[error("no space left on the data partition while writing {path}; nothing was changed (free space or use another data partition)")]
    NoSpace {
        /// File that could not be written.
        path: PathBuf,
    },
    /// The data partition is mounted read-only.
    #[error("the data partition is read-only ({path})")]
    ReadOnly {
        /// File that could not be written.
        path: PathBuf,
    },
    /// Any other I/O error.
    #[error("{path}: {error}")]
    Io {
        /// File or directory concerned.
        path: PathBuf,
        // Not a `#[source]`: the message already says it, and chained printing would repeat it.
        /// The operating system's error.
        error: std::io::Error,
    },
    /// Another process holds the issuance lock of this data directory.
    #[error("another ardoise process is issuing certificates in this data directory ({path})")]
    Locked {
        /// The lock file (`.lock`).
        path: PathBuf,
    },
    /// Two stored certificates claim the same journal sequence number.
    #[error("station journal forked: certificates {first} and {second} both have seq {seq}; resolve by hand before issuing more")]
    Fork {
        /// The sequence number both carry.
        seq: u64,
        /// Id of one of the two certificates.
        first: String,
        /// Id of the other.
        second: String,
    },
    /// Certificates are missing from the end of the journal, so the next sequence number
    /// would be reused.
    #[error("station journal in {dir} truncated: {evidence}; issuing more would reuse its sequence number. Put the missing certificate back (the registry and exports keep a copy) before issuing more")]
    Truncated {
        /// The data directory.
        dir: PathBuf,
        /// What shows that a later sequence number was used (head file, receipt, outbox).
        evidence: String,
    },
    /// A stored certificate file cannot be parsed.
    #[error("{path}: unreadable certificate ({reason}); it was not written by ardoise's store or was damaged")]
    Corrupt {
        /// The certificate file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Signing the certificate failed.
    #[error("certificate could not be signed: {0}")]
    Sign(#[from] EnvelopeError),
    /// The string given as a certificate id is not 64 lowercase hex digits.
    #[error("{0} is not a certificate id (64 lowercase hex digits)")]
    BadId(String),
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    // Linux errno values: ENOSPC 28, EDQUOT 122, EROFS 30.
    match e.raw_os_error() {
        Some(28) | Some(122) => StoreError::NoSpace {
            path: path.to_path_buf(),
        },
        Some(30) => StoreError::ReadOnly {
            path: path.to_path_buf(),
        },
        _ => StoreError::Io {
            path: path.to_path_buf(),
            error: e,
        },
    }
}

fn is_cert_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Test hook (feature `crash-points`, enabled only for this crate's own tests): when
/// `ARDOISE_CERT_CRASH_AT=<point>:<n>[:<path part>]` is set, the process aborts at the n-th
/// pass through `<point>` (counting only writes whose path contains `<path part>`), as if
/// killed at exactly that instant.
#[cfg(feature = "crash-points")]
fn crash_point(name: &str, path: &Path) {
    static HITS: AtomicU64 = AtomicU64::new(0);
    let Ok(spec) = std::env::var("ARDOISE_CERT_CRASH_AT") else {
        return;
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(point), Some(n)) = (parts.next(), parts.next()) else {
        return;
    };
    let filter = parts.next().unwrap_or("");
    if point == name
        && path.to_string_lossy().contains(filter)
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == n.parse().unwrap_or(0)
    {
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
fn crash_point(_name: &str, _path: &Path) {}

/// Makes renames inside `dir` durable (fsync of the directory, then syncfs: FAT needs both).
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let d = File::open(dir).map_err(|e| io_err(dir, e))?;
    d.sync_all().map_err(|e| io_err(dir, e))?;
    // On FAT (the live image's data partition) fsync of a directory does not commit a rename:
    // a power cut 20 s later still found only the temporary file (tests/qemu/test-faults.sh).
    // syncfs writes the whole filesystem's metadata; the data partition is small.
    nix::unistd::syncfs(std::os::fd::AsRawFd::as_raw_fd(&d))
        .map_err(|e| io_err(dir, std::io::Error::from(e)))
}

/// Writes `bytes` to `path` atomically and durably: temporary file in the same directory,
/// fsync, rename, fsync of the directory. On any error the temporary file is removed and the
/// old `path` (if any) is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| io_err(path, e))?;
        let (first, second) = bytes.split_at(bytes.len() / 2);
        f.write_all(first).map_err(|e| io_err(path, e))?;
        crash_point("mid-write", path);
        f.write_all(second).map_err(|e| io_err(path, e))?;
        f.sync_all().map_err(|e| io_err(path, e))?;
        drop(f);
        crash_point("before-rename", path);
        fs::rename(&tmp, path).map_err(|e| io_err(path, e))?;
        crash_point("after-rename", path);
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes a file and fsyncs its directory; a missing file is fine.
fn remove_durably(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(path, e)),
    }
}

/// Preflight before an erase: the data directory exists (or can be created), is writable,
/// and has room for a probe of [`PROBE_BYTES`] written and synced like a certificate. The
/// probe is removed afterwards. A front end calls this before starting an erase, so that a
/// full or read-only partition is found before a disk is wiped, not after.
pub fn check_writable(data_dir: &Path) -> Result<(), StoreError> {
    let dd = DataDir::open(data_dir)?;
    let probe = dd
        .certificates_dir()
        .join(format!(".probe.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&probe)
            .map_err(|e| io_err(&probe, e))?;
        let chunk = vec![0x5a_u8; 64 * 1024];
        let mut left = PROBE_BYTES;
        while left > 0 {
            let n = left.min(chunk.len());
            f.write_all(&chunk[..n]).map_err(|e| io_err(&probe, e))?;
            left -= n;
        }
        f.sync_all().map_err(|e| io_err(&probe, e))?;
        Ok(())
    })();
    let removed = remove_durably(&probe);
    result.and(removed)
}

/// Why the registry refused a certificate for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// When the registry refused it (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// HTTP status.
    pub status: u16,
    /// The registry's error code.
    pub error: String,
    /// The registry's explanation, in words.
    pub message: String,
    /// The offending field path, when the registry named one.
    pub field: Option<String>,
}

/// A certificate waiting for the registry (or rejected by it: rejected entries stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxEntry {
    /// Id of the certificate (64 lowercase hex digits: blake3 of its payload).
    pub cert_id: String,
    /// When it was queued (RFC 3339, UTC, whole seconds).
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// Upload attempts made so far.
    pub attempts: u32,
    /// When the last attempt was made; null before the first.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// Why the last attempt failed (network or server error); null when it did not fail.
    pub last_error: Option<String>,
    /// Set when the registry refused the certificate for good; such entries are not retried.
    pub rejected: Option<Rejection>,
}

impl OutboxEntry {
    /// A fresh entry for `cert_id`, queued now, never attempted.
    pub fn new(cert_id: &str) -> OutboxEntry {
        OutboxEntry {
            cert_id: cert_id.to_string(),
            queued_at: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .expect("0 ns"),
            attempts: 0,
            last_attempt_at: None,
            last_error: None,
            rejected: None,
        }
    }
}

/// The journal head as derived from the certificates on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHead {
    /// Sequence number the next certificate gets.
    pub next_seq: u64,
    /// Id of the last certificate, if any.
    pub last_cert_id: Option<String>,
    /// blake3 of the last envelope: the next certificate's `journal.prev_envelope_blake3`.
    pub last_envelope_blake3: Option<String>,
}

impl JournalHead {
    /// The journal link the next certificate carries.
    pub fn next_link(&self) -> JournalLink {
        JournalLink {
            seq: self.next_seq,
            prev_envelope_blake3: self.last_envelope_blake3.clone(),
        }
    }
}

/// Paths and lock-free operations on a data directory (used by the uploader, `ardoise
/// verify`/`report`, and by [`Store`]).
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

#[derive(Deserialize)]
struct JournalOnly {
    journal: JournalLink,
}

impl DataDir {
    /// Opens a data directory, creating its layout if needed.
    pub fn open(root: &Path) -> Result<DataDir, StoreError> {
        for sub in ["certificates", "outbox", "journal"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(|e| io_err(&p, e))?;
        }
        Ok(DataDir {
            root: root.to_path_buf(),
        })
    }

    /// The data directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<data_dir>/certificates`: envelopes and receipts.
    pub fn certificates_dir(&self) -> PathBuf {
        self.root.join("certificates")
    }

    /// `<data_dir>/outbox`: certificates not yet acknowledged by the registry.
    pub fn outbox_dir(&self) -> PathBuf {
        self.root.join("outbox")
    }

    /// Where the envelope of certificate `id` is stored (`certificates/<id>.dsse.json`).
    pub fn certificate_path(&self, id: &str) -> PathBuf {
        self.certificates_dir().join(format!("{id}{CERT_SUFFIX}"))
    }

    /// Where the registry receipt of certificate `id` is stored (`certificates/<id>.receipt.json`).
    pub fn receipt_path(&self, id: &str) -> PathBuf {
        self.certificates_dir()
            .join(format!("{id}{RECEIPT_SUFFIX}"))
    }

    /// Where the outbox entry of certificate `id` is stored (`outbox/<id>.json`).
    pub fn outbox_path(&self, id: &str) -> PathBuf {
        self.outbox_dir().join(format!("{id}.json"))
    }

    fn check_id(id: &str) -> Result<(), StoreError> {
        if is_cert_id(id) {
            Ok(())
        } else {
            Err(StoreError::BadId(id.to_string()))
        }
    }

    /// Ids of every stored certificate, sorted.
    pub fn certificate_ids(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.certificates_dir();
        let mut ids = Vec::new();
        for e in fs::read_dir(&dir).map_err(|e| io_err(&dir, e))? {
            let e = e.map_err(|e| io_err(&dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(CERT_SUFFIX) {
                if is_cert_id(id) {
                    ids.push(id.to_string());
                }
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// The stored envelope bytes of a certificate.
    pub fn read_envelope(&self, id: &str) -> Result<Vec<u8>, StoreError> {
        Self::check_id(id)?;
        let p = self.certificate_path(id);
        fs::read(&p).map_err(|e| io_err(&p, e))
    }

    /// The stored receipt, if any.
    pub fn read_receipt(&self, id: &str) -> Result<Option<Receipt>, StoreError> {
        Self::check_id(id)?;
        let p = self.receipt_path(id);
        match fs::read(&p) {
            Ok(b) => Receipt::parse(&b)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    path: p,
                    reason: e.to_string(),
                }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&p, e)),
        }
    }

    /// Derives the journal head from the certificates on disk. Fails on a fork (two
    /// certificates with the same seq) or an unreadable certificate, rather than guess.
    pub fn derive_journal_head(&self) -> Result<JournalHead, StoreError> {
        let mut by_seq: BTreeMap<u64, (String, String)> = BTreeMap::new();
        for id in self.certificate_ids()? {
            let path = self.certificate_path(&id);
            let bytes = fs::read(&path).map_err(|e| io_err(&path, e))?;
            let corrupt = |reason: String| StoreError::Corrupt {
                path: path.clone(),
                reason,
            };
            let env = Envelope::parse(&bytes).map_err(|e| corrupt(e.to_string()))?;
            if env.certificate_id() != id {
                return Err(corrupt("file name is not the certificate id".into()));
            }
            let j: JournalOnly =
                serde_json::from_slice(&env.payload).map_err(|e| corrupt(e.to_string()))?;
            if let Some((other, _)) = by_seq.get(&j.journal.seq) {
                return Err(StoreError::Fork {
                    seq: j.journal.seq,
                    first: other.clone(),
                    second: id,
                });
            }
            by_seq.insert(j.journal.seq, (id, envelope_hash(&bytes)));
        }
        Ok(match by_seq.iter().next_back() {
            None => JournalHead {
                next_seq: 0,
                last_cert_id: None,
                last_envelope_blake3: None,
            },
            Some((seq, (id, hash))) => JournalHead {
                next_seq: seq + 1,
                last_cert_id: Some(id.clone()),
                last_envelope_blake3: Some(hash.clone()),
            },
        })
    }

    /// Every outbox entry (pending and rejected), after repairing the outbox: a certificate
    /// with no receipt and no entry gets one; an entry whose certificate has a receipt (an
    /// upload interrupted just before the entry was removed) or has no certificate is removed.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut entries = BTreeMap::new();
        let dir = self.outbox_dir();
        for e in fs::read_dir(&dir).map_err(|e| io_err(&dir, e))? {
            let e = e.map_err(|e| io_err(&dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if !is_cert_id(id) {
                continue;
            }
            let path = e.path();
            let bytes = fs::read(&path).map_err(|e| io_err(&path, e))?;
            let entry = match serde_json::from_slice::<OutboxEntry>(&bytes) {
                Ok(entry) if entry.cert_id == id => entry,
                // A damaged entry is rebuilt: the certificate itself is what matters.
                _ => {
                    tracing::warn!(path = %path.display(), "unreadable outbox entry rebuilt");
                    let entry = OutboxEntry::new(id);
                    self.write_outbox_entry(&entry)?;
                    entry
                }
            };
            entries.insert(id.to_string(), entry);
        }
        let ids = self.certificate_ids()?;
        let mut out = Vec::new();
        for id in &ids {
            let has_receipt = self.receipt_path(id).exists();
            match (entries.remove(id), has_receipt) {
                (Some(_), true) => remove_durably(&self.outbox_path(id))?,
                (Some(entry), false) => out.push(entry),
                (None, true) => {}
                (None, false) => {
                    let entry = OutboxEntry::new(id);
                    self.write_outbox_entry(&entry)?;
                    out.push(entry);
                }
            }
        }
        for (id, _) in entries {
            // Kept: the trace of a certificate that was issued and lost (see `tail`).
            tracing::warn!(cert_id = %id, "outbox entry without its certificate");
        }
        out.sort_by(|a, b| (a.queued_at, &a.cert_id).cmp(&(b.queued_at, &b.cert_id)));
        Ok(out)
    }

    /// Writes (atomically) the outbox entry of `entry.cert_id`, replacing any previous one.
    pub fn write_outbox_entry(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        Self::check_id(&entry.cert_id)?;
        let mut bytes = serde_json::to_vec_pretty(entry).expect("outbox entry serialises");
        bytes.push(b'\n');
        write_atomic(&self.outbox_path(&entry.cert_id), &bytes)
    }

    /// Records an acknowledged upload: the receipt is written (atomically) beside the
    /// certificate first, then the outbox entry is removed.
    pub fn complete_upload(&self, id: &str, receipt: &Receipt) -> Result<(), StoreError> {
        Self::check_id(id)?;
        write_atomic(&self.receipt_path(id), &receipt.to_bytes())?;
        crash_point("after-receipt", &self.receipt_path(id));
        remove_durably(&self.outbox_path(id))
    }

    /// Removes temporary files left by a process that died mid-write (never those of a live
    /// process, which may be writing right now).
    pub fn remove_stale_temporaries(&self) -> Result<usize, StoreError> {
        let mut removed = 0;
        for dir in [
            self.certificates_dir(),
            self.outbox_dir(),
            self.root.join("journal"),
        ] {
            for e in fs::read_dir(&dir).map_err(|e| io_err(&dir, e))? {
                let e = e.map_err(|e| io_err(&dir, e))?;
                let name = e.file_name().to_string_lossy().into_owned();
                if !(name.starts_with('.') && name.ends_with(".tmp")) {
                    continue;
                }
                let pid = name
                    .trim_end_matches(".tmp")
                    .rsplit('.')
                    .nth(1)
                    .and_then(|p| p.parse::<u32>().ok());
                let alive = match pid {
                    Some(p) if p == std::process::id() => true,
                    Some(p) => Path::new(&format!("/proc/{p}")).exists(),
                    None => false,
                };
                if !alive {
                    remove_durably(&e.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// A stored certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// Its id (64 lowercase hex digits: blake3 of the payload).
    pub cert_id: String,
    /// Where its envelope was written.
    pub path: PathBuf,
    /// Its sequence number in the station journal.
    pub seq: u64,
    /// The envelope exactly as written (the signed bytes).
    pub envelope_bytes: Vec<u8>,
}

/// The issuing side of the store: holds the data directory's lock for its lifetime so that
/// only one process at a time extends the station journal.
#[derive(Debug)]
pub struct Store {
    dir: DataDir,
    head: JournalHead,
    _lock: File,
}

impl Store {
    /// Opens (creating if needed) the data directory, takes the issuance lock, removes stale
    /// temporary files, derives the journal head and repairs the outbox.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let dir = DataDir::open(data_dir)?;
        let lock_path = data_dir.join(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_err(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked { path: lock_path })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&lock_path, e)),
        }
        dir.remove_stale_temporaries()?;
        let head = dir.derive_journal_head()?;
        tail::check_not_truncated(&dir, &head)?;
        dir.outbox()?;
        let store = Store {
            dir,
            head,
            _lock: lock,
        };
        store.write_head_file();
        Ok(store)
    }

    /// The data directory the store issues into.
    pub fn data_dir(&self) -> &DataDir {
        &self.dir
    }

    /// The journal head the next certificate will extend.
    pub fn journal_head(&self) -> &JournalHead {
        &self.head
    }

    /// Signs and stores a certificate: sets `issuer.key_id` and `journal` from the key and
    /// the journal head, then `qc.selected` from its rule, signs (refusing an invalid certificate), writes the envelope
    /// atomically, then queues it in the outbox. When this returns `Ok`, the certificate is
    /// durably on disk; on `Err` nothing visible changed.
    pub fn issue(
        &mut self,
        mut cert: Certificate,
        key: &StationKey,
    ) -> Result<StoredCertificate, StoreError> {
        cert.issuer.key_id = key.key_id().to_string();
        cert.journal = self.head.next_link();
        // QC selection depends on the key id and the sequence number: decide it only now.
        cert.apply_qc_rule();
        let signed = sign_certificate(&cert, key)?;
        let path = self.dir.certificate_path(&signed.cert_id);
        write_atomic(&path, &signed.envelope_bytes)?;
        crash_point("after-certificate", &path);
        // The certificate is committed: it is now the journal head.
        self.head = JournalHead {
            next_seq: cert.journal.seq + 1,
            last_cert_id: Some(signed.cert_id.clone()),
            last_envelope_blake3: Some(envelope_hash(&signed.envelope_bytes)),
        };
        if let Err(e) = self
            .dir
            .write_outbox_entry(&OutboxEntry::new(&signed.cert_id))
        {
            // Not fatal: DataDir::outbox recreates missing entries.
            tracing::warn!(error = %e, cert_id = %signed.cert_id, "outbox entry not written");
        }
        self.write_head_file();
        Ok(StoredCertificate {
            cert_id: signed.cert_id,
            path,
            seq: cert.journal.seq,
            envelope_bytes: signed.envelope_bytes,
        })
    }

    /// Everything [`Store::issue`] does before writing — key id, journal link, QC rule,
    /// validation, signature — on a throw-away certificate, writing nothing. A station runs it
    /// before a destructive command, so that a setting the validator refuses stops the erase
    /// instead of the certificate.
    pub fn rehearse(
        &self,
        mut cert: Certificate,
        key: &StationKey,
    ) -> Result<crate::envelope::SignedCertificate, StoreError> {
        cert.issuer.key_id = key.key_id().to_string();
        cert.journal = self.head.next_link();
        cert.apply_qc_rule();
        Ok(sign_certificate(&cert, key)?)
    }

    /// Informative copy of the head for humans and tools; never read back for issuing.
    fn write_head_file(&self) {
        let mut bytes = serde_json::to_vec_pretty(&self.head).expect("head serialises");
        bytes.push(b'\n');
        if let Err(e) = write_atomic(&self.dir.root.join("journal").join("head.json"), &bytes) {
            tracing::warn!(error = %e, "journal/head.json not updated");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Certificate;

    fn key() -> StationKey {
        StationKey::from_seed(&[4; 32])
    }

    #[test]
    fn issue_chains_and_queues() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.journal_head().next_seq, 0);
        let a = store.issue(Certificate::example(), &k).unwrap();
        let b = store.issue(Certificate::example(), &k).unwrap();
        assert_eq!((a.seq, b.seq), (0, 1));
        let env_b = Envelope::parse(&fs::read(&b.path).unwrap()).unwrap();
        let cert_b: Certificate = serde_json::from_slice(&env_b.payload).unwrap();
        assert_eq!(
            cert_b.journal.prev_envelope_blake3.as_deref(),
            Some(envelope_hash(&a.envelope_bytes).as_str())
        );
        let ids: Vec<_> = store
            .data_dir()
            .outbox()
            .unwrap()
            .into_iter()
            .map(|e| e.cert_id)
            .collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&a.cert_id) && ids.contains(&b.cert_id));
        drop(store);

        // Reopening derives the same head from disk.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.journal_head().next_seq, 2);
        assert_eq!(
            store.journal_head().last_cert_id.as_deref(),
            Some(b.cert_id.as_str())
        );
    }

    #[test]
    fn issue_decides_qc_selection_from_key_and_seq() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let mut store = Store::open(dir.path()).unwrap();
        let mut seen = [false; 2];
        for seq in 0..16u64 {
            let mut c = Certificate::example();
            // A wrong claim on purpose: the store must overwrite it.
            c.qc = crate::payload::Qc {
                selected: !crate::payload::qc_selected(k.key_id(), seq, 500_000),
                rate_ppm: 500_000,
                rule: crate::payload::QC_RULE_V1.into(),
            };
            let s = store.issue(c, &k).unwrap();
            let env = Envelope::parse(&s.envelope_bytes).unwrap();
            let signed: Certificate = serde_json::from_slice(&env.payload).unwrap();
            assert_eq!(signed.journal.seq, seq);
            let want = crate::payload::qc_selected(k.key_id(), seq, 500_000);
            assert_eq!(signed.qc.selected, want, "seq {seq}");
            seen[want as usize] = true;
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn a_second_issuer_is_locked_out() {
        let dir = tempfile::tempdir().unwrap();
        let _a = Store::open(dir.path()).unwrap();
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::Locked { .. })
        ));
    }

    #[test]
    fn missing_outbox_entries_are_recreated_and_done_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let mut store = Store::open(dir.path()).unwrap();
        let a = store.issue(Certificate::example(), &k).unwrap();
        let dd = store.data_dir().clone();
        fs::remove_file(dd.outbox_path(&a.cert_id)).unwrap();
        assert_eq!(dd.outbox().unwrap()[0].cert_id, a.cert_id);
        assert!(dd.outbox_path(&a.cert_id).exists());
        // A receipt written but the entry not yet removed (crash in complete_upload).
        fs::write(dd.receipt_path(&a.cert_id), b"{}").unwrap();
        assert!(dd.outbox().unwrap().is_empty());
        assert!(!dd.outbox_path(&a.cert_id).exists());
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dd = DataDir::open(dir.path()).unwrap();
        // pid 0 is never a user process; our own pid is alive.
        let dead = dd
            .certificates_dir()
            .join(format!(".{}.dsse.json.0.7.tmp", "a".repeat(64)));
        let live = dd
            .certificates_dir()
            .join(format!(".x.dsse.json.{}.1.tmp", std::process::id()));
        fs::write(&dead, b"half").unwrap();
        fs::write(&live, b"busy").unwrap();
        assert_eq!(dd.remove_stale_temporaries().unwrap(), 1);
        assert!(!dead.exists() && live.exists());
    }

    #[test]
    fn a_forked_journal_on_disk_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let mut store = Store::open(dir.path()).unwrap();
        store.issue(Certificate::example(), &k).unwrap();
        // A second certificate with seq 0 (as a restored backup would leave).
        let mut c = Certificate::example();
        c.issuer.key_id = k.key_id().into();
        c.operator.id = "op-other".into();
        let s = sign_certificate(&c, &k).unwrap();
        fs::write(
            store.data_dir().certificate_path(&s.cert_id),
            &s.envelope_bytes,
        )
        .unwrap();
        drop(store);
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::Fork { seq: 0, .. })
        ));
    }

    #[test]
    fn write_atomic_accepts_a_bare_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::env::current_dir().unwrap();
        std::env::set_current_dir(dir.path()).unwrap();
        let r = write_atomic(Path::new("bare.txt"), b"x");
        std::env::set_current_dir(old).unwrap();
        r.unwrap();
        assert_eq!(fs::read(dir.path().join("bare.txt")).unwrap(), b"x");
    }

    #[test]
    fn check_writable_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(dir.path()).unwrap();
        let dd = DataDir::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dd.certificates_dir()).unwrap().count(), 0);
    }
}
