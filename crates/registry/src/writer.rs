//! The writer thread: group commit of verified submissions.
//!
//! It takes every submission waiting (up to `max_batch`), applies the rules that depend on
//! what is stored (duplicate, journal continuity), appends the accepted ones to the tree,
//! signs a checkpoint for the new size, and writes rows and checkpoint in **one
//! transaction**. Only after the commit returns does any submitter get its answer.
//!
//! When a commit fails, the appends are undone in memory, the connection is checked (a
//! broken one is dropped *before* reconnecting, so that the PostgreSQL session lock it held
//! is released and can be taken again), and a batch of several entries is committed again
//! one entry at a time: only the submissions whose own commit fails are refused, and a
//! value the database refuses (SQLSTATE class 22) is a final 422, not a retry loop.
//!
//! A commit whose answer is lost with its connection may have been committed all the same:
//! after reconnecting, the writer looks for the checkpoint it signed for that commit (written
//! in the same transaction) and, finding it stored, answers the batch as stored.
//!
//! A connection lost on the way (a network cut, a firewall dropping an idle flow) can leave
//! its server session alive and holding the lock: the server has not seen the client go.
//! The writer remembers which session took the lock ([`PgSession`]: backend pid and start
//! time) and, finding that very session still holding it after reconnecting, ends it with
//! `pg_terminate_backend` before taking the lock again; a lock held by any other session is
//! another registry's, and appending stops. TCP keepalives on both ends (the URL's
//! defaults in [`crate::pg_tls`], the session's `tcp_keepalives_*` set in
//! [`Conn::set_writer_mode`]) make such half-dead connections end by themselves as well.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use ardoise_cert::note::NoteSigner;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::db::{Conn, DbError, DbUrl, Value};
use crate::incident::incident;
use crate::journal_index::{Entry, Index, Link};
use crate::log_view::{sign, LogView, SignedCheckpoint};
use crate::records::{self, StoredCheckpoint};
use crate::submit::{Accepted, Rejection};

/// Tries the session-level advisory lock one serving process holds on a PostgreSQL database;
/// also names the session (see [`PgSession`]).
const PG_LOCK: &str = "SELECT pg_try_advisory_lock(4242424242), pg_backend_pid(), (SELECT (extract(epoch FROM backend_start) * 1000000)::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid())";

/// The session that holds that lock in this database, if any. A bigint advisory key is shown
/// in `pg_locks` as `classid` (high 32 bits), `objid` (low 32 bits), `objsubid` 1.
const PG_LOCK_HOLDER: &str = "SELECT l.pid, (extract(epoch FROM a.backend_start) * 1000000)::bigint FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid::bigint = 0 AND l.objid::bigint = 4242424242 AND l.objsubid = 1";

/// How long a new connection waits for the lock (a session that was ended, or that the
/// server is ending, releases it within moments).
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// A PostgreSQL server session, named by its backend pid and start time (microseconds since
/// 1970, as a number so that no session setting changes its text): the pid alone could be
/// reused by a later session (another registry's) once the first one is gone. The start time
/// of another role's session is hidden (None), so such a session never matches ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PgSession {
    pid: i64,
    started: Option<i64>,
}

/// Takes the writer's lock on connection `c` if it is free: `Ok(Some(session))` when this
/// connection's session now holds it, `Ok(None)` when another session does.
pub(crate) fn try_lock(c: &mut Conn) -> Result<Option<PgSession>, DbError> {
    let Some(r) = c.query_one(PG_LOCK, &[])? else {
        return Ok(None);
    };
    if r[0] != Value::Int(1) {
        return Ok(None);
    }
    Ok(Some(PgSession {
        pid: r[1].int()?,
        started: opt_int(&r[2])?,
    }))
}

fn opt_int(v: &Value) -> Result<Option<i64>, DbError> {
    match v {
        Value::Null => Ok(None),
        v => v.int().map(Some),
    }
}

/// The session holding the writer's lock, seen from connection `c`.
fn lock_holder(c: &mut Conn) -> Result<Option<PgSession>, DbError> {
    c.query_one(PG_LOCK_HOLDER, &[])?
        .map(|r| {
            Ok(PgSession {
                pid: r[0].int()?,
                started: opt_int(&r[1])?,
            })
        })
        .transpose()
}

/// The writer's answer: where the entry is. The receipt is built by the submitter's task
/// (in parallel), against the checkpoint the commit published.
pub(crate) struct Ack {
    pub index: u64,
    pub received_at: i64,
    pub duplicate: bool,
    /// For a new entry: the checkpoint its commit signed (the first that includes it).
    pub first_checkpoint: Option<SignedCheckpoint>,
}

pub(crate) struct Job {
    pub accepted: Accepted,
    pub reply: oneshot::Sender<Result<Ack, Rejection>>,
}

