//! A witness (C2SP tlog-witness): `ardoise-registry witness serve` cosigns the checkpoints of
//! the logs it is configured for, after checking each is consistent with the latest one it
//! cosigned, and never cosigns a fork or a rollback.
//!
//! `POST /add-checkpoint` takes `old <size>`, up to 63 base64 consistency-proof lines, an
//! empty line and the signed checkpoint. Answers: 200 with the cosignature line; 400 bad
//! request (or old size above the checkpoint's); 403 no valid signature of the log's key;
//! 404 unknown log; 409 (`text/x.tlog.size`, the size it holds) when `old` is not the size
//! of the latest checkpoint it cosigned; 422 when the proof does not verify. Checking and
//! persisting the new state happen under one lock, and the state is on disk (written to a
//! temporary file, fsynced, renamed) before the answer. `GET /<sha256(origin) hex>/checkpoint`
//! serves the latest cosigned checkpoint of a log.
//!
//! Two registries can witness each other: each operator runs a witness for the other's log.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ardoise_cert::cosign::WitnessSigner;
use ardoise_cert::merkle::{verify_consistency, Hash, EMPTY_ROOT};
use ardoise_cert::note::{checkpoint_unverified, verify_checkpoint, Checkpoint, NoteVerifier};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Most consistency-proof lines a request may carry (C2SP).
const MAX_PROOF_LINES: usize = 63;
/// Largest request body read.
const MAX_BODY: usize = 64 * 1024;

/// Why the witness could not start.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// A configuration value is missing or invalid.
    #[error("{0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
}

/// Why a checkpoint was not cosigned; each maps to the status C2SP tlog-witness names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The request is malformed (400).
    BadRequest(String),
    /// The checkpoint's signature does not verify with the log's key (403).
    Forbidden(String),
    /// The witness does not follow this log origin (404).
    UnknownLog(String),
    /// `old` is not the size of the latest cosigned checkpoint, which is this.
    Conflict(u64),
    /// The checkpoint is not consistent with the last one cosigned (422).
    Inconsistent(String),
    /// The state could not be written: nothing was cosigned.
    Storage(String),
}

impl Refusal {
    /// The HTTP status for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict(_) => 409,
            Refusal::Inconsistent(_) => 422,
            Refusal::Storage(_) => 500,
        }
    }
}

/// The witness: its key, the logs it follows, and where it keeps their latest checkpoints.
pub struct Witness {
    signer: WitnessSigner,
    logs: HashMap<String, NoteVerifier>,
    state_dir: PathBuf,
    /// Check-and-update is atomic: one request at a time changes the state.
    state: Mutex<()>,
    _lock: std::fs::File,
}

/// The request body, parsed.
struct AddCheckpoint<'a> {
    old: u64,
    proof: Vec<Hash>,
    note: &'a str,
}

fn parse_request(body: &str) -> Result<AddCheckpoint<'_>, Refusal> {
    let bad = |m: &str| Refusal::BadRequest(m.into());
    let (head, note) = body.split_once("\n\n").ok_or_else(|| {
        bad("expected an old size line, proof lines, an empty line, then the checkpoint")
    })?;
    let mut lines = head.split('\n');
    let old_line = lines.next().unwrap_or_default();
    let old_text = old_line
        .strip_prefix("old ")
        .ok_or_else(|| bad("the first line must be `old <size>`"))?;
    if old_text.is_empty()
        || !old_text.bytes().all(|b| b.is_ascii_digit())
        || (old_text.len() > 1 && old_text.starts_with('0'))
    {
        return Err(bad("old size is not a decimal without leading zeros"));
    }
    let old: u64 = old_text.parse().map_err(|_| bad("old size out of range"))?;
    let mut proof = Vec::new();
    for l in lines {
        if proof.len() == MAX_PROOF_LINES {
            return Err(bad("more than 63 consistency proof lines"));
        }
        let h: Hash = B64
            .decode(l)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("a proof line is not a base64 32-byte hash"))?;
        proof.push(h);
    }
    Ok(AddCheckpoint { old, proof, note })
}

