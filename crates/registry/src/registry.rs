//! The registry's running state: database connections, the station keys, the Merkle log in
//! memory, and the writer thread ([`crate::writer`]) that appends accepted envelopes with
//! group commit.
//!
//! Submissions are verified on the request's task (signature, schema, key) and handed to the
//! one writer thread; each submitter gets its receipt only after the commit returned.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ardoise_cert::merkle::Hash;
use ardoise_cert::note::{verify_checkpoint, NoteSigner, NoteVerifier};
use ardoise_cert::receipt::Receipt;
use ardoise_cert::trust::TrustFile;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::db::{self, Conn, DbError, DbUrl, Value};
pub use crate::incident::{db_unavailable, incident, internal, unavailable};
use crate::journal_index::{Entry, Index, Link};
use crate::log_view::{sign, SignError};
pub use crate::log_view::{LogView, SignedCheckpoint};
use crate::pool::Pool;
use crate::ratelimit::{ConcurrencyLimiter, RateLimiter};
use crate::records::{self, StoredCheckpoint};
use crate::submit::{check_submission, decode_hash, Rejection};
use crate::tree::LogTree;
use crate::writer::{try_lock, Job, PgSession, Writer};

/// How the registry runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the certificates and the log are stored.
    pub db: DbUrl,
    /// The log key file; default: beside the SQLite file (`<db>.log-key`); required for
    /// PostgreSQL.
    pub key_file: Option<PathBuf>,
    /// Log origin (checkpoint first line and key name); default: the one stored at first
    /// start, else [`default_origin`] (unique per registry).
    pub origin: Option<String>,
    /// Bearer token of the admin API; `None` disables it.
    pub admin_token: Option<String>,
    /// Largest request body accepted.
    pub max_body: usize,
    /// Per-station submissions per second, sustained, and burst.
    pub station_rate: f64,
    /// Burst allowed per station above `station_rate`.
    pub station_burst: f64,
    /// Most submissions committed in one transaction.
    pub max_batch: usize,
    /// Whole-request timeout (exports included: a stream still running then is cut).
    pub request_timeout: Duration,
    /// Read connections open at once, and how long a request waits for one (then 503).
    pub pool_size: usize,
    /// How long a request waits for a read connection before 503.
    pub pool_wait: Duration,
    /// Exports streaming at once from one client address (429 above).
    pub exports_per_address: usize,
    /// Witnesses asked to cosign every checkpoint (C2SP tlog-witness).
    pub witnesses: Vec<crate::cosigner::WitnessEndpoint>,
    /// How long a submission waits for the witnesses' cosignatures of its checkpoint before
    /// answering with a receipt that lacks them.
    pub witness_wait: Duration,
    /// The network's minimum quality-control rate (ppm); above 0, certificates must also use
    /// rule `registry-log-v1` (422 otherwise). 0: not enforced. Default
    /// [`DEFAULT_QC_MIN_RATE_PPM`].
    pub qc_min_rate_ppm: u32,
    /// A station with no heartbeat for longer is marked silent on the live page.
    pub live_silent_after: Duration,
}

/// Prefix of the default origin; [`default_origin`] adds a part unique to the registry.
pub const DEFAULT_ORIGIN_PREFIX: &str = "ardoise-registry";

/// The origin a new log gets without `--origin`: unique per registry (witnesses and auditors
/// tell logs apart by origin), derived from the log key: `ardoise-registry/<16 hex digits>`.
pub fn default_origin(seed: &[u8; 32]) -> String {
    let public = ed25519_dalek::SigningKey::from_bytes(seed).verifying_key();
    let digest = blake3::hash(public.as_bytes()).to_hex();
    format!("{DEFAULT_ORIGIN_PREFIX}/{}", &digest[..16])
}

