//! The store under crashes and a full filesystem.
//!
//! `a_killed_writer_leaves_a_readable_store` re-runs this test binary as a child that issues
//! certificates (and records fake uploads) in a loop, SIGKILLs it at varying moments, and
//! checks that every file parses, every signature holds, and the journal is one unbroken
//! chain from seq 0, after each kill.
//!
//! `a_full_filesystem_is_a_clear_error_and_loses_nothing` mounts a small tmpfs of its own
//! (needs root, as in the project's test environment).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ardoise_cert::envelope::Envelope;
use ardoise_cert::merkle;
use ardoise_cert::note::{Checkpoint, NoteSigner};
use ardoise_cert::receipt::Receipt;
use ardoise_cert::station_store::{check_writable, DataDir, Store, StoreError};
use ardoise_cert::verify::{verify_files, VerifyOptions};
use common::*;

const CHILD_ENV: &str = "ARDOISE_CERT_CRASH_CHILD_DIR";

/// The tests below take one at a time: a child spawned by one test is forked with a copy of
/// every descriptor of this process, including another test's store lock, and holds it until
/// it execs; the other test's next `Store::open` then finds its own directory locked.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}
const WS: &str = "ressourcerie-pays-d-auge";
const ST: &str = "st-01";

fn registry() -> NoteSigner {
    NoteSigner::new("registre.test/log", &[77; 32]).unwrap()
}

/// A genuine receipt from a one-entry log holding this envelope.
fn receipt_for(envelope: &[u8]) -> Receipt {
    let leaf = merkle::leaf_hash(envelope);
    let checkpoint = Checkpoint {
        origin: "registre.test/log".into(),
        size: 1,
        root: leaf,
        extensions: vec![],
    }
    .sign(&registry())
    .unwrap();
    Receipt {
        cert_id: Envelope::parse(envelope).unwrap().certificate_id(),
        log_index: 0,
        leaf_hash: hex::encode(leaf),
        inclusion_proof: vec![],
        checkpoint,
        registry_key: registry().verifier().to_vkey(),
        received_at: time::macros::datetime!(2025-11-26 12:00 UTC),
        statement: None,
        first_checkpoint: None,
    }
}

/// The child's body: does nothing unless started by the parent test below.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let k = key(30);
    let mut store = Store::open(Path::new(&dir)).expect("child opens the store");
    let dd = store.data_dir().clone();
    loop {
        let stored = store.issue(cert_for(&k), &k).expect("child issues");
        if stored.seq.is_multiple_of(2) {
            dd.complete_upload(&stored.cert_id, &receipt_for(&stored.envelope_bytes))
                .expect("child records an upload");
        }
    }
}

fn certificate_files(dir: &Path) -> Vec<PathBuf> {
    let dd = DataDir::open(dir).unwrap();
    dd.certificate_ids()
        .unwrap()
        .iter()
        .map(|id| dd.certificate_path(id))
        .collect()
}

