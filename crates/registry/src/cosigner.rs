//! The registry's side of witnessing (C2SP tlog-witness): after each commit, its newest
//! checkpoint goes to every witness it is configured with, with a consistency proof from
//! the size that witness last cosigned; the cosignatures that come back are checked with the
//! witness's key, stored (table `cosignatures`) and handed out with the checkpoint and with
//! receipts. A witness that is down delays nothing but its own cosignature; it is tried
//! again at the next commit, or after 30 s.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ardoise_cert::cosign::{self, WitnessVerifier};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::db::{Conn, DbError, DbUrl, Value};
use crate::log_view::LogView;

/// A witness the registry asks for cosignatures.
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// Submission prefix, e.g. `http://witness.example:8081` (`/add-checkpoint` is added).
    pub url: String,
    /// Key the witness's cosignatures must verify against.
    pub key: WitnessVerifier,
}

/// Why a `--witness URL,VKEY` value was refused.
#[derive(Debug, thiserror::Error)]
pub enum WitnessEndpointError {
    /// No comma between the URL and the key.
    #[error("{0:?}: expected URL,WITNESS-VKEY")]
    NoComma(String),
    /// The URL is not http:// or https://.
    #[error("{0:?} is not an http(s) URL")]
    NotHttp(String),
    /// The witness's verifier key does not parse.
    #[error("{vkey:?}: {source}")]
    Key {
        /// The key as given.
        vkey: String,
        /// Why it was refused.
        source: ardoise_cert::note::NoteError,
    },
}

impl WitnessEndpoint {
    /// `URL,VKEY` (the command line's `--witness`).
    pub fn parse(s: &str) -> Result<WitnessEndpoint, WitnessEndpointError> {
        let (url, vkey) = s
            .split_once(',')
            .ok_or_else(|| WitnessEndpointError::NoComma(s.to_string()))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(WitnessEndpointError::NotHttp(url.to_string()));
        }
        let key = WitnessVerifier::from_vkey(vkey).map_err(|source| WitnessEndpointError::Key {
            vkey: vkey.to_string(),
            source,
        })?;
        Ok(WitnessEndpoint {
            url: url.trim_end_matches('/').to_string(),
            key,
        })
    }
}

/// Cosignatures kept in memory per checkpoint size (the newest sizes only).
const KEPT_SIZES: usize = 64;

/// Stores a witness's cosignature line for a checkpoint size.
pub fn store_cosignature(
    c: &mut Conn,
    size: u64,
    witness: &str,
    line: &str,
    now: i64,
) -> Result<(), DbError> {
    c.execute(
        "DELETE FROM cosignatures WHERE tree_size = ? AND witness = ?",
        &[Value::Int(size as i64), witness.into()],
    )?;
    c.execute(
        "INSERT INTO cosignatures (tree_size, witness, signature, received_at) VALUES (?, ?, ?, ?)",
        &[
            Value::Int(size as i64),
            witness.into(),
            line.into(),
            Value::Int(now),
        ],
    )?;
    Ok(())
}

/// The cosignature lines stored for one checkpoint size.
pub fn cosignatures_at(c: &mut Conn, size: u64) -> Result<Vec<String>, DbError> {
    c.query(
        "SELECT signature FROM cosignatures WHERE tree_size = ? ORDER BY witness",
        &[Value::Int(size as i64)],
    )?
    .iter()
    .map(|r| r[0].text())
    .collect()
}

/// Newest size each witness cosigned, by witness name.
pub type WitnessSizes = HashMap<String, u64>;
/// Cosignature lines by checkpoint size.
pub type LinesBySize = HashMap<u64, Vec<String>>;

/// The newest cosigned size of each witness, and the lines of the newest sizes (at start).
pub fn load_recent(c: &mut Conn) -> Result<(WitnessSizes, LinesBySize), DbError> {
    let mut last = HashMap::new();
    for r in c.query(
        "SELECT witness, MAX(tree_size) FROM cosignatures GROUP BY witness",
        &[],
    )? {
        last.insert(r[0].text()?, r[1].int()? as u64);
    }
    let mut lines: HashMap<u64, Vec<String>> = HashMap::new();
    for r in c.query(
        "SELECT tree_size, signature FROM cosignatures ORDER BY tree_size DESC LIMIT 256",
        &[],
    )? {
        lines
            .entry(r[0].int()? as u64)
            .or_default()
            .push(r[1].text()?);
    }
    Ok((last, lines))
}

/// What one witness said about one checkpoint.
enum Answer {
    Cosigned(String),
    /// 409: the witness holds another size than the one we assumed.
    HoldsSize(u64),
    Refused(String),
}

struct Cosigner {
    witnesses: Vec<WitnessEndpoint>,
    /// Size each witness last cosigned for this log (None: unknown, ask from 0).
    known: HashMap<String, Option<u64>>,
    client: reqwest::blocking::Client,
    log: Arc<RwLock<LogView>>,
    url: DbUrl,
    conn: Option<Conn>,
    done: tokio::sync::watch::Sender<u64>,
}

