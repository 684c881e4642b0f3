//! The uploader against a registry stand-in on 127.0.0.1 that follows the API contract
//! (verifies envelopes, dedupes by certificate id, keeps a Merkle log, answers with signed
//! receipts) and injects failures: refused connections, 5xx, timeouts, slow answers, dropped
//! connections, 429.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ardoise_cert::envelope::Envelope;
use ardoise_cert::keys::StationKey;
use ardoise_cert::merkle::{self, MerkleTree};
use ardoise_cert::note::{Checkpoint, NoteSigner, NoteVerifier};
use ardoise_cert::payload::Certificate;
use ardoise_cert::receipt::{verify_receipt, Receipt};
use ardoise_cert::station_store::{DataDir, Store};
use ardoise_cert::trust::TrustFile;
use ardoise_cert::verify::{verify_envelope, verify_files, CheckStatus, VerifyOptions};
use ardoise_upload::{spawn_background, upload_once, upload_pass, UploadEvent, UploadOptions};

const ORIGIN: &str = "registre.test/log";
const WS: &str = "ressourcerie-pays-d-auge";
const ST: &str = "st-01";

#[derive(Debug, Clone, Copy)]
enum Fault {
    /// 500 without storing.
    Error500,
    /// Store, then answer 500 (the client must not lose or duplicate it).
    Error500AfterStore,
    /// Store, then say nothing until long after the client's timeout.
    Timeout,
    /// Answer correctly after a delay shorter than the client's timeout.
    Slow(u64),
    /// Read the request and close the connection without an answer.
    Drop,
    /// Answer with a bare status (429, 503, …).
    Status(u16),
    /// Store, then answer 201 with a body that does not end (64 MiB of spaces, no length).
    Endless,
}

#[derive(Default)]
struct Log {
    tree: MerkleTree,
    leaves: Vec<merkle::Hash>,
    index_of: HashMap<String, u64>,
    posts: usize,
    /// Checkpoints go out without a signature.
    unsigned: bool,
}

impl Log {
    fn push(&mut self, entry: &[u8]) -> u64 {
        self.leaves.push(merkle::leaf_hash(entry));
        self.tree.push(entry)
    }

    /// A log operator rewriting history: leaf `index` replaced, the rest kept.
    fn rewrite(&mut self, index: usize) {
        self.leaves[index] = merkle::leaf_hash(b"rewritten");
        self.tree = MerkleTree::from_leaf_hashes(self.leaves.clone());
    }
}

struct State {
    log: Log,
    faults: VecDeque<Fault>,
    trust: TrustFile,
    signer: NoteSigner,
}

struct Registry {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, &[99; 32]).unwrap()
}

