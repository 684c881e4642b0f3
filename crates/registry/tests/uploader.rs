//! The operator's flow with the real binary and the real station uploader (`ardoise upload`'s
//! code): start `ardoise-registry serve`, register the station key with the CLI, print the
//! registry key, upload, verify like an auditor. Then a registry killed (SIGKILL) in the
//! middle of uploads and restarted loses nothing it acknowledged. The quality-control policy
//! as the binary sets it from its options.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ardoise_cert::keygen::generate_key_files;
use ardoise_cert::note::NoteVerifier;
use ardoise_cert::payload::{Certificate, Qc};
use ardoise_cert::station_store::{DataDir, Store};
use ardoise_cert::trust::TrustFile;
use ardoise_cert::verify::{verify_files, VerifyOptions};
use ardoise_upload::{upload_once, UploadOptions};

const BIN: &str = env!("CARGO_BIN_EXE_ardoise-registry");

fn cli(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ardoise-registry {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ADMIN_TOKEN: &str = "uploader-test-admin-token-0123";

fn serve(db: &str, listen: &str) -> Served {
    serve_with(db, listen, &[])
}

/// `serve` with more options after the usual ones.
fn serve_with(db: &str, listen: &str, extra: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .env("ARDOISE_REGISTRY_ADMIN_TOKEN", ADMIN_TOKEN)
        .args([
            "serve",
            "--listen",
            listen,
            "--db",
            db,
            "--audit-interval",
            "0",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Served { child, url }
}

fn options(key: &NoteVerifier) -> UploadOptions {
    UploadOptions {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_millis(500),
        max_attempts: 200,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(300),
        registry_key: Some(key.clone()),
        allow_unverified_receipts: false,
        retry_rejected: false,
    }
}

fn station(dir: &Path, n: usize) -> (PathBuf, Vec<String>) {
    let keys = dir.join("keys");
    let g = generate_key_files(&keys, Some(("ressourcerie-pays-d-auge", "st-01"))).unwrap();
    let key = ardoise_cert::keys::StationKey::load(&g.secret_path).unwrap();
    let data = dir.join("data");
    let mut store = Store::open(&data).unwrap();
    let ids = (0..n)
        .map(|i| {
            let mut c = Certificate::example();
            c.media.serial = format!("E2E{i:05}");
            // What a station writes by default (5 %, drawn by the registry's log): the
            // example's older rule is refused by a registry with its default policy.
            c.qc = Qc::sampled(50_000);
            // The example's issue time predates a key generated now; certificates are judged
            // at issue time, so date them now.
            let now = time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap();
            c.issued_at = now;
            c.sanitization.started_at = now - time::Duration::minutes(10);
            c.sanitization.ended_at = now - time::Duration::minutes(5);
            for s in &mut c.sanitization.steps {
                s.started_at = c.sanitization.started_at;
                s.ended_at = c.sanitization.ended_at;
            }
            store.issue(c, &key).unwrap().cert_id
        })
        .collect();
    (keys, ids)
}

#[test]
fn operator_flow_with_the_station_uploader() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("registry.db").display());
    let (keys, ids) = station(dir.path(), 5);
    let vkey = cli(&["key", "--show", "--db", &db]);
    let key = NoteVerifier::from_vkey(vkey.trim()).unwrap();
    let out = cli(&[
        "station",
        "add",
        "--db",
        &db,
        "--public-key-file",
        keys.join("station.pub").to_str().unwrap(),
        "--workshop",
        "ressourcerie-pays-d-auge",
        "--station",
        "st-01",
        "--not-before",
        "2025-01-01T00:00:00Z",
    ]);
    assert!(out.starts_with("registered key "), "{out}");
    assert!(cli(&["station", "list", "--db", &db]).contains("ressourcerie-pays-d-auge/st-01"));
    let srv = serve(&db, "127.0.0.1:0");
    let data = dir.path().join("data");
    let summary = upload_once(&data, &srv.url, &options(&key)).unwrap();
    assert_eq!(summary.uploaded.len(), 5, "{summary:?}");
    assert!(summary.all_sent());
    // What an auditor runs: every certificate VALID with its receipt, journal complete.
    let dd = DataDir::open(&data).unwrap();
    let files: Vec<_> = ids.iter().map(|i| dd.certificate_path(i)).collect();
    let trust = TrustFile::load(&keys.join("trust.toml")).unwrap();
    let report = verify_files(
        &files,
        &trust,
        &VerifyOptions {
            registry_key: Some(key.clone()),
            complete_journal: true,
            ..Default::default()
        },
    );
    assert!(report.ok, "{}", report.to_text());
    // The public page the donor's QR code points to.
    let page = reqwest::blocking::get(format!("{}/c/{}?lang=en", srv.url, ids[0]))
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("Signature: valid") && page.contains("Log proof: valid"));
    // A second server on the same database is refused.
    let second = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("another ardoise-registry"));
}