/// Hex SHA-256 of an origin: the witness's file name and URL segment for that log.
pub fn origin_hash(origin: &str) -> String {
    hex::encode(Sha256::digest(origin.as_bytes()))
}

impl Witness {
    /// A witness named `name` with the key in `key_file` (created if missing), following the
    /// logs whose verifier keys are `logs` (origin = key name), keeping state in `state_dir`
    /// (one process per directory).
    pub fn open(
        name: &str,
        key_file: &Path,
        state_dir: &Path,
        logs: &[NoteVerifier],
    ) -> Result<Witness, WitnessError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |error| WitnessError::Io { path, error }
        };
        std::fs::create_dir_all(state_dir).map_err(io(state_dir))?;
        let lock_path = state_dir.join("witness.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock.try_lock().map_err(|_| {
            WitnessError::Config(format!(
                "another witness uses {} (lock {} held)",
                state_dir.display(),
                lock_path.display()
            ))
        })?;
        let (seed, _) = crate::signing::load_or_create_with(
            key_file,
            crate::signing::WITNESS_HEADER,
            "ardoise witness key (Ed25519 seed): cosigns the checkpoints of the logs it follows. Keep secret.",
        )
        .map_err(|e| WitnessError::Config(e.to_string()))?;
        let signer =
            WitnessSigner::new(name, &seed).map_err(|e| WitnessError::Config(e.to_string()))?;
        if logs.is_empty() {
            return Err(WitnessError::Config(
                "a witness needs at least one log key (--log)".into(),
            ));
        }
        let logs = logs.iter().map(|l| (l.name.clone(), l.clone())).collect();
        Ok(Witness {
            signer,
            logs,
            state_dir: state_dir.to_path_buf(),
            state: Mutex::new(()),
            _lock: lock,
        })
    }

    /// The witness's verifier key (vkey text), for logs to configure.
    pub fn vkey(&self) -> String {
        self.signer.verifier().to_vkey()
    }

    fn state_path(&self, origin: &str) -> PathBuf {
        self.state_dir
            .join(format!("{}.checkpoint", origin_hash(origin)))
    }

    /// The latest checkpoint cosigned for `origin` (size and root; 0 and the empty root when
    /// none), read from disk.
    fn stored(&self, origin: &str) -> Result<(u64, Hash), Refusal> {
        match std::fs::read_to_string(self.state_path(origin)) {
            Ok(note) => checkpoint_unverified(&note)
                .map(|c| (c.size, c.root))
                .map_err(|e| Refusal::Storage(format!("stored checkpoint unreadable: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((0, EMPTY_ROOT)),
            Err(e) => Err(Refusal::Storage(e.to_string())),
        }
    }

    /// Writes the new state durably: temporary file, fsync, rename, fsync of the directory.
    fn persist(&self, origin: &str, note: &str) -> Result<(), Refusal> {
        let path = self.state_path(origin);
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(note.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&self.state_dir)?.sync_all()
        };
        write().map_err(|e| Refusal::Storage(e.to_string()))
    }

    /// Checks a request and, when the checkpoint is consistent with the latest one cosigned,
    /// records it and returns the cosignature line.
    pub fn add_checkpoint(&self, body: &str, now: u64) -> Result<String, Refusal> {
        let req = parse_request(body)?;
        let claimed = checkpoint_unverified(req.note)
            .map_err(|e| Refusal::BadRequest(format!("checkpoint: {e}")))?;
        let log = self
            .logs
            .get(&claimed.origin)
            .ok_or_else(|| Refusal::UnknownLog(claimed.origin.clone()))?;
        let cp: Checkpoint = verify_checkpoint(req.note, log)
            .map_err(|e| Refusal::Forbidden(format!("checkpoint signature: {e}")))?;
        if req.old > cp.size {
            return Err(Refusal::BadRequest(format!(
                "old size {} is above the checkpoint's size {}",
                req.old, cp.size
            )));
        }
        let _guard = self.state.lock().expect("witness state lock");
        let (size, root) = self.stored(&cp.origin)?;
        if req.old != size {
            return Err(Refusal::Conflict(size));
        }
        check_consistency(&req, &cp, &root)?;
        let text = cp.to_text();
        let line = self.signer.cosign(&text, now);
        // What the monitoring endpoint serves: the log's signature(s) and ours.
        let mut note = req.note.to_string();
        if !note.ends_with('\n') {
            note.push('\n');
        }
        note.push_str(&line);
        self.persist(&cp.origin, &note)?;
        tracing::info!(origin = %cp.origin, size = cp.size, "cosigned");
        Ok(line)
    }

    /// The latest cosigned checkpoint of the log whose origin hashes to `hash`.
    pub fn latest(&self, hash: &str) -> Option<String> {
        let origin = self.logs.keys().find(|o| origin_hash(o) == hash)?;
        std::fs::read_to_string(self.state_path(origin)).ok()
    }
}

/// The C2SP rules between the stored (old) tree and the new checkpoint.
fn check_consistency(
    req: &AddCheckpoint<'_>,
    cp: &Checkpoint,
    old_root: &Hash,
) -> Result<(), Refusal> {
    if cp.size == 0 && cp.root != EMPTY_ROOT {
        return Err(Refusal::Inconsistent(
            "a checkpoint of size 0 must have the empty tree's root".into(),
        ));
    }
    if req.old == 0 {
        if !req.proof.is_empty() {
            return Err(Refusal::Inconsistent(
                "no proof may be given from size 0".into(),
            ));
        }
        return Ok(());
    }
    verify_consistency(req.old, cp.size, old_root, &cp.root, &req.proof).map_err(|e| {
        Refusal::Inconsistent(format!(
            "not consistent with the checkpoint of size {} this witness cosigned ({e}): a fork or a rewritten log",
            req.old
        ))
    })
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1)
        .max(1)
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    if body.len() > MAX_BODY {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request too large\n").into_response();
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "not UTF-8\n").into_response();
    };
    let text = text.to_string();
    let w2 = w.clone();
    let answer = tokio::task::spawn_blocking(move || w2.add_checkpoint(&text, now_unix())).await;
    match answer {
        Ok(Ok(line)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            line,
        )
            .into_response(),
        Ok(Err(Refusal::Conflict(size))) => (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{size}\n"),
        )
            .into_response(),
        Ok(Err(r)) => {
            let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let msg = match r {
                Refusal::Storage(e) => {
                    tracing::error!(error = %e, "witness state not written");
                    "the witness could not record its state\n".to_string()
                }
                Refusal::BadRequest(m)
                | Refusal::Forbidden(m)
                | Refusal::UnknownLog(m)
                | Refusal::Inconsistent(m) => {
                    tracing::warn!(status = status.as_u16(), reason = %m, "checkpoint not cosigned");
                    format!("{m}\n")
                }
                Refusal::Conflict(_) => unreachable!("answered above"),
            };
            (status, msg).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "witness task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn latest_checkpoint(
    State(w): State<Arc<Witness>>,
    UrlPath(hash): UrlPath<String>,
) -> Response {
    match w.latest(&hash) {
        Some(note) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "never cosigned a checkpoint of that log\n",
        )
            .into_response(),
    }
}