impl Registry {
    /// Starts listening after `delay` (connections are refused until then).
    fn start(trust: TrustFile, faults: Vec<Fault>, delay: Duration) -> Registry {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let state = Arc::new(Mutex::new(State {
            log: Log::default(),
            faults: faults.into(),
            trust,
            signer: signer(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let listener = TcpListener::bind(addr).expect("rebind the reserved port");
            listener.set_nonblocking(true).unwrap();
            let _ = ready_tx.send(());
            while !sp.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let st = st.clone();
                        std::thread::spawn(move || handle(conn, &st));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        if delay.is_zero() {
            ready_rx.recv().unwrap();
        }
        Registry {
            addr,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn key(&self) -> NoteVerifier {
        self.state.lock().unwrap().signer.verifier()
    }
}

fn read_request(conn: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let request_line = head.lines().next().unwrap_or_default().to_string();
    Some((request_line, buf[header_end..header_end + len].to_vec()))
}

fn respond(conn: &mut TcpStream, status: u16, body: &str) {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

/// What the registry does with a valid submission: (status, JSON body).
fn submit(state: &mut State, envelope: &[u8]) -> (u16, String) {
    let verified = match verify_envelope(envelope, &state.trust) {
        Ok(v) => v,
        Err(fails) => {
            let f = &fails[0];
            return (
                422,
                serde_json::json!({"error": "invalid_certificate", "message": f.detail, "field": f.name})
                    .to_string(),
            );
        }
    };
    let (index, duplicate) = match state.log.index_of.get(&verified.cert_id) {
        Some(i) => (*i, true),
        None => {
            let i = state.log.push(envelope);
            state.log.index_of.insert(verified.cert_id.clone(), i);
            (i, false)
        }
    };
    let size = state.log.tree.size();
    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: state.log.tree.root(),
        extensions: vec![],
    };
    let checkpoint = if state.log.unsigned {
        checkpoint.to_text()
    } else {
        checkpoint.sign(&state.signer).unwrap()
    };
    let receipt = Receipt {
        cert_id: verified.cert_id,
        log_index: index,
        leaf_hash: hex::encode(merkle::leaf_hash(envelope)),
        inclusion_proof: state
            .log
            .tree
            .inclusion_proof(index, size)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect(),
        checkpoint,
        registry_key: state.signer.verifier().to_vkey(),
        received_at: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap(),
        statement: None,
        first_checkpoint: None,
    };
    let receipt = serde_json::to_value(&receipt).unwrap();
    if duplicate {
        (
            200,
            serde_json::json!({"receipt": receipt, "duplicate": true}).to_string(),
        )
    } else {
        (201, serde_json::json!({"receipt": receipt}).to_string())
    }
}

/// `GET /api/v1/log/consistency?from=M&to=N` from the log as it is now.
fn consistency(log: &Log, query: &str) -> (u16, String) {
    let arg = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let (Some(from), Some(to)) = (arg("from"), arg("to")) else {
        return (
            400,
            r#"{"error":"invalid_query","message":"from and to"}"#.into(),
        );
    };
    match log.tree.consistency_proof(from, to) {
        Ok(p) => (
            200,
            serde_json::json!({"from": from, "to": to, "proof": p.iter().map(hex::encode).collect::<Vec<_>>()})
                .to_string(),
        ),
        Err(e) => (
            400,
            serde_json::json!({"error": "invalid_query", "message": e.to_string()}).to_string(),
        ),
    }
}

fn handle(mut conn: TcpStream, state: &Mutex<State>) {
    let Some((line, body)) = read_request(&mut conn) else {
        return;
    };
    if let Some(query) = line
        .strip_prefix("GET /api/v1/log/consistency?")
        .and_then(|q| q.split(' ').next())
    {
        let (status, body) = consistency(&state.lock().unwrap().log, query);
        respond(&mut conn, status, &body);
        return;
    }
    if !line.starts_with("POST /api/v1/certificates ") {
        respond(
            &mut conn,
            404,
            r#"{"error":"not_found","message":"no such endpoint"}"#,
        );
        return;
    }
    let (fault, answer) = {
        let mut s = state.lock().unwrap();
        s.log.posts += 1;
        let fault = s.faults.pop_front();
        let answer = match fault {
            Some(Fault::Error500) | Some(Fault::Drop) | Some(Fault::Status(_)) => None,
            Some(Fault::Endless) => {
                submit(&mut s, &body);
                None
            }
            _ => Some(submit(&mut s, &body)),
        };
        (fault, answer)
    };
    match fault {
        Some(Fault::Error500) | Some(Fault::Error500AfterStore) => respond(
            &mut conn,
            500,
            r#"{"error":"internal","message":"injected"}"#,
        ),
        Some(Fault::Status(s)) => respond(&mut conn, s, r#"{"error":"busy","message":"injected"}"#),
        Some(Fault::Drop) => drop(conn),
        Some(Fault::Endless) => {
            let _ = write!(
                conn,
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
            );
            let chunk = [b' '; 64 * 1024];
            for _ in 0..1024 {
                if conn.write_all(&chunk).is_err() {
                    return; // the client stopped reading: what is wanted
                }
            }
        }
        Some(Fault::Timeout) => {
            std::thread::sleep(Duration::from_millis(4000));
            let (s, b) = answer.unwrap();
            respond(&mut conn, s, &b);
        }
        Some(Fault::Slow(ms)) => {
            std::thread::sleep(Duration::from_millis(ms));
            let (s, b) = answer.unwrap();
            respond(&mut conn, s, &b);
        }
        None => {
            let (s, b) = answer.unwrap();
            respond(&mut conn, s, &b);
        }
    }
}

fn key() -> StationKey {
    StationKey::from_seed(&[50; 32])
}

fn trust_for(keys: &[&StationKey]) -> TrustFile {
    let mut text = String::new();
    for k in keys {
        text.push_str(&format!(
            "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"{WS}\"\nstation = \"{ST}\"\nnot_before = \"2025-01-01T00:00:00Z\"\n\n",
            k.key_id(),
            k.public_base64()
        ));
    }
    TrustFile::parse(&text).unwrap()
}

fn issue(dir: &Path, k: &StationKey, n: usize) -> Vec<String> {
    let mut store = Store::open(dir).unwrap();
    (0..n)
        .map(|_| store.issue(Certificate::example(), k).unwrap().cert_id)
        .collect()
}

fn fast_options(key: Option<NoteVerifier>) -> UploadOptions {
    UploadOptions {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_millis(300),
        max_attempts: 12,
        backoff_initial: Duration::from_millis(40),
        backoff_max: Duration::from_millis(400),
        registry_key: key,
        allow_unverified_receipts: false,
        retry_rejected: false,
    }
}

#[test]
fn faults_end_with_each_certificate_stored_once_and_a_receipt_beside_each() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    let ids = issue(data.path(), &k, 6);
    let faults = vec![
        Fault::Error500,
        Fault::Timeout,
        Fault::Slow(300),
        Fault::Error500AfterStore,
        Fault::Drop,
        Fault::Status(503),
        Fault::Status(429),
        Fault::Timeout,
        Fault::Slow(100),
    ];
    // Faults whose request does not end in a usable answer (all but the slow ones).
    let failing = faults
        .iter()
        .filter(|f| !matches!(f, Fault::Slow(_)))
        .count();
    // Connections are refused for the first 400 ms.
    let reg = Registry::start(trust_for(&[&k]), faults, Duration::from_millis(400));
    let mut errors = Vec::new();
    let summary = upload_pass(
        data.path(),
        &reg.url(),
        &fast_options(Some(reg.key())),
        &mut |e| {
            if let UploadEvent::Retrying { error, .. } = e {
                errors.push(error)
            }
        },
        &mut |d| {
            std::thread::sleep(d);
            true
        },
    )
    .unwrap();
    assert!(summary.all_sent(), "{summary:?}");
    for kind in [
        "connection failed",
        "timeout",
        "HTTP 500",
        "HTTP 503",
        "HTTP 429",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(kind)),
            "no {kind:?} among the retried errors: {errors:#?}"
        );
    }
    assert_eq!(
        summary.uploaded.len() + summary.duplicates.len(),
        6,
        "{summary:?}"
    );
    assert!(
        !summary.duplicates.is_empty(),
        "timeouts after storing must come back as duplicates"
    );
    assert_eq!(summary.remaining, 0);

    let st = reg.state.lock().unwrap();
    assert_eq!(
        st.log.tree.size(),
        6,
        "each certificate stored exactly once"
    );
    let mut logged: Vec<&String> = st.log.index_of.keys().collect();
    logged.sort();
    let mut want: Vec<&String> = ids.iter().collect();
    want.sort();
    assert_eq!(logged, want);
    assert!(
        st.log.posts >= 6 + failing,
        "every fault was exercised ({} posts)",
        st.log.posts
    );
    assert!(st.faults.is_empty());
    drop(st);

    // The station kept the largest checkpoint, each one proven consistent with the last.
    assert_eq!(held_size(data.path(), &reg), Some(6));
    // A receipt beside each certificate, each verifying; the outbox is empty.
    let dd = DataDir::open(data.path()).unwrap();
    assert!(dd.outbox().unwrap().is_empty());
    for id in &ids {
        let r = dd.read_receipt(id).unwrap().expect("receipt stored");
        verify_receipt(&dd.read_envelope(id).unwrap(), &r, &reg.key()).unwrap();
    }
    let files: Vec<_> = ids.iter().map(|i| dd.certificate_path(i)).collect();
    let report = verify_files(
        &files,
        &trust_for(&[&k]),
        &VerifyOptions {
            registry_key: Some(reg.key()),
            complete_journal: true,
            ..Default::default()
        },
    );
    assert!(report.ok, "{}", report.to_text());
    for v in &report.certificates {
        let rc = v.checks.iter().find(|c| c.name == "receipt").unwrap();
        assert_eq!(rc.status, CheckStatus::Pass);
    }

    // A second pass has nothing to do and sends nothing.
    let posts = reg.state.lock().unwrap().log.posts;
    let again = upload_once(data.path(), &reg.url(), &fast_options(Some(reg.key()))).unwrap();
    assert_eq!(again, Default::default());
    assert_eq!(reg.state.lock().unwrap().log.posts, posts);
}

#[test]
fn a_rejected_certificate_stays_in_the_outbox_with_the_reason() {
    let k = key();
    let stranger = StationKey::from_seed(&[51; 32]);
    let data = tempfile::tempdir().unwrap();
    issue(data.path(), &k, 1);
    // The registry trusts only `stranger`: the station's certificate is refused.
    let reg = Registry::start(trust_for(&[&stranger]), vec![], Duration::ZERO);
    let summary = upload_once(data.path(), &reg.url(), &fast_options(Some(reg.key()))).unwrap();
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert!(
        summary.rejected[0].1.contains("not in the trust file"),
        "{summary:?}"
    );
    let dd = DataDir::open(data.path()).unwrap();
    let entries = dd.outbox().unwrap();
    assert_eq!(entries.len(), 1);
    let r = entries[0].rejected.as_ref().expect("marked rejected");
    assert_eq!(
        (r.status, r.error.as_str(), r.field.as_deref()),
        (422, "invalid_certificate", Some("signature"))
    );
    assert!(
        dd.certificate_path(&entries[0].cert_id).exists(),
        "never deleted"
    );
    assert_eq!(
        reg.state.lock().unwrap().log.posts,
        1,
        "a 4xx is not retried"
    );

    // Later passes leave it alone unless asked.
    let again = upload_once(data.path(), &reg.url(), &fast_options(Some(reg.key()))).unwrap();
    assert_eq!(again.previously_rejected, 1);
    assert_eq!(reg.state.lock().unwrap().log.posts, 1);
    let mut o = fast_options(Some(reg.key()));
    o.retry_rejected = true;
    let retried = upload_once(data.path(), &reg.url(), &o).unwrap();
    assert_eq!(retried.rejected.len(), 1);
    assert_eq!(reg.state.lock().unwrap().log.posts, 2);
}

#[test]
fn an_answer_without_end_is_cut_and_the_certificate_stays_queued() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    let ids = issue(data.path(), &k, 1);
    let reg = Registry::start(trust_for(&[&k]), vec![Fault::Endless], Duration::ZERO);
    let mut o = fast_options(Some(reg.key()));
    o.max_attempts = 1;
    let summary = upload_once(data.path(), &reg.url(), &o).unwrap();
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    assert!(
        summary.failed[0].1.contains("answer larger than"),
        "{summary:?}"
    );
    let dd = DataDir::open(data.path()).unwrap();
    assert_eq!(dd.outbox().unwrap().len(), 1);
    assert!(dd.read_receipt(&ids[0]).unwrap().is_none());
    // The next pass, to a registry that answers, sends it.
    drop(reg);
    let reg = Registry::start(trust_for(&[&k]), Vec::new(), Duration::ZERO);
    let summary = upload_once(data.path(), &reg.url(), &fast_options(Some(reg.key()))).unwrap();
    assert!(summary.all_sent(), "{summary:?}");
}

#[test]
fn a_dead_registry_leaves_everything_queued() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    let ids = issue(data.path(), &k, 2);
    let reg = Registry::start(trust_for(&[&k]), vec![Fault::Error500; 100], Duration::ZERO);
    let mut o = fast_options(Some(reg.key()));
    o.max_attempts = 3;
    let summary = upload_once(data.path(), &reg.url(), &o).unwrap();
    assert_eq!(summary.failed.len(), 2, "{summary:?}");
    assert!(summary.failed[0].1.contains("HTTP 500"), "{summary:?}");
    let dd = DataDir::open(data.path()).unwrap();
    let entries = dd.outbox().unwrap();
    assert_eq!(entries.len(), 2);
    for e in &entries {
        assert_eq!(e.attempts, 3);
        assert!(e.rejected.is_none());
        assert!(e.last_error.as_deref().unwrap().contains("500"));
    }
    for id in &ids {
        assert!(dd.read_receipt(id).unwrap().is_none());
    }
    assert_eq!(reg.state.lock().unwrap().log.posts, 6);
}

#[test]
fn a_forged_receipt_is_not_stored() {
    // The registry signs with a key other than the one the station trusts.
    let k = key();
    let data = tempfile::tempdir().unwrap();
    issue(data.path(), &k, 1);
    let reg = Registry::start(trust_for(&[&k]), vec![], Duration::ZERO);
    let other = NoteSigner::new(ORIGIN, &[7; 32]).unwrap().verifier();
    let mut o = fast_options(Some(other));
    o.max_attempts = 2;
    let summary = upload_once(data.path(), &reg.url(), &o).unwrap();
    assert_eq!(summary.failed.len(), 1);
    assert!(
        summary.failed[0].1.contains("invalid receipt"),
        "{summary:?}"
    );
    let dd = DataDir::open(data.path()).unwrap();
    assert_eq!(dd.outbox().unwrap().len(), 1);
}

#[test]
fn background_uploader_reports_on_its_channel() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    let reg = Registry::start(trust_for(&[&k]), vec![Fault::Error500], Duration::ZERO);
    let up = spawn_background(
        data.path().to_path_buf(),
        reg.url(),
        fast_options(Some(reg.key())),
        Duration::from_secs(30),
    );
    // First pass: nothing to send.
    let first = up.events().recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first, UploadEvent::PassStarted { pending: 0 });
    let id = issue(data.path(), &k, 1).remove(0);
    up.poke();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let e = up
            .events()
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no upload event; saw {seen:?}"));
        seen.push(e.clone());
        if let UploadEvent::Uploaded { cert_id, .. } = &e {
            assert_eq!(cert_id, &id);
            break;
        }
    }
    assert!(
        seen.iter()
            .any(|e| matches!(e, UploadEvent::Retrying { .. })),
        "the injected 500 should show as a retry: {seen:?}"
    );
    let events = up.events().clone();
    up.stop();
    let rest: Vec<UploadEvent> = events.try_iter().collect();
    assert_eq!(rest.last(), Some(&UploadEvent::Stopped), "{rest:?}");
    assert!(DataDir::open(data.path())
        .unwrap()
        .read_receipt(&id)
        .unwrap()
        .is_some());
    let _ = Envelope::parse(
        &DataDir::open(data.path())
            .unwrap()
            .read_envelope(&id)
            .unwrap(),
    )
    .unwrap();
}