#[test]
fn a_killed_registry_loses_nothing_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("registry.db").display());
    let (keys, ids) = station(dir.path(), 120);
    let key = NoteVerifier::from_vkey(cli(&["key", "--show", "--db", &db]).trim()).unwrap();
    cli(&[
        "station",
        "add",
        "--db",
        &db,
        "--public-key-file",
        keys.join("station.pub").to_str().unwrap(),
        "--workshop",
        "ressourcerie-pays-d-auge",
        "--station",
        "st-01",
        "--not-before",
        "2025-01-01T00:00:00Z",
    ]);
    let first = serve(&db, "127.0.0.1:0");
    let url = first.url.clone();
    let listen = url.trim_start_matches("http://").to_string();
    let data = dir.path().join("data");
    let uploader = {
        let (data, url, o) = (data.clone(), url.clone(), options(&key));
        std::thread::spawn(move || upload_once(&data, &url, &o).unwrap())
    };
    // Kill the registry once it has acknowledged some certificates.
    let dd = DataDir::open(&data).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while ids
        .iter()
        .filter(|i| dd.read_receipt(i).unwrap().is_some())
        .count()
        < 20
    {
        assert!(std::time::Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut first = first;
    first.child.kill().unwrap(); // SIGKILL: no graceful shutdown
    first.child.wait().unwrap();
    let acked_before: Vec<String> = ids
        .iter()
        .filter(|i| dd.read_receipt(i).unwrap().is_some())
        .cloned()
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let second = serve(&db, &listen);
    let summary = uploader.join().unwrap();
    assert!(summary.all_sent(), "{summary:?}");
    // Everything acknowledged before the kill is still there, and everything else arrived.
    let export = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/export.jsonl", second.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .unwrap()
        .text()
        .unwrap();
    let stored: std::collections::HashSet<String> = export
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["cert_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for id in &acked_before {
        assert!(stored.contains(id), "acknowledged {id} lost by the crash");
    }
    assert_eq!(stored.len(), ids.len());
    let files: Vec<_> = ids.iter().map(|i| dd.certificate_path(i)).collect();
    let report = verify_files(
        &files,
        &TrustFile::load(&keys.join("trust.toml")).unwrap(),
        &VerifyOptions {
            registry_key: Some(key),
            complete_journal: true,
            ..Default::default()
        },
    );
    assert!(report.ok, "{}", report.to_text());
    let audit = Command::new(BIN)
        .args(["audit", "--db", &db])
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
}

/// The admin token from the environment has the same 16-character minimum as the file.
#[test]
fn a_short_admin_token_from_the_environment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("r.db").display());
    let out = Command::new(BIN)
        .env("ARDOISE_REGISTRY_ADMIN_TOKEN", "short-token")
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ARDOISE_REGISTRY_ADMIN_TOKEN") && err.contains("at least 16 characters"),
        "{err}"
    );
}

/// The quality-control policy the binary enforces: by default rule `registry-log-v1` at 5 %
/// or more (a rule the station can compute before erasing, such as `none`, is refused with
/// 422); `--qc-min-rate-ppm N` raises the minimum; `--qc-min-rate-ppm 0` turns it off.
#[test]
fn the_binary_enforces_the_qc_policy() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("registry.db").display());
    let mut st = common::Station::new(77, "st-01");
    let key_id = st.key.key_id().to_string();
    cli(&[
        "station",
        "add",
        "--db",
        &db,
        "--public-key",
        &st.key.public_base64(),
        "--key-id",
        &key_id,
        "--workshop",
        &st.workshop.clone(),
        "--station",
        &st.station.clone(),
        "--not-before",
        "2025-01-01T00:00:00Z",
    ]);
    let client = reqwest::blocking::Client::new();
    let submit = |url: &str, bytes: &[u8]| {
        let r = client
            .post(format!("{url}/api/v1/certificates"))
            .header("content-type", "application/json")
            .body(bytes.to_vec())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().unwrap();
        (status, body)
    };
    // Refusals change nothing, so the journal position of a refused certificate is reused.
    let mut attempt = |url: &str, qc: Qc| {
        let (seq, prev) = (st.seq, st.prev.clone());
        let c = st.next_with(|c| c.qc = qc);
        let (status, body) = submit(url, &c.bytes);
        if status != 201 {
            (st.seq, st.prev) = (seq, prev);
        }
        (status, body["error"].clone(), body["field"].clone())
    };
    let refused = |field: &str| {
        (
            422,
            serde_json::json!("invalid_certificate"),
            serde_json::json!(field),
        )
    };

    let default = serve(&db, "127.0.0.1:0");
    let health = |url: &str| -> serde_json::Value {
        client
            .get(format!("{url}/api/v1/health"))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(
        health(&default.url)["qc_min_rate_ppm"],
        serde_json::json!(50_000)
    );
    assert_eq!(
        attempt(&default.url, Qc::not_recorded()),
        refused("qc.rule")
    );
    let older = Qc {
        selected: true,
        rate_ppm: 1_000_000,
        rule: ardoise_cert::payload::QC_RULE_V1.into(),
    };
    assert_eq!(attempt(&default.url, older), refused("qc.rule"));
    assert_eq!(
        attempt(&default.url, Qc::sampled(49_999)),
        refused("qc.rate_ppm")
    );
    assert_eq!(attempt(&default.url, Qc::sampled(50_000)).0, 201);
    drop(default);

    let stricter = serve_with(&db, "127.0.0.1:0", &["--qc-min-rate-ppm", "100000"]);
    assert_eq!(
        attempt(&stricter.url, Qc::sampled(50_000)),
        refused("qc.rate_ppm")
    );
    assert_eq!(
        attempt(&stricter.url, Qc::not_recorded()),
        refused("qc.rule")
    );
    assert_eq!(attempt(&stricter.url, Qc::sampled(100_000)).0, 201);
    drop(stricter);

    let off = serve_with(&db, "127.0.0.1:0", &["--qc-min-rate-ppm", "0"]);
    assert_eq!(health(&off.url)["qc_min_rate_ppm"], serde_json::json!(0));
    assert_eq!(attempt(&off.url, Qc::not_recorded()).0, 201);
    drop(off);

    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
        .args(["--qc-min-rate-ppm", "1000001"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a rate above 1,000,000 ppm is refused"
    );
}