/// The witness's HTTP routes: `POST /add-checkpoint` (cosigns a checkpoint) and
/// `GET /{origin_hash}/checkpoint` (the latest cosigned checkpoint of a log).
pub fn router(w: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(latest_checkpoint))
        .with_state(w)
}

/// Serves the witness on `listener` until `shutdown` completes.
pub async fn serve(
    w: Arc<Witness>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(w))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_cert::merkle::{leaf_hash, MerkleTree};
    use ardoise_cert::note::NoteSigner;

    fn log() -> NoteSigner {
        NoteSigner::new("registre.test/log", &[4; 32]).unwrap()
    }

    fn signed(log: &NoteSigner, tree: &MerkleTree, size: u64) -> String {
        Checkpoint {
            origin: "registre.test/log".into(),
            size,
            root: tree.root_at(size).unwrap(),
            extensions: vec![],
        }
        .sign(log)
        .unwrap()
    }

    fn body(old: u64, proof: &[Hash], note: &str) -> String {
        let mut b = format!("old {old}\n");
        for p in proof {
            b.push_str(&B64.encode(p));
            b.push('\n');
        }
        b.push('\n');
        b.push_str(note);
        b
    }

    #[test]
    fn cosigns_growth_refuses_forks_and_rollbacks() {
        let dir = tempfile::tempdir().unwrap();
        let log = log();
        let w = Witness::open(
            "witness.test/w",
            &dir.path().join("k"),
            dir.path(),
            &[log.verifier()],
        )
        .unwrap();
        let mut tree = MerkleTree::new();
        for i in 0..5u8 {
            tree.push(&[i]);
        }
        let first = signed(&log, &tree, 5);
        let line = w.add_checkpoint(&body(0, &[], &first), 1000).unwrap();
        assert!(line.starts_with("\u{2014} witness.test/w "));
        // Growth with a proof from 5.
        for i in 5..8u8 {
            tree.push(&[i]);
        }
        let proof = tree.consistency_proof(5, 8).unwrap();
        w.add_checkpoint(&body(5, &proof, &signed(&log, &tree, 8)), 1001)
            .unwrap();
        // A stale old size: 409 with the size held.
        assert_eq!(
            w.add_checkpoint(&body(5, &proof, &signed(&log, &tree, 8)), 1002),
            Err(Refusal::Conflict(8))
        );
        // A fork: same size 9, leaf 6 replaced, signed by the genuine log key.
        let mut fork = MerkleTree::from_leaf_hashes(tree.leaf_hashes().to_vec());
        let mut leaves = fork.leaf_hashes().to_vec();
        leaves[6] = leaf_hash(b"rewritten");
        fork = MerkleTree::from_leaf_hashes(leaves);
        fork.push(&[9]);
        let fork_proof = fork.consistency_proof(8, 9).unwrap();
        let r = w.add_checkpoint(&body(8, &fork_proof, &signed(&log, &fork, 9)), 1003);
        assert!(matches!(r, Err(Refusal::Inconsistent(_))), "{r:?}");
        // A rollback below what was cosigned.
        let r = w.add_checkpoint(&body(8, &[], &signed(&log, &tree, 5)), 1004);
        assert!(matches!(r, Err(Refusal::BadRequest(_))), "{r:?}");
        // Another key, another log: 403, 404.
        let other = NoteSigner::new("registre.test/log", &[5; 32]).unwrap();
        let r = w.add_checkpoint(&body(8, &[], &signed(&other, &tree, 8)), 1005);
        assert!(matches!(r, Err(Refusal::Forbidden(_))), "{r:?}");
        let stranger = NoteSigner::new("elsewhere.test/log", &[6; 32]).unwrap();
        let cp = Checkpoint {
            origin: "elsewhere.test/log".into(),
            size: 0,
            root: EMPTY_ROOT,
            extensions: vec![],
        }
        .sign(&stranger)
        .unwrap();
        assert!(matches!(
            w.add_checkpoint(&body(0, &[], &cp), 1006),
            Err(Refusal::UnknownLog(_))
        ));
        // The state survives a restart: still at 8, still refusing the fork.
        drop(w);
        let w = Witness::open(
            "witness.test/w",
            &dir.path().join("k"),
            dir.path(),
            &[log.verifier()],
        )
        .unwrap();
        assert_eq!(
            w.add_checkpoint(&body(0, &[], &signed(&log, &tree, 8)), 1007),
            Err(Refusal::Conflict(8))
        );
        let r = w.add_checkpoint(&body(8, &fork_proof, &signed(&log, &fork, 9)), 1008);
        assert!(matches!(r, Err(Refusal::Inconsistent(_))));
        let latest = w.latest(&origin_hash("registre.test/log")).unwrap();
        assert!(latest.starts_with("registre.test/log\n8\n"));
    }

    #[test]
    fn malformed_requests_are_400() {
        for b in ["", "old 01\n\nx", "old 1\nnot-base64\n\nx", "new 1\n\nx"] {
            assert!(
                matches!(parse_request(b), Err(Refusal::BadRequest(_))),
                "{b:?}"
            );
        }
        let many = format!(
            "old 1\n{}\nx",
            format!("{}\n", B64.encode([0u8; 32])).repeat(64)
        );
        assert!(matches!(parse_request(&many), Err(Refusal::BadRequest(_))));
    }
}