/// Starts the cosigner thread: it wakes at each committed size sent on `committed`.
pub fn spawn(
    witnesses: Vec<WitnessEndpoint>,
    known: HashMap<String, u64>,
    log: Arc<RwLock<LogView>>,
    url: DbUrl,
    committed: Receiver<u64>,
    done: tokio::sync::watch::Sender<u64>,
) -> std::io::Result<()> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .map_err(std::io::Error::other)?;
    let known = witnesses
        .iter()
        .map(|w| (w.key.name.clone(), known.get(&w.key.name).copied()))
        .collect();
    let mut c = Cosigner {
        witnesses,
        known,
        client,
        log,
        url,
        conn: None,
        done,
    };
    std::thread::Builder::new()
        .name("registry-cosigner".into())
        .spawn(move || c.run(committed))
        .map(|_| ())
}

impl Cosigner {
    fn run(&mut self, committed: Receiver<u64>) {
        loop {
            match committed.recv_timeout(Duration::from_secs(30)) {
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            // Only the newest checkpoint matters: drain what queued meanwhile.
            while committed.try_recv().is_ok() {}
            self.round();
        }
    }

    /// Asks every witness to cosign the newest checkpoint; publishes the size when done.
    fn round(&mut self) {
        let Some((size, note)) = self
            .log
            .read()
            .expect("log lock")
            .checkpoint
            .as_ref()
            .map(|c| (c.size, c.note.clone()))
        else {
            return;
        };
        let mut lines = Vec::new();
        for w in self.witnesses.clone() {
            if let Some(line) = self.cosign_with(&w, size, &note) {
                lines.push((w.key.name.clone(), line));
            }
        }
        if !lines.is_empty() {
            self.record(size, &lines);
        }
        let _ = self.done.send(size);
    }

    /// One witness: from the size we believe it holds, retried once after a 409.
    fn cosign_with(&mut self, w: &WitnessEndpoint, size: u64, note: &str) -> Option<String> {
        for _ in 0..2 {
            let old = self.known.get(&w.key.name).copied().flatten().unwrap_or(0);
            if old > size {
                tracing::error!(witness = %w.key.name, witness_size = old, size, "the witness has cosigned a larger tree than this log holds: was the log rolled back?");
                return None;
            }
            match self.ask(w, old, size, note) {
                Answer::Cosigned(line) => {
                    self.known.insert(w.key.name.clone(), Some(size));
                    return Some(line);
                }
                Answer::HoldsSize(held) => {
                    self.known.insert(w.key.name.clone(), Some(held));
                }
                Answer::Refused(why) => {
                    tracing::warn!(witness = %w.key.name, size, reason = %why, "no cosignature");
                    return None;
                }
            }
        }
        None
    }

    fn ask(&self, w: &WitnessEndpoint, old: u64, size: u64, note: &str) -> Answer {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            match self
                .log
                .read()
                .expect("log lock")
                .tree
                .consistency_proof(old, size)
            {
                Ok(p) => p,
                Err(e) => return Answer::Refused(format!("no consistency proof from {old}: {e}")),
            }
        };
        let mut body = format!("old {old}\n");
        for h in &proof {
            body.push_str(&B64.encode(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(note);
        let resp = match self
            .client
            .post(format!("{}/add-checkpoint", w.url))
            .body(body)
            .send()
        {
            Ok(r) => r,
            Err(e) => return Answer::Refused(format!("unreachable: {e}")),
        };
        let status = resp.status().as_u16();
        // Witness answers are short: a few signature lines or a size.
        let text = match resp.text() {
            Ok(t) if t.len() <= 16 * 1024 => t,
            _ => return Answer::Refused("unreadable answer".into()),
        };
        match status {
            200 => {
                let prefix = format!("\u{2014} {} ", w.key.name);
                let mine: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
                let Some(line) = mine.first() else {
                    return Answer::Refused("no cosignature line from its key".into());
                };
                let line = format!("{line}\n");
                let cosigned = cosign::with_cosignatures(note, std::slice::from_ref(&line));
                match cosign::verify_cosignatures(&cosigned, std::slice::from_ref(&w.key)) {
                    Ok(found) if !found.is_empty() => Answer::Cosigned(line),
                    Ok(_) => Answer::Refused("the cosignature is not by its key".into()),
                    Err(e) => Answer::Refused(format!("bad cosignature: {e}")),
                }
            }
            409 => match text.trim().parse::<u64>() {
                Ok(n) => Answer::HoldsSize(n),
                Err(_) => Answer::Refused("409 without a size".into()),
            },
            s => Answer::Refused(format!("{s}: {}", text.trim())),
        }
    }

    /// Keeps the cosignatures: database first, then memory (receipts read memory).
    fn record(&mut self, size: u64, lines: &[(String, String)]) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if self.conn.is_none() {
            self.conn = Conn::open(&self.url).ok();
        }
        if let Some(c) = &mut self.conn {
            let r = c.transaction(|c| {
                for (w, l) in lines {
                    store_cosignature(c, size, w, l, now)?;
                }
                Ok(())
            });
            if let Err(e) = r {
                tracing::warn!(error = %e, "cosignatures not stored");
                self.conn = None;
            }
        }
        let mut view = self.log.write().expect("log lock");
        view.cosignatures
            .insert(size, lines.iter().map(|(_, l)| l.clone()).collect());
        while view.cosignatures.len() > KEPT_SIZES {
            let oldest = *view.cosignatures.keys().min().expect("not empty");
            view.cosignatures.remove(&oldest);
        }
    }
}
