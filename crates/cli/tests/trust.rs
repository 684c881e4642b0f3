//! The trust chain seen by auditors: `ardoise verify --checkpoint-state` and `ardoise log
//! check` carry the largest verified registry checkpoint between checks and fail when the log
//! was rewritten; `ardoise verify` prints nothing a file could use to fake its verdict.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ardoise_cert::keys::StationKey;
use ardoise_cert::merkle::{self, MerkleTree};
use ardoise_cert::note::{Checkpoint, NoteSigner};
use ardoise_cert::payload::Certificate;
use ardoise_cert::receipt::Receipt;
use ardoise_cert::station_store::{DataDir, Store};
use common::*;

const ORIGIN: &str = "registre.test/log";

fn signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, &[61; 32]).unwrap()
}

struct Station {
    _dir: tempfile::TempDir,
    data: PathBuf,
    trust: PathBuf,
    registry_key: PathBuf,
    state: PathBuf,
}

fn station() -> (Station, StationKey) {
    let dir = tempfile::tempdir().unwrap();
    let k = StationKey::from_seed(&[60; 32]);
    let trust = dir.path().join("trust.toml");
    std::fs::write(
        &trust,
        format!(
            "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"ressourcerie-pays-d-auge\"\nstation = \"st-01\"\nnot_before = \"2025-01-01T00:00:00Z\"\n",
            k.key_id(),
            k.public_base64()
        ),
    )
    .unwrap();
    let registry_key = dir.path().join("registry.pub");
    std::fs::write(&registry_key, signer().verifier().to_vkey() + "\n").unwrap();
    let s = Station {
        data: dir.path().join("data"),
        state: dir.path().join("auditor/checkpoint"),
        trust,
        registry_key,
        _dir: dir,
    };
    (s, k)
}

/// A log holding `n` certificates of other stations; with `rewrite`, that one replaced
/// (history rewritten).
fn log_with(n: u64, rewrite: Option<u64>) -> MerkleTree {
    let mut t = MerkleTree::new();
    for i in 0..n {
        if Some(i) == rewrite {
            t.push(b"rewritten");
        } else {
            t.push(format!("another station's certificate {i}").as_bytes());
        }
    }
    t
}

/// Appends the envelope to `t` and writes the receipt beside the certificate.
fn receipt_into(t: &mut MerkleTree, dd: &DataDir, id: &str) {
    let env = dd.read_envelope(id).unwrap();
    let index = t.push(&env);
    let size = t.size();
    let r = Receipt {
        cert_id: id.to_string(),
        log_index: index,
        leaf_hash: hex::encode(merkle::leaf_hash(&env)),
        inclusion_proof: t
            .inclusion_proof(index, size)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect(),
        checkpoint: Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: t.root(),
            extensions: vec![],
        }
        .sign(&signer())
        .unwrap(),
        registry_key: signer().verifier().to_vkey(),
        received_at: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap(),
        statement: None,
        first_checkpoint: None,
    };
    std::fs::write(dd.receipt_path(id), r.to_bytes()).unwrap();
}

fn verify_with_state(s: &Station, file: &Path) -> std::process::Output {
    bin()
        .args(["verify", "--keys"])
        .arg(&s.trust)
        .arg("--registry-key")
        .arg(&s.registry_key)
        .arg("--checkpoint-state")
        .arg(&s.state)
        .arg(file)
        .output()
        .unwrap()
}

fn held_size(s: &Station) -> u64 {
    ardoise_cert::logstate::load(&s.state, &signer().verifier())
        .unwrap()
        .unwrap()
        .checkpoint
        .size
}

/// Receipt 1 from tree A (size 5), receipt 2 from tree B (size 6, leaf 2 replaced), both
/// signed with the registry's key: the second fails, offline, and the state keeps size 5.
#[test]
fn verify_with_a_checkpoint_state_fails_on_a_rewritten_log() {
    let (s, k) = station();
    let mut store = Store::open(&s.data).unwrap();
    let first = store.issue(Certificate::example(), &k).unwrap();
    let second = store.issue(Certificate::example(), &k).unwrap();
    let dd = store.data_dir().clone();
    let mut tree_a = log_with(4, None);
    receipt_into(&mut tree_a, &dd, &first.cert_id);

    let o = verify_with_state(&s, &first.path);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("(saved)"), "{}", text(&o));
    assert_eq!(held_size(&s), 5);

    let mut tree_b = log_with(4, Some(2));
    tree_b.push(&first.envelope_bytes);
    receipt_into(&mut tree_b, &dd, &second.cert_id);
    let o = verify_with_state(&s, &second.path);
    assert_eq!(code(&o), 6, "{}", text(&o));
    assert!(text(&o).contains("FAIL log"), "{}", text(&o));
    assert!(text(&o).contains("not consistent"), "{}", text(&o));
    assert_eq!(held_size(&s), 5, "the state is not replaced");

    // The honest continuation of tree A passes and is held.
    let mut honest = tree_a.clone();
    receipt_into(&mut honest, &dd, &second.cert_id);
    let o = verify_with_state(&s, &second.path);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("tree size 5 -> 6 (saved)"),
        "{}",
        text(&o)
    );
    assert_eq!(held_size(&s), 6);
}