/// The network's minimum quality-control rate unless configured otherwise: 50,000 ppm (5 %,
/// R2v3's minimum and what stations write by default). Enforced by default because a
/// registry that takes rule `blake3-key-seq-v1` or `none` lets a station know, before it
/// erases, which disks will be checked; 0 turns the check off (a registry that must also take
/// certificates made before the registry drew the selection).
pub const DEFAULT_QC_MIN_RATE_PPM: u32 = 50_000;

/// Largest request body accepted by default (4 MiB).
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;

impl Config {
    /// The defaults, storing in `db`.
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
            pool_size: crate::pool::DEFAULT_POOL_SIZE,
            pool_wait: crate::pool::DEFAULT_POOL_WAIT,
            exports_per_address: 2,
            witnesses: Vec::new(),
            witness_wait: Duration::from_secs(2),
            qc_min_rate_ppm: DEFAULT_QC_MIN_RATE_PPM,
            live_silent_after: Duration::from_secs(60),
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

/// Why [`Registry::receipt_for`] could not build a receipt.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// Reading the first checkpoint that included the entry failed.
    #[error("{0}")]
    Db(#[from] DbError),
    /// The inclusion proof could not be computed.
    #[error("{0}")]
    Proof(#[from] ardoise_cert::merkle::MerkleError),
    /// The entry is still not under the published checkpoint after waiting.
    #[error("entry {0} is not covered by a checkpoint")]
    NotCovered(u64),
}

/// Why the registry could not start or complete an operation.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A configuration value is missing or inconsistent.
    #[error("{0}")]
    Config(String),
    /// A database error.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The log key file could not be read or created.
    #[error(transparent)]
    Key(#[from] crate::signing::KeyFileError),
    /// The stored log does not match its signed state.
    #[error("{0}")]
    Integrity(String),
    /// Another registry already serves this database (its lock file is held), or the lock
    /// file could not be opened.
    #[error("{0}")]
    Locked(String),
}

impl From<SignError> for RegistryError {
    fn from(e: SignError) -> Self {
        match e {
            SignError::Tree(m) => RegistryError::Integrity(m),
            SignError::Note(m) => RegistryError::Config(m),
        }
    }
}

/// A submission's result.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The receipt (for a duplicate: the one of the first submission).
    pub receipt: Receipt,
    /// True when the same certificate was already stored; nothing was added.
    pub duplicate: bool,
}

/// The registry.
pub struct Registry {
    /// How it runs.
    pub config: Config,
    /// The log origin in use (checkpoint first line and key name).
    pub origin: String,
    /// Verifier of the log key (the audit checks the stored checkpoints with it).
    pub verifier: NoteVerifier,
    /// Signs receipt statements (the log key; checkpoints are signed by the writer).
    signer: NoteSigner,
    vkey: String,
    /// Read connections.
    pub pool: Pool,
    trust: RwLock<Arc<TrustFile>>,
    tokens: RwLock<Arc<crate::auth::Tokens>>,
    keys_version: AtomicI64,
    keys_checked: Mutex<Instant>,
    /// When a refused submission last made the registry re-read the keys: at most one such
    /// database query per [`KEY_RELOAD_WINDOW`], however many unknown keys arrive.
    key_reload_after_refusal: Mutex<Option<Instant>>,
    /// Database reads of the keys caused by refused submissions (for tests and health).
    pub key_reloads: AtomicU64,
    /// The Merkle log and its latest signed checkpoint, shared with the writer.
    pub log: Arc<RwLock<LogView>>,
    /// `Some(problem)` when the stored log does not match its signed checkpoints: the
    /// registry then refuses to append (it must never sign a checkpoint inconsistent with
    /// an earlier one).
    pub integrity: Arc<RwLock<Option<String>>>,
    writer: mpsc::Sender<Job>,
    /// The newest size the witnesses were asked about (cosigned or refused).
    cosigned: tokio::sync::watch::Receiver<u64>,
    limiter: RateLimiter,
    /// Exports streaming at once per client address.
    pub exports: ConcurrencyLimiter,
    /// The report of the latest log audit (None until the first one ends).
    pub last_audit: Mutex<Option<crate::audit::AuditReport>>,
    /// The last progress heartbeat of every station (memory only).
    pub live: crate::live::LiveBoard,
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
    crate::records::machines::backfill(&mut conn)?;
    let key_path = config.key_path()?;
    let (seed, created) = crate::signing::load_or_create(&key_path)?;
    if created {
        tracing::info!(path = %key_path.display(), "generated a new registry log key");
    }
    let stored_origin = records::meta_get(&mut conn, "origin")?;
    let origin = match (&config.origin, &stored_origin) {
        (Some(o), Some(s)) if o != s => {
            return Err(RegistryError::Config(format!(
                "this database's log origin is {s:?}, not {o:?}: the origin cannot change"
            )))
        }
        (Some(o), _) => o.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => default_origin(&seed),
    };
    let signer = NoteSigner::new(&origin, &seed)
        .map_err(|e| RegistryError::Config(format!("origin {origin:?}: {e}")))?;
    let vkey = signer.verifier().to_vkey();
    match records::meta_get(&mut conn, "log_key")? {
        Some(k) if k != vkey => {
            return Err(RegistryError::Config(format!(
                "{} is not this database's log key (the database was signed by {k}); give the right --key-file",
                key_path.display()
            )))
        }
        Some(_) => {}
        None => {
            conn.transaction(|c| {
                records::meta_set(c, "origin", &origin)?;
                records::meta_set(c, "log_key", &vkey)
            })?;
        }
    }
    Ok((conn, signer, origin))
}

/// What gives one serving process the database to itself: the SQLite lock file held, or the
/// PostgreSQL session that took the advisory lock.
enum DatabaseLock {
    File(std::fs::File),
    Session(PgSession),
}

/// Exclusive use of the database by one serving process.
fn lock_database(config: &Config, conn: &mut Conn) -> Result<DatabaseLock, RegistryError> {
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
                Ok(()) => Ok(DatabaseLock::File(f)),
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
                if let Some(session) = try_lock(conn)? {
                    return Ok(DatabaseLock::Session(session));
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
    let latest = records::latest_checkpoint(conn)?;
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

/// The empty log's checkpoint, signed and stored at first start, so that auditors have a
/// first state to start from.
fn sign_empty_log(
    conn: &mut Conn,
    signer: &NoteSigner,
    origin: &str,
    tree: &LogTree,
) -> Result<SignedCheckpoint, RegistryError> {
    let cp = sign(signer, origin, tree, 0)?;
    records::insert_checkpoint(
        conn,
        &StoredCheckpoint {
            tree_size: 0,
            root_hash: hex::encode(cp.root),
            note: cp.note.clone(),
            created_at: now_unix(),
        },
    )?;
    Ok(cp)
}

/// Starts the SQLite WAL checkpoint thread; it stops when `log` (the registry) is dropped.
fn spawn_wal_checkpoints(
    url: &DbUrl,
    path: &std::path::Path,
    log: &Arc<RwLock<LogView>>,
) -> Result<(), RegistryError> {
    // WAL checkpoints on their own connection and thread, every half second, until
    // the registry is dropped; past WAL_LIMIT bytes the WAL is emptied.
    const WAL_LIMIT: u64 = 128 << 20;
    let weak = Arc::downgrade(log);
    let url = url.clone();
    let mut wal = path.as_os_str().to_os_string();
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
    Ok(())
}

/// Starts the writer thread (and the witness cosigner, when there are witnesses); returns
/// the writer's queue and the newest size the witnesses were asked about.
fn start_writer(
    config: &Config,
    mut writer: Writer,
    known: HashMap<String, u64>,
    log: &Arc<RwLock<LogView>>,
) -> Result<(mpsc::Sender<Job>, tokio::sync::watch::Receiver<u64>), RegistryError> {
    let (tx, rx) = mpsc::channel::<Job>(4096);
    let (done_tx, cosigned) = tokio::sync::watch::channel(0u64);
    if !config.witnesses.is_empty() {
        let (tx, committed) = std::sync::mpsc::channel();
        // A first round at start: the witnesses learn the current checkpoint.
        let _ = tx.send(0);
        writer.committed = Some(tx);
        crate::cosigner::spawn(
            config.witnesses.clone(),
            known,
            log.clone(),
            config.db.clone(),
            committed,
            done_tx,
        )
        .map_err(|e| RegistryError::Config(format!("cannot start the cosigner: {e}")))?;
    }
    std::thread::Builder::new()
        .name("registry-writer".into())
        .spawn(move || writer.run(rx))
        .map_err(|e| RegistryError::Config(format!("cannot start the writer thread: {e}")))?;
    Ok((tx, cosigned))
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
            checkpoint = Some(sign_empty_log(&mut conn, &signer, &origin, &tree)?);
        }
        let trust = records::load_trust(&mut conn)?;
        let tokens = crate::auth::Tokens::load(&mut conn, config.admin_token.as_deref())?;
        let keys_version = records::keys_version(&mut conn)?;
        let mut view = LogView {
            tree,
            ..Default::default()
        };
        if let Some(cp) = checkpoint {
            view.set_checkpoint(cp);
        }
        let (known, recent) = crate::cosigner::load_recent(&mut conn)?;
        view.cosignatures = recent;
        let log = Arc::new(RwLock::new(view));
        let integrity = Arc::new(RwLock::new(problem));
        conn.set_writer_mode()?;
        if let DbUrl::Sqlite(path) = &config.db {
            spawn_wal_checkpoints(&config.db, path, &log)?;
        }
        let statement_signer = signer.clone();
        let (lock, lock_session) = match lock {
            DatabaseLock::File(f) => (Some(f), None),
            DatabaseLock::Session(s) => (None, Some(s)),
        };
        let writer = Writer {
            conn: Some(conn),
            lock_session,
            url: config.db.clone(),
            signer,
            origin: origin.clone(),
            index,
            log: log.clone(),
            integrity: integrity.clone(),
            max_batch: config.max_batch.max(1),
            committed: None,
        };
        let (tx, cosigned) = start_writer(&config, writer, known, &log)?;
        Ok(Arc::new(Registry {
            limiter: RateLimiter::new(config.station_rate, config.station_burst),
            exports: ConcurrencyLimiter::new(config.exports_per_address),
            pool: Pool::with_limits(config.db.clone(), config.pool_size, config.pool_wait),
            config,
            origin,
            vkey: verifier.to_vkey(),
            verifier,
            signer: statement_signer,
            trust: RwLock::new(Arc::new(trust)),
            tokens: RwLock::new(Arc::new(tokens)),
            keys_version: AtomicI64::new(keys_version),
            keys_checked: Mutex::new(Instant::now()),
            key_reload_after_refusal: Mutex::new(None),
            key_reloads: AtomicU64::new(0),
            log,
            integrity,
            writer: tx,
            cosigned,
            last_audit: Mutex::new(None),
            live: crate::live::LiveBoard::default(),
            _lock: lock,
        }))
    }

    /// The station keys in force (reloaded from the database when they change).
    pub fn trust(&self) -> Arc<TrustFile> {
        self.trust.read().expect("trust lock").clone()
    }

    /// The access tokens in force.
    pub fn tokens(&self) -> Arc<crate::auth::Tokens> {
        self.tokens.read().expect("tokens lock").clone()
    }

    /// Reloads the station keys and access tokens when another process (or the admin API)
    /// changed them (blocking).
    pub fn refresh_keys(&self) -> Result<bool, DbError> {
        *self.keys_checked.lock().expect("lock") = Instant::now();
        let admin = self.config.admin_token.as_deref();
        let (v, loaded) = self.pool.with(|c| {
            let v = records::keys_version(c)?;
            if v == self.keys_version.load(Ordering::SeqCst) {
                return Ok((v, None));
            }
            let trust = records::load_trust(c)?;
            let tokens = crate::auth::Tokens::load(c, admin)?;
            Ok((v, Some((trust, tokens))))
        })?;
        match loaded {
            Some((trust, tokens)) => {
                *self.trust.write().expect("trust lock") = Arc::new(trust);
                *self.tokens.write().expect("tokens lock") = Arc::new(tokens);
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
        let accepted = self
            .judge_with_fresh_keys(|trust| check_submission(body, max, trust, now))
            .await?;
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
        let min = self.config.qc_min_rate_ppm;
        if min > 0 {
            check_qc_policy(&accepted.certificate.qc, min)?;
        }
        let cert_id = accepted.cert_id.clone();
        let qc = accepted.certificate.qc.clone();
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Job { accepted, reply })
            .await
            .map_err(|_| unavailable("the registry is shutting down".into()))?;
        let ack = rx
            .await
            .map_err(|_| unavailable("the writer stopped".into()))??;
        if !self.config.witnesses.is_empty() {
            // Give the witnesses a moment to cosign the checkpoint that includes the entry,
            // so that the receipt carries their cosignatures.
            let mut done = self.cosigned.clone();
            let _ =
                tokio::time::timeout(self.config.witness_wait, done.wait_for(|s| *s > ack.index))
                    .await;
        }
        let first = match ack.first_checkpoint {
            Some(cp) => Some(cp),
            // A duplicate: the first checkpoint that included it back then.
            None => {
                let me = self.clone();
                let index = ack.index;
                tokio::task::spawn_blocking(move || {
                    me.pool
                        .with(|c| crate::receipts::first_checkpoint_including(c, index))
                })
                .await
                .map_err(|e| internal(&e))?
                .map_err(|e| db_unavailable(&e))?
            }
        };
        let entry = crate::receipts::Entry {
            cert_id: &cert_id,
            index: ack.index,
            received_at: ack.received_at,
            qc: Some(&qc),
        };
        let view = self.log.read().expect("log lock");
        let statement = first
            .as_ref()
            .and_then(|f| crate::receipts::statement(&self.signer, &view, &entry, f));
        let receipt = crate::receipts::build_receipt(&view, &entry, &self.vkey, statement)
            .map_err(|e| internal(&e))?;
        Ok(Stored {
            receipt,
            duplicate: ack.duplicate,
        })
    }

    /// A fresh receipt for a stored certificate, against the latest checkpoint, with the
    /// registry's statement (blocking: reads the first checkpoint that included it).
    pub fn receipt_for(&self, s: &records::Stored) -> Result<Receipt, ReceiptError> {
        let index = s.summary.log_index;
        let qc = ardoise_cert::envelope::Envelope::parse(s.envelope.as_bytes())
            .ok()
            .and_then(|e| ardoise_cert::validate::parse_payload(&e.payload).ok())
            .map(|c| c.qc);
        let first = self
            .pool
            .with(|c| crate::receipts::first_checkpoint_including(c, index))?;
        let entry = crate::receipts::Entry {
            cert_id: &s.summary.cert_id,
            index,
            received_at: s.received_at_unix,
            qc: qc.as_ref(),
        };
        // A row committed a moment ago may not be covered by the published checkpoint yet.
        for _ in 0..2000 {
            {
                let view = self.log.read().expect("log lock");
                if view.checkpoint.as_ref().is_some_and(|cp| index < cp.size) {
                    let statement = first
                        .as_ref()
                        .and_then(|f| crate::receipts::statement(&self.signer, &view, &entry, f));
                    return Ok(crate::receipts::build_receipt(
                        &view, &entry, &self.vkey, statement,
                    )?);
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Err(ReceiptError::NotCovered(index))
    }

    /// When the station keys were last compared with the database.
    pub fn keys_checked_ago(&self) -> Duration {
        self.keys_checked.lock().expect("lock").elapsed()
    }

    /// Whether a refused submission may re-read the keys now: the first in each
    /// [`KEY_RELOAD_WINDOW`] does, the others are judged on the keys in memory (the background
    /// refresh still runs every 2 s), so that a flood of unknown keys costs no query each.
    /// Judges a signed request (a submission, a heartbeat) with the registered station keys.
    /// A refusal that depends on them (unknown key, key not valid) is judged again with the
    /// keys re-read from the database — the key may have been registered a moment ago by
    /// another process — at most once per [`KEY_RELOAD_WINDOW`] for the whole registry, so
    /// that floods of unknown keys cost no query. Within the window, an unknown key (another
    /// request's re-read may still be running, or have started before the key was added) is a
    /// 503 to retry, never a final 401: a station registered a moment ago is never told its
    /// key is unknown.
    pub(crate) async fn judge_with_fresh_keys<T>(
        self: &Arc<Self>,
        check: impl Fn(&TrustFile) -> Result<T, Rejection>,
    ) -> Result<T, Rejection> {
        let version = self.keys_version.load(Ordering::SeqCst);
        let first = check(&self.trust());
        match &first {
            Err(r) if r.depends_on_keys() => {}
            _ => return first,
        }
        if self.keys_version.load(Ordering::SeqCst) != version {
            // Another request re-read newer keys since this one read them.
            return check(&self.trust());
        }
        if self.may_reload_keys() {
            self.key_reloads.fetch_add(1, Ordering::Relaxed);
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.refresh_keys())
                .await
                .map_err(|e| internal(&e))?
                .map_err(|e| db_unavailable(&e))?;
            return check(&self.trust());
        }
        let refused = match first {
            // A key the keys in memory know, judged not valid: re-reading could only matter
            // if its entry were edited, which the background refresh picks up.
            Err(r) if r.error != "unknown_key" => return Err(r),
            Err(r) => r.message,
            Ok(_) => unreachable!("only refusals get here"),
        };
        Err(Rejection::new(
            503,
            "keys_reloading",
            format!(
                "{refused}; the registry re-reads its station keys at most once every {} ms and did so a moment ago: retry",
                KEY_RELOAD_WINDOW.as_millis()
            ),
        ))
    }

    pub(crate) fn may_reload_keys(&self) -> bool {
        let mut last = self.key_reload_after_refusal.lock().expect("lock");
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < KEY_RELOAD_WINDOW) {
            return false;
        }
        *last = Some(now);
        true
    }
}

/// The network's quality-control rule: selection by the registry's log (rule
/// `registry-log-v1`, which the station cannot compute before it erases) at no less than
/// `min_ppm`.
pub fn check_qc_policy(qc: &ardoise_cert::payload::Qc, min_ppm: u32) -> Result<(), Rejection> {
    use ardoise_cert::payload::QC_RULE_LOG_V1;
    if qc.rule != QC_RULE_LOG_V1 {
        return Err(Rejection::new(
            422,
            "invalid_certificate",
            format!(
                "qc.rule is {:?}: this registry requires {QC_RULE_LOG_V1} (a selection the station cannot compute before it erases)",
                qc.rule
            ),
        )
        .field("qc.rule"));
    }
    if qc.rate_ppm < min_ppm {
        return Err(Rejection::new(
            422,
            "invalid_certificate",
            format!(
                "qc.rate_ppm is {}: the network's minimum quality-control rate is {min_ppm} ppm",
                qc.rate_ppm
            ),
        )
        .field("qc.rate_ppm"));
    }
    Ok(())
}

/// See [`Registry::may_reload_keys`].
pub const KEY_RELOAD_WINDOW: Duration = Duration::from_secs(1);

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