fn check_store(dir: &Path) -> usize {
    let store = Store::open(dir).expect("store opens after a crash");
    let dd = store.data_dir().clone();
    let files = certificate_files(dir);
    let k = key(30);
    let report = verify_files(
        &files,
        &trust(&[(&k, WS, ST)]),
        &VerifyOptions {
            complete_journal: true,
            registry_key: Some(registry().verifier()),
            ..Default::default()
        },
    );
    assert!(
        report.ok,
        "store not consistent after kill:\n{}",
        report.to_text()
    );
    assert_eq!(store.journal_head().next_seq, files.len() as u64);
    // No temporary file survives recovery; every other file parses.
    for sub in ["certificates", "outbox", "journal"] {
        for e in fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "temporary file left: {name}");
            let bytes = fs::read(&p).unwrap();
            if name.ends_with(".receipt.json") {
                Receipt::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            } else {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
    // Every certificate without a receipt is queued; none with a receipt is.
    let queued: Vec<String> = dd
        .outbox()
        .unwrap()
        .into_iter()
        .map(|e| e.cert_id)
        .collect();
    for id in dd.certificate_ids().unwrap() {
        let has_receipt = dd.receipt_path(&id).exists();
        assert_eq!(queued.contains(&id), !has_receipt, "outbox wrong for {id}");
    }
    files.len()
}

#[test]
fn a_killed_writer_leaves_a_readable_store() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut previous = 0;
    // Kill times spread over the write loop; varied so that kills land in different phases.
    let delays_ms = [150u64, 40, 230, 90, 310, 60, 170, 120];
    for (round, delay) in delays_ms.iter().enumerate() {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_writer",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .spawn()
            .unwrap();
        // Wait until the child has written something new, then let it run a bit more.
        let start = Instant::now();
        while certificate_files(dir.path()).len() <= previous {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "child made no progress in round {round}"
            );
            if let Some(status) = child.try_wait().unwrap() {
                panic!("child exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(*delay));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success(), "child should have been killed");
        let n = check_store(dir.path());
        assert!(n > previous, "round {round}: no progress ({n})");
        previous = n;
    }
    assert!(previous >= 16, "only {previous} certificates written");
}

/// Crashes at exact instants: mid-write of a temporary file, before and after its rename
/// (for certificates, outbox entries and receipts), after a certificate is committed (before
/// its outbox entry), after a receipt (before the outbox entry is removed).
#[test]
fn a_crash_at_each_write_point_leaves_a_readable_store() {
    let _serial = serial();
    let exe = std::env::current_exe().unwrap();
    let mut specs = Vec::new();
    for point in ["mid-write", "before-rename", "after-rename"] {
        for file in [".dsse.json", "/outbox/", ".receipt.json"] {
            for nth in [1, 3] {
                specs.push(format!("{point}:{nth}:{file}"));
            }
        }
    }
    for point in ["after-certificate", "after-receipt"] {
        for nth in [1, 3] {
            specs.push(format!("{point}:{nth}"));
        }
    }
    for spec in specs {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new(&exe)
            .args(["--exact", "crash_child_writer", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .env("ARDOISE_CERT_CRASH_AT", &spec)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "{spec}: child did not crash");
        check_store(dir.path());
        // The store keeps working after the crash.
        let k = key(30);
        let mut store = Store::open(dir.path()).unwrap();
        let next = store.journal_head().next_seq;
        assert_eq!(store.issue(cert_for(&k), &k).unwrap().seq, next, "{spec}");
        drop(store);
        check_store(dir.path());
    }
}

struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "ardoise-test"])
            .arg(dir)
            .output()
            .expect("mount(8) runs");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_filesystem_is_a_clear_error_and_loses_nothing() {
    let _serial = serial();
    let outer = tempfile::tempdir().unwrap();
    let _fs = Tmpfs::mount(outer.path(), "2m");
    let dir = outer.path().join("data");
    let k = key(31);
    let mut store = Store::open(&dir).unwrap();
    let a = store.issue(cert_for(&k), &k).unwrap();
    let b = store.issue(cert_for(&k), &k).unwrap();
    check_writable(&dir).unwrap();

    // Fill the filesystem.
    let filler = outer.path().join("filler");
    {
        use std::io::Write;
        let mut f = fs::File::create(&filler).unwrap();
        let chunk = vec![1u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }

    let err = check_writable(&dir).unwrap_err();
    assert!(matches!(err, StoreError::NoSpace { .. }), "{err}");
    assert!(err.to_string().contains("no space left"), "{err}");

    let head_before = store.journal_head().clone();
    let err = store.issue(cert_for(&k), &k).unwrap_err();
    assert!(matches!(err, StoreError::NoSpace { .. }), "{err}");
    assert_eq!(store.journal_head(), &head_before);

    // Old files intact, nothing half-written.
    assert_eq!(fs::read(&a.path).unwrap(), a.envelope_bytes);
    assert_eq!(fs::read(&b.path).unwrap(), b.envelope_bytes);
    let names: Vec<String> = fs::read_dir(dir.join("certificates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // Space back: issuing continues the chain.
    fs::remove_file(&filler).unwrap();
    let c = store.issue(cert_for(&k), &k).unwrap();
    assert_eq!(c.seq, 2);
    drop(store);
    let report = verify_files(
        &certificate_files(&dir),
        &trust(&[(&k, WS, ST)]),
        &VerifyOptions {
            complete_journal: true,
            ..Default::default()
        },
    );
    assert!(report.ok, "{}", report.to_text());
}
