//! Witnessing (C2SP tlog-witness) between two registries, each running a witness for the
//! other's log: receipts come back cosigned and `verify_receipt_witnessed` accepts them with
//! k = 1 of the named witness. Then a copy of one registry's database (same key, same origin)
//! grows differently — a forked log: the witness refuses to cosign it, so its receipts fail
//! the k-of-n check even though the registry key signed them.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ardoise_cert::cosign::{verify_cosignatures, WitnessVerifier};
use ardoise_cert::note::NoteVerifier;
use ardoise_cert::receipt::{verify_receipt, verify_receipt_witnessed, Receipt, ReceiptError};
use ardoise_registry::cosigner::WitnessEndpoint;
use ardoise_registry::registry::open_for_cli;
use ardoise_registry::witness::Witness;
use common::*;

/// A witness served in-process on a loopback port.
struct TestWitness {
    url: String,
    key: WitnessVerifier,
    rt: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestWitness {
    fn start(name: &str, dir: &Path, logs: &[NoteVerifier]) -> TestWitness {
        let w = Arc::new(Witness::open(name, &dir.join("witness.key"), dir, logs).unwrap());
        let key = WitnessVerifier::from_vkey(&w.vkey()).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener =
            rt.block_on(async { tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(ardoise_registry::witness::serve(w, listener, async {
            let _ = rx.await;
        }));
        TestWitness {
            url,
            key,
            rt: Some(rt),
            stop: Some(tx),
        }
    }

    fn endpoint(&self) -> WitnessEndpoint {
        WitnessEndpoint::parse(&format!("{},{}", self.url, self.key.to_vkey())).unwrap()
    }
}

impl Drop for TestWitness {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

fn db_with_origin(origin: &str) -> (TestDb, NoteVerifier) {
    let db = TestDb::sqlite();
    let mut c = db.config();
    c.origin = Some(origin.into());
    let (_, signer) = open_for_cli(&c).unwrap();
    (db, signer.verifier())
}

fn config(db: &TestDb, origin: &str, witness: &TestWitness) -> ardoise_registry::Config {
    let mut c = db.config();
    c.origin = Some(origin.into());
    c.witnesses = vec![witness.endpoint()];
    c.witness_wait = Duration::from_secs(10);
    c
}

fn receipt_of(r: &Resp) -> Receipt {
    assert!(r.status == 201 || r.status == 200, "{}", r.text());
    serde_json::from_value(r.json()["receipt"].clone()).unwrap()
}

#[test]
fn two_registries_witness_each_other_and_a_fork_is_not_cosigned() {
    const A: &str = "registre-a.test/log";
    const B: &str = "registre-b.test/log";
    let (db_a, key_a) = db_with_origin(A);
    let (db_b, key_b) = db_with_origin(B);
    let wdir_a = tempfile::tempdir().unwrap();
    let wdir_b = tempfile::tempdir().unwrap();
    // Operator A runs a witness of B's log, operator B one of A's.
    let witness_of_b = TestWitness::start(
        "witness-a.test/w",
        wdir_a.path(),
        std::slice::from_ref(&key_b),
    );
    let witness_of_a = TestWitness::start(
        "witness-b.test/w",
        wdir_b.path(),
        std::slice::from_ref(&key_a),
    );
    let srv_b = TestServer::start(config(&db_b, B, &witness_of_b));
    let http_b = Http::admin(&srv_b.url);
    let mut st_b = Station::new(201, "st-01");
    http_b.register(&st_b);
    let c = st_b.next();
    let rb = receipt_of(&http_b.submit(&c.bytes));
    let w = verify_receipt_witnessed(
        &c.bytes,
        &rb,
        &key_b,
        std::slice::from_ref(&witness_of_b.key),
        1,
    )
    .expect("B's receipt is cosigned by A's witness");
    assert_eq!(w.cosignatures[0].witness, "witness-a.test/w");
    let age = time::OffsetDateTime::now_utc() - w.cosignatures[0].time;
    assert!(
        age < time::Duration::minutes(1),
        "the witness signed its time: {age}"
    );

    let mut st_a = Station::new(202, "st-01");
    let fork_base = {
        let srv_a = TestServer::start(config(&db_a, A, &witness_of_a));
        let http_a = Http::admin(&srv_a.url);
        http_a.register(&st_a);
        for _ in 0..3 {
            let c = st_a.next();
            let r = receipt_of(&http_a.submit(&c.bytes));
            verify_receipt_witnessed(
                &c.bytes,
                &r,
                &key_a,
                std::slice::from_ref(&witness_of_a.key),
                1,
            )
            .expect("A's receipt is cosigned by B's witness");
            // A witness that is not the named one does not count.
            assert!(matches!(
                verify_receipt_witnessed(
                    &c.bytes,
                    &r,
                    &key_a,
                    std::slice::from_ref(&witness_of_b.key),
                    1
                ),
                Err(ReceiptError::NotWitnessed { .. })
            ));
        }
        // The latest checkpoint is served with the cosignature.
        let cp = http_a.get("/api/v1/log/checkpoint").text();
        assert_eq!(
            verify_cosignatures(&cp, std::slice::from_ref(&witness_of_a.key))
                .unwrap()
                .len(),
            1,
            "{cp}"
        );
        srv_a.stop();
        // A copy of A's database and key at size 3: the base of the fork.
        let copy = tempfile::tempdir().unwrap();
        for f in ["registry.db", "registry.db-wal", "registry.db.log-key"] {
            let from = db_a.dir.path().join(f);
            if from.exists() {
                std::fs::copy(from, copy.path().join(f)).unwrap();
            }
        }
        copy
    };
    // A goes on to size 5, cosigned.
    let srv_a = TestServer::start(config(&db_a, A, &witness_of_a));
    let http_a = Http::admin(&srv_a.url);
    for _ in 0..2 {
        let c = st_a.next();
        let r = receipt_of(&http_a.submit(&c.bytes));
        verify_receipt_witnessed(
            &c.bytes,
            &r,
            &key_a,
            std::slice::from_ref(&witness_of_a.key),
            1,
        )
        .unwrap();
    }
    // The fork: the copy, same key and origin, grows with other certificates.
    let fork_db = TestDb {
        url: ardoise_registry::db::DbUrl::Sqlite(fork_base.path().join("registry.db")),
        key_file: fork_base.path().join("registry.db.log-key"),
        dir: fork_base,
    };
    let mut fork_config = config(&fork_db, A, &witness_of_a);
    fork_config.witness_wait = Duration::from_secs(3);
    let fork = TestServer::start(fork_config);
    assert_eq!(fork.key(), key_a, "the fork signs with A's own key");
    assert_eq!(
        fork.reg.log.read().unwrap().tree.size(),
        3,
        "the fork starts at size 3"
    );
    let http_f = Http::admin(&fork.url);
    let mut other = Station::new(203, "st-02");
    http_f.register(&other);
    for _ in 0..4 {
        let c = other.next();
        let r = receipt_of(&http_f.submit(&c.bytes));
        // Signed by A's key: the registry key alone cannot tell the fork apart ...
        verify_receipt(&c.bytes, &r, &key_a).expect("signed by the registry key");
        // ... the witness can: it never cosigns a tree inconsistent with what it cosigned.
        let e = verify_receipt_witnessed(
            &c.bytes,
            &r,
            &key_a,
            std::slice::from_ref(&witness_of_a.key),
            1,
        )
        .unwrap_err();
        assert!(
            matches!(e, ReceiptError::NotWitnessed { got: 0, .. }),
            "{e}"
        );
    }
    // Asked directly, the witness answers 409 (it holds size 5), then 422 for the fork.
    let fork_cp = http_f.get("/api/v1/log/checkpoint").text();
    let client = reqwest::blocking::Client::new();
    let post = |body: String| {
        client
            .post(format!("{}/add-checkpoint", witness_of_a.url))
            .body(body)
            .send()
            .unwrap()
    };
    let r = post(format!("old 3\n\n{fork_cp}"));
    assert_eq!(r.status(), 409);
    assert_eq!(r.headers()["content-type"], "text/x.tlog.size");
    assert_eq!(r.text().unwrap(), "5\n");
    let proof = fork
        .reg
        .log
        .read()
        .unwrap()
        .tree
        .consistency_proof(5, 7)
        .unwrap();
    let mut body = "old 5\n".to_string();
    for h in proof {
        use base64::Engine;
        body.push_str(&base64::engine::general_purpose::STANDARD.encode(h));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(&fork_cp);
    assert_eq!(post(body).status(), 422);
    // A is still cosigned after all that.
    let c = st_a.next();
    let r = receipt_of(&http_a.submit(&c.bytes));
    verify_receipt_witnessed(
        &c.bytes,
        &r,
        &key_a,
        std::slice::from_ref(&witness_of_a.key),
        1,
    )
    .unwrap();
}
