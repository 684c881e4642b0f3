//! The registry's running state: database connections, the station keys, the Merkle log in
//! memory, and the writer thread that appends accepted envelopes with group commit.
//!
//! Submissions are verified on the request's task (signature, schema, key) and handed to one
//! writer thread. The writer takes every submission waiting (up to `max_batch`), applies the
//! rules that depend on what is stored (duplicate, journal continuity), appends the accepted
//! ones to the tree, signs a checkpoint for the new size, and writes rows and checkpoint in
//! **one transaction**. Only after the commit returns does any submitter get its receipt; if
//! the commit fails, the appends are undone and every submitter of the batch gets a 503.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ardoise_cert::merkle::Hash;
use ardoise_cert::note::{verify_checkpoint, Checkpoint, NoteSigner, NoteVerifier};
use ardoise_cert::receipt::Receipt;
use ardoise_cert::trust::TrustFile;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::db::{self, Conn, DbError, DbUrl, Value};
use crate::ratelimit::RateLimiter;
use crate::store::{self, StoredCheckpoint};
use crate::submit::{check_submission, decode_hash, Accepted, Rejection};
use crate::tree::{LogTree, Spine};

/// How the registry runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: DbUrl,
    /// The log key file; default: beside the SQLite file (`<db>.log-key`); required for
    /// PostgreSQL.
    pub key_file: Option<PathBuf>,
    /// Log origin (checkpoint first line and key name); default: the one stored at first
    /// start, else `ardoise-registry/log`.
    pub origin: Option<String>,
    /// Bearer token of the admin API; `None` disables it.
    pub admin_token: Option<String>,
    /// Largest request body accepted.
    pub max_body: usize,
    /// Per-station submissions per second, sustained, and burst.
    pub station_rate: f64,
    pub station_burst: f64,
    /// Most submissions committed in one transaction.
    pub max_batch: usize,
    /// Whole-request timeout.
    pub request_timeout: Duration,
}

pub const DEFAULT_ORIGIN: &str = "ardoise-registry/log";
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;

impl Config {
    pub fn new(db: DbUrl) -> Config {
        Config {
            db,
            key_file: None,
            origin: None,
            admin_token: None,
            max_body: DEFAULT_MAX_BODY,
            station_rate: 50.0,
            station_burst: 500.0,
            max_batch: 512,
            request_timeout: Duration::from_secs(30),
        }
    }