/// How the log looks to the station after a pass: the checkpoint it keeps.
fn held_size(data: &Path, reg: &Registry) -> Option<u64> {
    let path = ardoise_upload::log::checkpoint_state_path(data, &reg.key());
    ardoise_cert::logstate::load(&path, &reg.key())
        .unwrap()
        .map(|h| h.checkpoint.size)
}

#[test]
fn without_a_registry_key_nothing_is_sent_unless_explicitly_allowed() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    let ids = issue(data.path(), &k, 1);
    let reg = Registry::start(trust_for(&[&k]), vec![], Duration::ZERO);
    let mut events = Vec::new();
    let err = upload_pass(
        data.path(),
        &reg.url(),
        &fast_options(None),
        &mut |e| events.push(e),
        &mut |_| true,
    )
    .unwrap_err();
    assert!(
        matches!(err, ardoise_upload::UploadError::NoRegistryKey),
        "{err}"
    );
    assert!(err.to_string().contains("no registry key"), "{err}");
    assert!(
        matches!(&events[..], [UploadEvent::Halted { alarm: false, .. }]),
        "{events:?}"
    );
    assert_eq!(reg.state.lock().unwrap().log.posts, 0, "nothing sent");
    let dd = DataDir::open(data.path()).unwrap();
    assert_eq!(dd.outbox().unwrap().len(), 1);

    // The explicit choice: receipts checked for structure only.
    let mut o = fast_options(None);
    o.allow_unverified_receipts = true;
    let s = upload_once(data.path(), &reg.url(), &o).unwrap();
    assert_eq!(s.uploaded, ids);
}