pub(crate) struct Writer {
    /// `None` after a failed reconnection: the next batch tries again.
    pub conn: Option<Conn>,
    /// On PostgreSQL, the session that took the lock last (kept after the connection is
    /// lost, to recognise that session if the server still keeps it).
    pub lock_session: Option<PgSession>,
    pub url: DbUrl,
    pub signer: NoteSigner,
    pub origin: String,
    pub index: Index,
    pub log: Arc<RwLock<LogView>>,
    pub integrity: Arc<RwLock<Option<String>>>,
    pub max_batch: usize,
    /// Told the size of every checkpoint committed (the witness cosigner listens).
    pub committed: Option<std::sync::mpsc::Sender<u64>>,
}

enum Decision {
    New(u64),
    Duplicate(Entry),
    Reject(Rejection),
}

/// Why a commit failed, and what the submitters of the entries it carried are told.
struct CommitFailure {
    error: DbError,
}

impl CommitFailure {
    fn rejection(&self) -> Rejection {
        if self.error.is_data_error() {
            Rejection::new(
                422,
                "invalid_certificate",
                "the database cannot store a value of this certificate",
            )
        } else {
            let id = incident(&self.error);
            Rejection::new(
                503,
                "unavailable",
                format!("the certificate could not be stored; retry later (incident {id})"),
            )
        }
    }
}

fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

impl Writer {
    pub fn run(mut self, mut rx: mpsc::Receiver<Job>) {
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
        let answers = match self.append(&batch) {
            Ok(answers) => answers,
            Err(failure) => {
                let healthy = self.recover_connection();
                if healthy && batch.len() > 1 {
                    // Commit each alone: only the submissions that make a commit fail are
                    // refused.
                    for job in batch {
                        self.process(vec![job]);
                    }
                    return;
                }
                let r = failure.rejection();
                batch.iter().map(|_| Err(r.clone())).collect()
            }
        };
        for (job, answer) in batch.into_iter().zip(answers) {
            let _ = job.reply.send(answer);
        }
    }