    /// Where the log key lives.
    pub fn key_path(&self) -> Result<PathBuf, RegistryError> {
        if let Some(p) = &self.key_file {
            return Ok(p.clone());
        }
        match &self.db {
            DbUrl::Sqlite(p) => {
                let mut s = p.clone().into_os_string();
                s.push(".log-key");
                Ok(PathBuf::from(s))
            }
            DbUrl::Postgres(_) => Err(RegistryError::Config(
                "--key-file is required with PostgreSQL (the log key is not stored in the database)"
                    .into(),
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Key(#[from] crate::signing::KeyFileError),
    #[error("{0}")]
    Integrity(String),
    #[error("{0}")]
    Locked(String),
}

/// A signed checkpoint the registry holds.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub root: Hash,
    pub note: String,
}

/// What readers see of the log: the tree (possibly with appends not yet committed at its
/// end) and the latest committed checkpoint, which bounds every proof handed out.
#[derive(Debug, Default)]
pub struct LogView {
    pub tree: LogTree,
    pub checkpoint: Option<SignedCheckpoint>,
    /// The checkpoint size's incomplete subtree hashes: proofs cost O(log n).
    pub spine: Spine,
}

impl LogView {
    fn set_checkpoint(&mut self, cp: SignedCheckpoint) {
        self.spine = self.tree.spine(cp.size).unwrap_or_default();
        self.checkpoint = Some(cp);
    }
}

/// A submission's result.
#[derive(Debug, Clone)]
pub struct Stored {
    pub receipt: Receipt,
    pub duplicate: bool,
}

/// The writer's answer: where the entry is. The receipt is built by the submitter's task
/// (in parallel), against the checkpoint the commit published.
struct Ack {
    index: u64,
    received_at: i64,
    duplicate: bool,
}

struct Job {
    accepted: Accepted,
    reply: oneshot::Sender<Result<Ack, Rejection>>,
}

/// What the writer knows about one station's journal.
#[derive(Default)]
struct StationIndex {
    by_seq: BTreeMap<u64, Link>,
    /// Envelope hash -> seq of the stored certificate with that envelope.
    by_hash: HashMap<Hash, u64>,
    /// Predecessor hash -> seq of the stored certificate that follows it.
    by_prev: HashMap<Hash, u64>,
}

#[derive(Clone, Copy)]
struct Link {
    cert_id: Hash,
    envelope_hash: Hash,
    prev: Option<Hash>,
}

#[derive(Clone, Copy)]
struct Entry {
    index: u64,
    received_at: i64,
}

#[derive(Default)]
struct Index {
    ids: HashMap<Hash, Entry>,
    stations: HashMap<(String, String), StationIndex>,
}

impl Index {
    fn insert(&mut self, workshop: &str, station: &str, seq: u64, link: Link, entry: Entry) {
        self.ids.insert(link.cert_id, entry);
        let st = self
            .stations
            .entry((workshop.to_string(), station.to_string()))
            .or_default();
        st.by_seq.insert(seq, link);
        st.by_hash.insert(link.envelope_hash, seq);
        if let Some(p) = link.prev {
            st.by_prev.insert(p, seq);
        }
    }

    fn remove(&mut self, a: &Accepted) {
        self.ids.remove(&a.cert_id_bytes());
        if let Some(st) = self
            .stations
            .get_mut(&(a.workshop().to_string(), a.station().to_string()))
        {
            st.by_seq.remove(&a.seq());
            st.by_hash.remove(&a.envelope_hash);
            if let Some(p) = a.prev() {
                st.by_prev.remove(&p);
            }
        }
    }

    /// Journal continuity of a new certificate against what is stored (see docs/registry.md).
    fn check_journal(&self, a: &Accepted) -> Result<(), Rejection> {
        let Some(st) = self
            .stations
            .get(&(a.workshop().to_string(), a.station().to_string()))
        else {
            return Ok(());
        };
        let seq = a.seq();
        let who = format!("{}/{}", a.workshop(), a.station());
        if let Some(other) = st.by_seq.get(&seq) {
            return Err(Rejection::new(
                409,
                "journal_fork",
                format!(
                    "{who} already has certificate {} at seq {seq}: two certificates cannot share a sequence number",
                    hex::encode(other.cert_id)
                ),
            )
            .field("journal.seq"));
        }
        let prev = a.prev();
        if seq > 0 {
            if let Some(before) = st.by_seq.get(&(seq - 1)) {
                if prev != Some(before.envelope_hash) {
                    return Err(Rejection::new(
                        409,
                        "journal_broken_link",
                        format!(
                            "journal.prev_envelope_blake3 is not the hash of {who}'s stored seq {} (certificate {}, envelope {})",
                            seq - 1,
                            hex::encode(before.cert_id),
                            hex::encode(before.envelope_hash)
                        ),
                    )
                    .field("journal.prev_envelope_blake3"));
                }
            }
        }
        if let Some(after) = st.by_seq.get(&(seq + 1)) {
            if after.prev != Some(a.envelope_hash) {
                return Err(Rejection::new(
                    409,
                    "journal_broken_link",
                    format!(
                        "{who}'s stored seq {} (certificate {}) follows another envelope than this one",
                        seq + 1,
                        hex::encode(after.cert_id)
                    ),
                )
                .field("journal.seq"));
            }
        }
        if let Some(p) = prev {
            if let Some(&s) = st.by_hash.get(&p) {
                if s + 1 != seq {
                    return Err(Rejection::new(
                        409,
                        "journal_broken_link",
                        format!("journal.prev_envelope_blake3 is the envelope of {who}'s seq {s}, not of seq {}", seq.saturating_sub(1)),
                    )
                    .field("journal.prev_envelope_blake3"));
                }
            }
            if let Some(&s) = st.by_prev.get(&p) {
                return Err(Rejection::new(
                    409,
                    "journal_fork",
                    format!("{who}'s stored seq {s} already follows the same envelope"),
                )
                .field("journal.prev_envelope_blake3"));
            }
        }
        Ok(())
    }
}

/// A small pool of read connections.
pub struct Pool {
    url: DbUrl,
    idle: Mutex<Vec<Conn>>,
    /// Connections in use; at most [`Pool::MAX_OPEN`] (PostgreSQL's default limit is 100).
    open: Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Pool {
    const MAX_OPEN: usize = 32;

    fn new(url: DbUrl) -> Pool {
        Pool {
            url,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Runs `f` with a connection (blocking: call from `spawn_blocking`); waits while
    /// `MAX_OPEN` are in use.
    pub fn with<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, DbError>) -> Result<T, DbError> {
        /// Gives the slot back even if `f` panics.
        struct Slot<'a>(&'a Pool);
        impl Drop for Slot<'_> {
            fn drop(&mut self) {
                *self.0.open.lock().expect("pool lock") -= 1;
                self.0.freed.notify_one();
            }
        }
        let _slot = {
            let mut open = self.open.lock().expect("pool lock");
            while *open >= Self::MAX_OPEN {
                open = self.freed.wait(open).expect("pool lock");
            }
            *open += 1;
            Slot(self)
        };
        let conn = self.idle.lock().expect("pool lock").pop();
        let mut conn = match conn {
            Some(c) => c,
            None => Conn::open(&self.url)?,
        };
        let r = f(&mut conn);
        // A connection whose last use failed may be broken: drop it rather than keep it.
        if r.is_ok() {
            let mut idle = self.idle.lock().expect("pool lock");
            if idle.len() < 16 {
                idle.push(conn);
            }
        }
        r
    }
}

/// The registry.
pub struct Registry {
    pub config: Config,
    pub origin: String,
    pub verifier: NoteVerifier,
    vkey: String,
    pub pool: Pool,
    trust: RwLock<Arc<TrustFile>>,
    keys_version: AtomicI64,
    keys_checked: Mutex<Instant>,
    pub log: Arc<RwLock<LogView>>,
    /// `Some(problem)` when the stored log does not match its signed checkpoints: the
    /// registry then refuses to append (it must never sign a checkpoint inconsistent with
    /// an earlier one).
    pub integrity: Arc<RwLock<Option<String>>>,
    writer: mpsc::Sender<Job>,
    limiter: RateLimiter,
    pub last_audit: Mutex<Option<crate::audit::AuditReport>>,
    _lock: Option<std::fs::File>,
}

fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Opens the database (running migrations) and the log key, records or checks the origin and
/// key in the database. Shared by `serve` and the CLI subcommands.
pub fn open_state(config: &Config) -> Result<(Conn, NoteSigner, String), RegistryError> {
    let mut conn = Conn::open(&config.db)?;
    db::migrate(&mut conn)?;
    let key_path = config.key_path()?;
    let (seed, created) = crate::signing::load_or_create(&key_path)?;
    if created {
        tracing::info!(path = %key_path.display(), "generated a new registry log key");
    }
    let stored_origin = store::meta_get(&mut conn, "origin")?;
    let origin = match (&config.origin, &stored_origin) {
        (Some(o), Some(s)) if o != s => {
            return Err(RegistryError::Config(format!(
                "this database's log origin is {s:?}, not {o:?}: the origin cannot change"
            )))
        }
        (Some(o), _) => o.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => DEFAULT_ORIGIN.to_string(),
    };
    let signer = NoteSigner::new(&origin, &seed)
        .map_err(|e| RegistryError::Config(format!("origin {origin:?}: {e}")))?;
    let vkey = signer.verifier().to_vkey();
    match store::meta_get(&mut conn, "log_key")? {
        Some(k) if k != vkey => {
            return Err(RegistryError::Config(format!(
                "{} is not this database's log key (the database was signed by {k}); give the right --key-file",
                key_path.display()
            )))
        }
        Some(_) => {}
        None => {
            conn.transaction(|c| {
                store::meta_set(c, "origin", &origin)?;
                store::meta_set(c, "log_key", &vkey)
            })?;
        }
    }
    Ok((conn, signer, origin))
}

/// The session-level advisory lock one serving process holds on a PostgreSQL database.
const PG_LOCK: &str = "SELECT pg_try_advisory_lock(4242424242)";

/// Exclusive use of the database by one serving process.
fn lock_database(config: &Config, conn: &mut Conn) -> Result<Option<std::fs::File>, RegistryError> {
    match &config.db {
        DbUrl::Sqlite(p) => {
            let mut s = p.clone().into_os_string();
            s.push(".lock");
            let path = PathBuf::from(s);
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| RegistryError::Locked(format!("{}: {e}", path.display())))?;
            match f.try_lock() {
                Ok(()) => Ok(Some(f)),
                Err(_) => Err(RegistryError::Locked(format!(
                    "another ardoise-registry serves {} (lock {} held)",
                    p.display(),
                    path.display()
                ))),
            }
        }
        DbUrl::Postgres(_) => {
            // Session-level advisory lock, held by the writer's connection for its lifetime
            // (a previous process's connection may take a moment to go away).
            for _ in 0..50 {
                let r = conn.query_one(PG_LOCK, &[])?;
                if matches!(r.as_ref().map(|r| &r[0]), Some(Value::Int(1))) {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            {
                Err(RegistryError::Locked(
                    "another ardoise-registry serves this PostgreSQL database".into(),
                ))
            }
        }
    }
}

/// Loads the log from the database and checks it against the latest signed checkpoint.
fn load_log(
    conn: &mut Conn,
    verifier: &NoteVerifier,
) -> Result<(LogTree, Index, Option<SignedCheckpoint>, Option<String>), DbError> {
    let mut tree = LogTree::new();
    let mut index = Index::default();
    let mut problem: Option<String> = None;
    conn.query_each(
        "SELECT log_index, cert_id, leaf_hash, envelope_hash, workshop, station, seq, prev_hash, received_at FROM certificates ORDER BY log_index",
        &[],
        |r| {
            let i = r[0].int()? as u64;
            if i != tree.size() && problem.is_none() {
                problem = Some(format!(
                    "log entry {} is missing (next stored entry is {i})",
                    tree.size()
                ));
            }
            let h = |v: &Value| -> Result<Hash, DbError> {
                decode_hash(&v.text()?).ok_or_else(|| DbError::Other("bad stored hash".into()))
            };
            let leaf = h(&r[2])?;
            let link = Link {
                cert_id: h(&r[1])?,
                envelope_hash: h(&r[3])?,
                prev: r[7].opt_text()?.as_deref().and_then(decode_hash),
            };
            let entry = Entry {
                index: tree.size(),
                received_at: r[8].int()?,
            };
            tree.push(leaf);
            index.insert(&r[4].text()?, &r[5].text()?, r[6].int()? as u64, link, entry);
            Ok(true)
        },
    )?;
    let latest = store::latest_checkpoint(conn)?;
    let checkpoint = match latest {
        None => {
            if tree.size() > 0 && problem.is_none() {
                problem = Some("the log has entries but no signed checkpoint".into());
            }
            None
        }
        Some(cp) => match verify_checkpoint(&cp.note, verifier) {
            Err(e) => {
                problem.get_or_insert(format!(
                    "the latest checkpoint (size {}) does not verify: {e}",
                    cp.tree_size
                ));
                None
            }
            Ok(parsed) => {
                if parsed.size != tree.size() {
                    problem.get_or_insert(format!(
                        "the latest signed checkpoint covers {} entries but the database holds {}",
                        parsed.size,
                        tree.size()
                    ));
                } else if tree.root_at(parsed.size).ok() != Some(parsed.root) {
                    problem.get_or_insert(format!(
                        "the stored entries do not hash to the root of the latest signed checkpoint (size {})",
                        parsed.size
                    ));
                }
                Some(SignedCheckpoint {
                    size: parsed.size,
                    root: parsed.root,
                    note: cp.note,
                })
            }
        },
    };
    Ok((tree, index, checkpoint, problem))
}

impl Registry {
    /// Opens the registry for serving: migrations, key, lock, log loaded and checked, writer
    /// thread started. Call it outside async code (the PostgreSQL client blocks).
    pub fn open(config: Config) -> Result<Arc<Registry>, RegistryError> {
        let (mut conn, signer, origin) = open_state(&config)?;
        let lock = lock_database(&config, &mut conn)?;
        let verifier = signer.verifier();
        let (tree, index, mut checkpoint, problem) = load_log(&mut conn, &verifier)?;
        if let Some(p) = &problem {
            tracing::error!(problem = %p, "the stored log does not match its signed checkpoints; submissions are refused until this is resolved (run `ardoise-registry audit`)");
        }
        if checkpoint.is_none() && tree.size() == 0 && problem.is_none() {
            // The empty log's checkpoint, so that auditors have a first state to start from.
            let cp = sign(&signer, &origin, &tree, 0)?;
            store::insert_checkpoint(
                &mut conn,
                &StoredCheckpoint {
                    tree_size: 0,
                    root_hash: hex::encode(cp.root),
                    note: cp.note.clone(),
                    created_at: now_unix(),
                },
            )?;
            checkpoint = Some(cp);
        }
        let trust = store::load_trust(&mut conn)?;
        let keys_version = store::keys_version(&mut conn)?;
        let mut view = LogView {
            tree,
            ..Default::default()
        };
        if let Some(cp) = checkpoint {
            view.set_checkpoint(cp);
        }
        let log = Arc::new(RwLock::new(view));
        let integrity = Arc::new(RwLock::new(problem));
        conn.set_writer_mode()?;
        if let DbUrl::Sqlite(path) = &config.db {
            // WAL checkpoints on their own connection and thread, every half second, until
            // the registry is dropped; past WAL_LIMIT bytes the WAL is emptied.
            const WAL_LIMIT: u64 = 128 << 20;
            let weak = Arc::downgrade(&log);
            let url = config.db.clone();
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            let wal = PathBuf::from(wal);
            std::thread::Builder::new()
                .name("registry-wal".into())
                .spawn(move || {
                    let Ok(mut c) = Conn::open(&url) else { return };
                    // A truncating checkpoint holds new writes while it waits for readers
                    // (an audit, an export): give up quickly and try again later.
                    if c.set_busy_timeout(Duration::from_millis(100)).is_err() {
                        return;
                    }
                    while weak.upgrade().is_some() {
                        let big = std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_LIMIT);
                        if let Err(e) = c.checkpoint_wal(big) {
                            tracing::debug!(error = %e, "WAL checkpoint");
                        }
                        std::thread::sleep(Duration::from_millis(500));
                    }
                })
                .map_err(|e| RegistryError::Config(format!("cannot start the WAL thread: {e}")))?;
        }
        let (tx, rx) = mpsc::channel::<Job>(4096);
        let writer = Writer {
            conn,
            url: config.db.clone(),
            signer,
            origin: origin.clone(),
            index,
            log: log.clone(),
            integrity: integrity.clone(),
            max_batch: config.max_batch.max(1),
        };
        std::thread::Builder::new()
            .name("registry-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| RegistryError::Config(format!("cannot start the writer thread: {e}")))?;
        Ok(Arc::new(Registry {
            limiter: RateLimiter::new(config.station_rate, config.station_burst),
            pool: Pool::new(config.db.clone()),
            config,
            origin,
            vkey: verifier.to_vkey(),
            verifier,
            trust: RwLock::new(Arc::new(trust)),
            keys_version: AtomicI64::new(keys_version),
            keys_checked: Mutex::new(Instant::now()),
            log,
            integrity,
            writer: tx,
            last_audit: Mutex::new(None),
            _lock: lock,
        }))
    }

    pub fn trust(&self) -> Arc<TrustFile> {
        self.trust.read().expect("trust lock").clone()
    }

    /// Reloads the station keys when another process changed them (blocking).
    pub fn refresh_keys(&self) -> Result<bool, DbError> {
        *self.keys_checked.lock().expect("lock") = Instant::now();
        let (v, trust) = self.pool.with(|c| {
            let v = store::keys_version(c)?;
            if v == self.keys_version.load(Ordering::SeqCst) {
                return Ok((v, None));
            }
            Ok((v, Some(store::load_trust(c)?)))
        })?;
        match trust {
            Some(t) => {
                *self.trust.write().expect("trust lock") = Arc::new(t);
                self.keys_version.store(v, Ordering::SeqCst);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Verifies a submission and, when it passes, hands it to the writer; returns once the
    /// certificate is committed (or known already).
    pub async fn submit(self: &Arc<Self>, body: &[u8]) -> Result<Stored, Rejection> {
        let now = OffsetDateTime::now_utc();
        let max = self.config.max_body;
        let mut checked = check_submission(body, max, &self.trust(), now);
        if matches!(&checked, Err(r) if r.depends_on_keys()) {
            // The key may have been registered a moment ago by another process.
            let me = self.clone();
            let reloaded = tokio::task::spawn_blocking(move || me.refresh_keys())
                .await
                .map_err(|e| internal(e.to_string()))?
                .map_err(|e| unavailable(e.to_string()))?;
            if reloaded {
                checked = check_submission(body, max, &self.trust(), now);
            }
        }
        let accepted = checked?;
        let station = format!("{}/{}", accepted.workshop(), accepted.station());
        if let Err(wait) = self.limiter.check(&station) {
            return Err(Rejection::new(
                429,
                "rate_limited",
                format!(
                    "station {station} sends faster than {} certificates/s; retry in {:.1} s",
                    self.config.station_rate,
                    wait.as_secs_f64()
                ),
            ));
        }
        let cert_id = accepted.cert_id.clone();
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Job { accepted, reply })
            .await
            .map_err(|_| unavailable("the registry is shutting down".into()))?;
        let ack = rx
            .await
            .map_err(|_| unavailable("the writer stopped".into()))??;
        let view = self.log.read().expect("log lock");
        let receipt = build_receipt(&view, &cert_id, ack.index, ack.received_at, &self.vkey)
            .map_err(|e| internal(e.to_string()))?;
        Ok(Stored {
            receipt,
            duplicate: ack.duplicate,
        })
    }

    /// A fresh receipt for a stored entry, against the latest checkpoint.
    pub fn receipt_for(
        &self,
        cert_id: &str,
        log_index: u64,
        received_at: i64,
    ) -> Result<Receipt, String> {
        // A row committed a moment ago may not be covered by the published checkpoint yet.
        for _ in 0..2000 {
            {
                let view = self.log.read().expect("log lock");
                if let Some(cp) = &view.checkpoint {
                    if log_index < cp.size {
                        return build_receipt(
                            &view,
                            cert_id,
                            log_index,
                            received_at,
                            &self.verifier.to_vkey(),
                        )
                        .map_err(|e| e.to_string());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Err(format!("entry {log_index} is not covered by a checkpoint"))
    }

    /// When the station keys were last compared with the database.
    pub fn keys_checked_ago(&self) -> Duration {
        self.keys_checked.lock().expect("lock").elapsed()
    }
}

pub fn internal(msg: String) -> Rejection {
    Rejection::new(500, "internal", msg)
}

pub fn unavailable(msg: String) -> Rejection {
    Rejection::new(503, "unavailable", msg)
}

fn sign(
    signer: &NoteSigner,
    origin: &str,
    tree: &LogTree,
    size: u64,
) -> Result<SignedCheckpoint, RegistryError> {
    let root = tree
        .root_at(size)
        .map_err(|e| RegistryError::Integrity(e.to_string()))?;
    let note = Checkpoint {
        origin: origin.to_string(),
        size,
        root,
        extensions: vec![],
    }
    .sign(signer)
    .map_err(|e| RegistryError::Config(e.to_string()))?;
    Ok(SignedCheckpoint { size, root, note })
}

/// A receipt for entry `index` against the view's checkpoint.
pub fn build_receipt(
    view: &LogView,
    cert_id: &str,
    index: u64,
    received_at: i64,
    registry_key: &str,
) -> Result<Receipt, ardoise_cert::merkle::MerkleError> {
    let cp = view
        .checkpoint
        .as_ref()
        .ok_or(ardoise_cert::merkle::MerkleError::IndexOutOfRange { index, size: 0 })?;
    let proof = view
        .tree
        .inclusion_proof_with(index, cp.size, Some(&view.spine))?;
    Ok(Receipt {
        cert_id: cert_id.to_string(),
        log_index: index,
        leaf_hash: hex::encode(view.tree.leaf(index).expect("index below size")),
        inclusion_proof: proof.iter().map(hex::encode).collect(),
        checkpoint: cp.note.clone(),
        registry_key: registry_key.to_string(),
        received_at: OffsetDateTime::from_unix_timestamp(received_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

struct Writer {
    conn: Conn,
    url: DbUrl,
    signer: NoteSigner,
    origin: String,
    index: Index,
    log: Arc<RwLock<LogView>>,
    integrity: Arc<RwLock<Option<String>>>,
    max_batch: usize,
}

enum Decision {
    New(u64),
    Duplicate(Entry),
    Reject(Rejection),
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            self.process(batch);
        }
        tracing::info!("writer stopped");
    }

    fn process(&mut self, batch: Vec<Job>) {
        let began = Instant::now();
        if let Some(p) = self.integrity.read().expect("lock").clone() {
            for j in batch {
                let _ = j.reply.send(Err(Rejection::new(
                    503,
                    "log_inconsistent",
                    format!("the registry refuses new entries until its log is repaired: {p}"),
                )));
            }
            return;
        }
        let received_at = now_unix();
        let start = self.log.read().expect("log lock").tree.size();
        let mut decisions = Vec::with_capacity(batch.len());
        let mut appended: Vec<usize> = Vec::new();
        let mut leaves = Vec::new();
        for (i, job) in batch.iter().enumerate() {
            let a = &job.accepted;
            let id = a.cert_id_bytes();
            if let Some(e) = self.index.ids.get(&id).copied() {
                // Known id: same envelope (a duplicate) or another signature over the same payload.
                let same = if e.index >= start {
                    leaves.get((e.index - start) as usize) == Some(&a.leaf_hash)
                } else {
                    self.log.read().expect("log lock").tree.leaf(e.index) == Some(a.leaf_hash)
                };
                decisions.push(if same {
                    Decision::Duplicate(e)
                } else {
                    Decision::Reject(Rejection::new(
                        409,
                        "conflicting_envelope",
                        format!(
                            "certificate {} is already stored with a different envelope (other signature bytes)",
                            a.cert_id
                        ),
                    ))
                });
                continue;
            }
            if let Err(r) = self.index.check_journal(a) {
                decisions.push(Decision::Reject(r));
                continue;
            }
            let index = start + leaves.len() as u64;
            self.index.insert(
                a.workshop(),
                a.station(),
                a.seq(),
                Link {
                    cert_id: id,
                    envelope_hash: a.envelope_hash,
                    prev: a.prev(),
                },
                Entry { index, received_at },
            );
            leaves.push(a.leaf_hash);
            appended.push(i);
            decisions.push(Decision::New(index));
        }

        let mut failure: Option<String> = None;
        if !leaves.is_empty() {
            let new_size = start + leaves.len() as u64;
            let signed = {
                let mut view = self.log.write().expect("log lock");
                for l in &leaves {
                    view.tree.push(*l);
                }
                sign(&self.signer, &self.origin, &view.tree, new_size)
            };
            let result = match signed {
                Err(e) => Err(e.to_string()),
                Ok(cp) => {
                    let rows: Vec<(usize, u64)> = appended
                        .iter()
                        .map(|&i| match decisions[i] {
                            Decision::New(idx) => (i, idx),
                            _ => unreachable!("appended entries are new"),
                        })
                        .collect();
                    let res = self.conn.transaction(|c| {
                        for (i, idx) in &rows {
                            c.execute(
                                store::INSERT_CERTIFICATE,
                                &store::certificate_params(&batch[*i].accepted, *idx, received_at),
                            )?;
                        }
                        store::insert_checkpoint(
                            c,
                            &StoredCheckpoint {
                                tree_size: cp.size,
                                root_hash: hex::encode(cp.root),
                                note: cp.note.clone(),
                                created_at: received_at,
                            },
                        )
                    });
                    res.map(|()| cp).map_err(|e| e.to_string())
                }
            };
            match result {
                Ok(cp) => {
                    tracing::debug!(
                        batch = batch.len(),
                        appended = leaves.len(),
                        size = cp.size,
                        micros = began.elapsed().as_micros() as u64,
                        "committed"
                    );
                    self.log.write().expect("log lock").set_checkpoint(cp);
                }
                Err(e) => {
                    tracing::error!(error = %e, entries = leaves.len(), "commit failed; batch refused");
                    self.log.write().expect("log lock").tree.truncate(start);
                    for &i in &appended {
                        self.index.remove(&batch[i].accepted);
                    }
                    failure = Some(e);
                    // The connection may be broken (database restarted): reopen it.
                    if let Ok(mut c) = Conn::open(&self.url) {
                        if c.is_postgres() {
                            // The session lock went with the old connection: take it again,
                            // or stop appending (another registry may have started).
                            let got = c
                                .query_one(PG_LOCK, &[])
                                .ok()
                                .flatten()
                                .is_some_and(|r| r[0] == Value::Int(1));
                            if !got {
                                *self.integrity.write().expect("lock") = Some(
                                    "lost the PostgreSQL lock on reconnecting: another registry may serve this database".into(),
                                );
                            }
                        }
                        self.conn = c;
                    }
                }
            }
        }

        for (job, d) in batch.into_iter().zip(decisions) {
            let failed = |f: &str| unavailable(format!("the certificate could not be stored: {f}"));
            let answer = match (d, failure.as_deref()) {
                (Decision::Reject(r), _) => Err(r),
                (Decision::New(_), Some(f)) => Err(failed(f)),
                (Decision::Duplicate(e), Some(f)) if e.index >= start => Err(failed(f)),
                (Decision::New(index), None) => Ok(Ack {
                    index,
                    received_at,
                    duplicate: false,
                }),
                (Decision::Duplicate(e), _) => Ok(Ack {
                    index: e.index,
                    received_at: e.received_at,
                    duplicate: true,
                }),
            };
            let _ = job.reply.send(answer);
        }
    }
}

/// Opens the database for a CLI command (migrations, key checks), without serving.
pub fn open_for_cli(config: &Config) -> Result<(Conn, NoteSigner), RegistryError> {
    let (conn, signer, _) = open_state(config)?;
    Ok((conn, signer))
}

/// Path helper for docs and messages.
pub fn describe_key_path(config: &Config) -> String {
    config
        .key_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|e| e.to_string())
}