#[test]
fn an_unsigned_receipt_leaves_the_certificate_queued() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    issue(data.path(), &k, 1);
    let reg = Registry::start(trust_for(&[&k]), vec![], Duration::ZERO);
    reg.state.lock().unwrap().log.unsigned = true;
    let mut o = fast_options(Some(reg.key()));
    o.max_attempts = 2;
    let s = upload_once(data.path(), &reg.url(), &o).unwrap();
    assert_eq!(s.failed.len(), 1, "{s:?}");
    assert!(s.failed[0].1.contains("invalid receipt"), "{s:?}");
    let dd = DataDir::open(data.path()).unwrap();
    assert_eq!(dd.outbox().unwrap().len(), 1, "still queued");
    assert!(dd.read_receipt(&s.failed[0].0).unwrap().is_none());
    assert_eq!(held_size(data.path(), &reg), None);
}

/// Receipt 1 from tree A (size 5), receipt 2 from tree B (size 6, leaf 2 replaced), both
/// signed with the pinned key: the second is refused, the certificate stays queued, and
/// uploads stay stopped until the evidence is removed.
#[test]
fn a_rewritten_log_stops_uploads_and_keeps_the_certificate() {
    let k = key();
    let data = tempfile::tempdir().unwrap();
    let reg = Registry::start(trust_for(&[&k]), vec![], Duration::ZERO);
    {
        let mut st = reg.state.lock().unwrap();
        for i in 0..4 {
            st.log
                .push(format!("someone else's certificate {i}").as_bytes());
        }
    }
    let first = issue(data.path(), &k, 1);
    let s = upload_once(data.path(), &reg.url(), &fast_options(Some(reg.key()))).unwrap();
    assert_eq!(s.uploaded, first);
    assert_eq!(held_size(data.path(), &reg), Some(5));

    reg.state.lock().unwrap().log.rewrite(2);
    let second = issue(data.path(), &k, 1);
    let mut events = Vec::new();
    let err = upload_pass(
        data.path(),
        &reg.url(),
        &fast_options(Some(reg.key())),
        &mut |e| events.push(e),
        &mut |_| true,
    )
    .unwrap_err();
    assert!(
        matches!(err, ardoise_upload::UploadError::LogAlarm { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not consistent"), "{err}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, UploadEvent::Halted { alarm: true, .. })),
        "{events:?}"
    );
    let dd = DataDir::open(data.path()).unwrap();
    assert_eq!(
        dd.outbox()
            .unwrap()
            .iter()
            .map(|e| e.cert_id.clone())
            .collect::<Vec<_>>(),
        second,
        "the second certificate stays queued"
    );
    assert!(dd.read_receipt(&second[0]).unwrap().is_none());
    assert_eq!(held_size(data.path(), &reg), Some(5), "state not replaced");
    let alarm = data.path().join(ardoise_upload::log::LOG_ALARM_FILE);
    let evidence = std::fs::read_to_string(&alarm).unwrap();
    assert!(evidence.contains("registre.test/log\n6\n"), "{evidence}");

    // Every later pass refuses before sending anything.
    let posts = reg.state.lock().unwrap().log.posts;
    let again = upload_once(data.path(), &reg.url(), &fast_options(Some(reg.key())));
    assert!(matches!(
        again,
        Err(ardoise_upload::UploadError::LogAlarm { .. })
    ));
    assert_eq!(reg.state.lock().unwrap().log.posts, posts);
}
