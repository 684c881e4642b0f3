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

/// The session-level advisory lock one serving process holds on a PostgreSQL database.
pub(crate) const PG_LOCK: &str = "SELECT pg_try_advisory_lock(4242424242)";

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
                    let size = cp.size;
                    first_checkpoint = Some(cp.clone());
                    self.log.write().expect("log lock").set_checkpoint(cp);
                    if let Some(w) = &self.committed {
                        let _ = w.send(size);
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error, entries = rows.len(), "commit failed");
                    self.log.write().expect("log lock").tree.truncate(start);
                    for (i, _) in &rows {
                        self.index.remove(&batch[*i].accepted);
                    }
                    return Err(CommitFailure { error });
                }
            }
        }
        Ok(decisions
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
            .collect())
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
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(reconnect(&self.url, &self.integrity)?),
        };
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
        // Dropping the broken connection ends its session, which releases the lock.
        self.conn = None;
        match reconnect(&self.url, &self.integrity) {
            Ok(c) => {
                self.conn = Some(c);
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "the writer cannot reconnect to the database");
                false
            }
        }
    }
}

/// A new writer connection; on PostgreSQL with the session lock taken again (the server may
/// take a moment to end the old session). Without the lock, appending stops: another
/// registry may have started on the database.
fn reconnect(url: &DbUrl, integrity: &RwLock<Option<String>>) -> Result<Conn, DbError> {
    let mut c = Conn::open(url)?;
    c.set_writer_mode()?;
    if !c.is_postgres() {
        return Ok(c);
    }
    for _ in 0..50 {
        let got = c
            .query_one(PG_LOCK, &[])?
            .is_some_and(|r| r[0] == Value::Int(1));
        if got {
            return Ok(c);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    *integrity.write().expect("lock") = Some(
        "lost the PostgreSQL lock on reconnecting: another registry may serve this database".into(),
    );
    Err(DbError::Other(
        "the PostgreSQL advisory lock is held by another session".into(),
    ))
}