/// A registry stand-in serving its checkpoint and consistency proofs from `tree`.
fn serve_log(tree: Arc<Mutex<MerkleTree>>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut buf = vec![0u8; 8192];
            let n = conn.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = req.split(' ').nth(1).unwrap_or("").to_string();
            let t = tree.lock().unwrap().clone();
            let (status, body) = if path == "/api/v1/log/checkpoint" {
                let cp = Checkpoint {
                    origin: ORIGIN.into(),
                    size: t.size(),
                    root: t.root(),
                    extensions: vec![],
                };
                (200, cp.sign(&signer()).unwrap())
            } else if let Some(q) = path.strip_prefix("/api/v1/log/consistency?") {
                let arg = |k: &str| {
                    q.split('&')
                        .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap()
                };
                let (from, to) = (arg("from"), arg("to"));
                match t.consistency_proof(from, to) {
                    Ok(p) => (
                        200,
                        serde_json::json!({"from": from, "to": to,
                            "proof": p.iter().map(hex::encode).collect::<Vec<_>>()})
                        .to_string(),
                    ),
                    Err(e) => (400, serde_json::json!({"error": e.to_string()}).to_string()),
                }
            } else {
                (404, String::new())
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn log_check(s: &Station, url: &str) -> std::process::Output {
    bin()
        .args(["log", "check", "--registry", url, "--registry-key"])
        .arg(&s.registry_key)
        .arg("--state")
        .arg(&s.state)
        .output()
        .unwrap()
}

#[test]
fn log_check_carries_the_state_and_catches_a_rewrite() {
    let (s, _) = station();
    let tree = Arc::new(Mutex::new(log_with(5, None)));
    let url = serve_log(tree.clone());
    let o = log_check(&s, &url);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("first checkpoint held"), "{}", text(&o));
    *tree.lock().unwrap() = log_with(8, None);
    let o = log_check(&s, &url);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("extends tree size 5"), "{}", text(&o));
    assert_eq!(held_size(&s), 8);

    *tree.lock().unwrap() = log_with(9, Some(2));
    let o = log_check(&s, &url);
    assert_eq!(code(&o), 6, "{}", text(&o));
    assert!(text(&o).contains("LOG INCONSISTENT"), "{}", text(&o));
    assert_eq!(held_size(&s), 8, "the state is kept");
}

/// A key id that would clear the line and print VALID on a terminal is shown escaped.
#[test]
fn verify_prints_no_control_character_from_a_file() {
    let (s, k) = station();
    let mut store = Store::open(&s.data).unwrap();
    let c = store.issue(Certificate::example(), &k).unwrap();
    let mut env: serde_json::Value = serde_json::from_slice(&c.envelope_bytes).unwrap();
    env["signatures"][0]["keyid"] = "\u{1b}[2K\rVALID".into();
    let evil = s.data.join("evil\u{7}.dsse.json");
    std::fs::write(&evil, serde_json::to_vec(&env).unwrap()).unwrap();
    let o = bin()
        .args(["verify", "--keys"])
        .arg(&s.trust)
        .arg(&evil)
        .output()
        .unwrap();
    assert_eq!(code(&o), 6, "{}", text(&o));
    for b in o.stdout.iter().chain(&o.stderr) {
        assert!(
            *b == b'\n' || (*b >= 0x20 && *b != 0x7f),
            "control byte {b:#04x} printed: {:?}",
            text(&o)
        );
    }
    assert!(text(&o).contains("\\u{1b}[2K\\rVALID"), "{}", text(&o));

    // `--positions` lists the file of a valid certificate: its name is escaped there too.
    let listed = s.data.join("plan\u{1b}[2K\r\u{7}.dsse.json");
    std::fs::write(&listed, &c.envelope_bytes).unwrap();
    let o = bin()
        .args(["verify", "--positions", "--keys"])
        .arg(&s.trust)
        .arg(&listed)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o));
    for b in o.stdout.iter().chain(&o.stderr) {
        assert!(
            *b == b'\n' || (*b >= 0x20 && *b != 0x7f),
            "control byte {b:#04x} printed: {:?}",
            text(&o)
        );
    }
    let rows: Vec<&str> = std::str::from_utf8(&o.stdout)
        .unwrap()
        .lines()
        .skip_while(|l| *l != "file,offset,length,kind")
        .skip(1)
        .collect();
    assert!(!rows.is_empty(), "{}", text(&o));
    for row in rows {
        assert!(row.contains("plan\\u{1b}[2K\\r\\u{7}.dsse.json,"), "{row}");
    }
}