    /// Decides every job of the batch, appends the new entries and commits them; on a failed
    /// commit, memory is as before and the error is returned.
    fn append(&mut self, batch: &[Job]) -> Result<Vec<Result<Ack, Rejection>>, CommitFailure> {
        let began = Instant::now();
        let received_at = now_unix();
        let start = self.log.read().expect("log lock").tree.size();
        let decisions = self.decide(batch, start, received_at);
        let rows: Vec<(usize, u64)> = decisions
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match d {
                Decision::New(index) => Some((i, *index)),
                _ => None,
            })
            .collect();
        let mut first_checkpoint = None;
        if !rows.is_empty() {
            match self.commit(batch, &rows, start, received_at) {
                Ok(cp) => {
                    tracing::debug!(
                        batch = batch.len(),
                        appended = rows.len(),
                        size = cp.size,
                        micros = began.elapsed().as_micros() as u64,
                        "committed"
                    );
                    first_checkpoint = Some(self.publish(cp));
                }
                Err(error) => {
                    tracing::error!(error = %error, entries = rows.len(), "commit failed");
                    if let Some(cp) = self.landed_anyway(start + rows.len() as u64) {
                        // The answer was lost, not the commit: the entries are stored.
                        tracing::warn!(
                            size = cp.size,
                            "the failed commit had reached the database; answering as stored"
                        );
                        let cp = self.publish(cp);
                        return Ok(self.answers(decisions, received_at, Some(cp)));
                    }
                    self.log.write().expect("log lock").tree.truncate(start);
                    for (i, _) in &rows {
                        self.index.remove(&batch[*i].accepted);
                    }
                    return Err(CommitFailure { error });
                }
            }
        }
        Ok(self.answers(decisions, received_at, first_checkpoint))
    }

    /// Makes a committed checkpoint the log's latest (and tells the cosigner); returns it.
    fn publish(&mut self, cp: SignedCheckpoint) -> SignedCheckpoint {
        let size = cp.size;
        self.log
            .write()
            .expect("log lock")
            .set_checkpoint(cp.clone());
        if let Some(w) = &self.committed {
            let _ = w.send(size);
        }
        cp
    }

    /// What each submitter of a batch whose new entries are stored is told.
    fn answers(
        &self,
        decisions: Vec<Decision>,
        received_at: i64,
        first_checkpoint: Option<SignedCheckpoint>,
    ) -> Vec<Result<Ack, Rejection>> {
        decisions
            .into_iter()
            .map(|d| match d {
                Decision::Reject(r) => Err(r),
                Decision::New(index) => Ok(Ack {
                    index,
                    received_at,
                    duplicate: false,
                    first_checkpoint: first_checkpoint.clone(),
                }),
                Decision::Duplicate(e) => Ok(Ack {
                    index: e.index,
                    received_at: e.received_at,
                    duplicate: true,
                    first_checkpoint: None,
                }),
            })
            .collect()
    }

    /// After a failed commit of the tree grown to `size` (its checkpoint signed, not yet
    /// published): whether the transaction was committed all the same, its answer lost with
    /// the connection. The checkpoint row for `size` is written in that transaction, and no
    /// other can hold the same signed note (the tree of that size and its root are this
    /// one's), so finding it stored means every row of the batch is. Without this check the
    /// entries would be appended again at the same positions and every later commit would
    /// fail on the stored rows until a restart.
    fn landed_anyway(&mut self, size: u64) -> Option<SignedCheckpoint> {
        let mine = {
            let view = self.log.read().expect("log lock");
            sign(&self.signer, &self.origin, &view.tree, size).ok()?
        };
        if !self.recover_connection() {
            return None;
        }
        let stored = records::checkpoint_at(self.conn.as_mut()?, size).ok()??;
        (stored.note == mine.note).then_some(mine)
    }

    /// Duplicate and journal rules for each job; new entries go into the index.
    fn decide(&mut self, batch: &[Job], start: u64, received_at: i64) -> Vec<Decision> {
        let mut decisions = Vec::with_capacity(batch.len());
        let mut leaves = Vec::new();
        for job in batch {
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
            let link = Link {
                cert_id: id,
                envelope_hash: a.envelope_hash,
                prev: a.prev(),
            };
            let entry = Entry { index, received_at };
            self.index
                .insert(a.workshop(), a.station(), a.seq(), link, entry);
            leaves.push(a.leaf_hash);
            decisions.push(Decision::New(index));
        }
        decisions
    }

    /// Appends the new rows' leaves, signs the checkpoint of the new size and writes rows and
    /// checkpoint in one transaction. The caller undoes the appends on error.
    fn commit(
        &mut self,
        batch: &[Job],
        rows: &[(usize, u64)],
        start: u64,
        received_at: i64,
    ) -> Result<SignedCheckpoint, DbError> {
        let new_size = start + rows.len() as u64;
        let cp = {
            let mut view = self.log.write().expect("log lock");
            for (i, _) in rows {
                view.tree.push(batch[*i].accepted.leaf_hash);
            }
            sign(&self.signer, &self.origin, &view.tree, new_size)
                .map_err(|e| DbError::Other(e.to_string()))?
        };
        if self.conn.is_none() {
            self.reconnect()?;
        }
        let conn = self.conn.as_mut().expect("connected just above");
        conn.transaction(|c| {
            for (i, idx) in rows {
                c.execute(
                    records::INSERT_CERTIFICATE,
                    &records::certificate_params(&batch[*i].accepted, *idx, received_at),
                )?;
                let a = &batch[*i].accepted;
                c.execute(
                    crate::records::machines::INSERT,
                    &crate::records::machines::params(&a.certificate, &a.cert_id, *idx),
                )?;
            }
            records::insert_checkpoint(
                c,
                &StoredCheckpoint {
                    tree_size: cp.size,
                    root_hash: hex::encode(cp.root),
                    note: cp.note.clone(),
                    created_at: received_at,
                },
            )
        })?;
        Ok(cp)
    }

    /// After a failed commit: keeps the connection when it still answers (with it the
    /// PostgreSQL session and its advisory lock); otherwise drops it first, then reconnects
    /// and takes the lock again. Returns whether a working connection is at hand.
    fn recover_connection(&mut self) -> bool {
        if let Some(c) = &mut self.conn {
            if c.query_one("SELECT 1", &[]).is_ok() {
                return true;
            }
        }
        // Dropping the broken connection ends its session when the server sees it go, which
        // releases the lock; `reconnect` deals with a server that does not.
        self.conn = None;
        match self.reconnect() {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "the writer cannot reconnect to the database");
                false
            }
        }
    }

    /// A new writer connection; on PostgreSQL with the session lock taken again. The old
    /// session may still hold it: the server may take a moment to end it, or may not know
    /// that its client is gone (the connection was cut on the way), in which case it is ended
    /// here. A lock held by another session means another registry may have started on the
    /// database: appending stops (`integrity` set).
    fn reconnect(&mut self) -> Result<(), DbError> {
        let mut c = Conn::open(&self.url)?;
        c.set_writer_mode()?;
        if !c.is_postgres() {
            self.conn = Some(c);
            return Ok(());
        }
        let began = Instant::now();
        let mut ended = false;
        loop {
            if let Some(session) = try_lock(&mut c)? {
                self.lock_session = Some(session);
                self.conn = Some(c);
                return Ok(());
            }
            if began.elapsed() >= LOCK_WAIT {
                break;
            }
            // Ours only when pid and start time both match (a hidden start time never does).
            let ours = lock_holder(&mut c)?
                .filter(|h| h.started.is_some() && Some(h) == self.lock_session.as_ref());
            if let (false, Some(old)) = (ended, ours) {
                tracing::warn!(
                    pid = old.pid,
                    "the writer's previous PostgreSQL session still holds the lock (its connection was lost on the way); ending it"
                );
                // Its transaction, if one was open, is rolled back: it was never acknowledged.
                if let Err(e) =
                    c.query_one("SELECT pg_terminate_backend(?)", &[Value::Int(old.pid)])
                {
                    tracing::error!(error = %e, pid = old.pid, "could not end the previous session; waiting for the server to drop it");
                }
                ended = true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        *self.integrity.write().expect("lock") = Some(
            "lost the PostgreSQL lock on reconnecting: another registry may serve this database"
                .into(),
        );
        Err(DbError::Other(
            "the PostgreSQL advisory lock is held by another session".into(),
        ))
    }
}