/// docs/cli.md and docs/auditor-guide.md state the exit status `ardoise verify` really gives
/// for an invalid certificate.
#[test]
fn the_docs_agree_on_verifys_exit_status() {
    let (s, k) = station();
    let mut store = Store::open(&s.data).unwrap();
    store.issue(Certificate::example(), &k).unwrap();
    // Trusted by nobody: invalid.
    let empty = s.registry_key.with_file_name("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let o = bin()
        .args(["verify", "--keys"])
        .arg(&empty)
        .arg(&s.data)
        .output()
        .unwrap();
    assert!(text(&o).contains("INVALID"), "{}", text(&o));
    let invalid = code(&o);
    assert_ne!(invalid, 0, "{}", text(&o));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cli = std::fs::read_to_string(root.join("docs/cli.md")).unwrap();
    let row = cli
        .lines()
        .find(|l| l.contains("`verify`") && l.starts_with("| "))
        .expect("an exit status row for verify in docs/cli.md");
    assert!(row.starts_with(&format!("| {invalid} |")), "{row}");
    let guide = std::fs::read_to_string(root.join("docs/auditor-guide.md"))
        .unwrap()
        .replace('\n', " ");
    assert!(
        guide.contains(&format!(
            "The exit status is 0 when every certificate is valid, {invalid} when at least one is not"
        )),
        "docs/auditor-guide.md does not say exit status {invalid}"
    );
}

/// `ardoise upload` to a registry the station has no key for sends nothing and says why;
/// the explicit `--allow-unverified-receipts` does try.
#[test]
fn upload_without_a_registry_key_is_refused() {
    let (s, k) = station();
    let mut store = Store::open(&s.data).unwrap();
    store.issue(Certificate::example(), &k).unwrap();
    drop(store);
    let run = |extra: &[&str]| {
        bin()
            .args([
                "upload",
                "--registry",
                "http://127.0.0.1:9",
                "--attempts",
                "1",
            ])
            .args(extra)
            .arg("--data-dir")
            .arg(&s.data)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("has no registry key"), "{}", text(&o));
    assert!(!text(&o).contains("certificate(s) to send"), "{}", text(&o));
    let o = run(&["--allow-unverified-receipts"]);
    assert!(
        text(&o).contains("1 certificate(s) to send"),
        "{}",
        text(&o)
    );
    assert_eq!(DataDir::open(&s.data).unwrap().outbox().unwrap().len(), 1);
}

/// `ardoise verify --witness FILE`: a receipt whose checkpoint no trusted witness cosigned is
/// invalid; once the witness's cosignature line is in it, valid; more required than given is
/// a usage error.
#[test]
fn verify_can_require_a_witness_cosignature() {
    use ardoise_cert::cosign::{with_cosignatures, WitnessSigner};
    let (s, k) = station();
    let mut store = Store::open(&s.data).unwrap();
    let c = store.issue(Certificate::example(), &k).unwrap();
    let dd = store.data_dir().clone();
    let mut tree = log_with(3, None);
    receipt_into(&mut tree, &dd, &c.cert_id);
    let w = WitnessSigner::new("witness.test/w1", &[62; 32]).unwrap();
    let wkey = s.data.join("witness.vkey");
    std::fs::write(&wkey, w.verifier().to_vkey() + "\n").unwrap();
    let verify = |extra: &[&str]| {
        bin()
            .args(["verify", "--keys"])
            .arg(&s.trust)
            .arg("--registry-key")
            .arg(&s.registry_key)
            .arg("--witness")
            .arg(&wkey)
            .args(extra)
            .arg(&c.path)
            .output()
            .unwrap()
    };
    let o = verify(&["--json"]);
    assert_eq!(code(&o), 6, "{}", text(&o));
    assert!(
        text(&o).contains("0 of the trusted witnesses"),
        "{}",
        text(&o)
    );

    let rpath = dd.receipt_path(&c.cert_id);
    let mut r = Receipt::parse(&std::fs::read(&rpath).unwrap()).unwrap();
    let body = r.checkpoint.split_once("\n\n").unwrap().0.to_string() + "\n";
    r.checkpoint = with_cosignatures(&r.checkpoint, &[w.cosign(&body, 1_760_000_000)]);
    std::fs::write(&rpath, r.to_bytes()).unwrap();
    let o = verify(&["--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("cosigned by witness.test/w1"),
        "{}",
        text(&o)
    );

    let o = verify(&["--witnesses-required", "2"]);
    assert_ne!(code(&o), 0);
    assert!(text(&o).contains("only 1 --witness key"), "{}", text(&o));
}
