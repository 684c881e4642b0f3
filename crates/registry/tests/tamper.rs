//! Tampering with the database behind the registry's back is detected: by the audit
//! (`POST /api/v1/audit`, the `/audit` page, `ardoise-registry audit`), by the certificate
//! page, by `ardoise verify` on what the registry serves, and at the next start.

mod common;

use ardoise_cert::receipt::Receipt;
use ardoise_cert::trust::TrustFile;
use ardoise_cert::verify::{verify_files, VerifyOptions};
use ardoise_registry::db::Value;
use common::*;
use serde_json::json;

struct Fixture {
    srv: TestServer,
    http: Http,
    st: Station,
    ids: Vec<Signed>,
}

fn fixture(db: &TestDb) -> Fixture {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(101, "st-01");
    http.register(&st);
    let mut ids = Vec::new();
    for _ in 0..6 {
        let c = st.next();
        assert_eq!(http.submit(&c.bytes).status, 201);
        ids.push(c);
    }
    let a = http.admin_post("/api/v1/audit", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(a.status, 200, "intact log audits clean: {}", a.text());
    assert_eq!(a.json()["ok"], json!(true));
    Fixture { srv, http, st, ids }
}

fn audit(http: &Http) -> serde_json::Value {
    let a = http.admin_post("/api/v1/audit", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(a.status, 409, "tampering must fail the audit: {}", a.text());
    a.json()
}

fn kinds(report: &serde_json::Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

/// What an auditor does with the files the registry serves: `ardoise verify`.
fn auditor_verdict(http: &Http, f: &Fixture, id: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let env = http
        .get(&format!("/api/v1/certificates/{id}/envelope"))
        .body;
    let path = dir.path().join(format!("{id}.dsse.json"));
    std::fs::write(&path, env).unwrap();
    let r = http.get(&format!("/api/v1/certificates/{id}/receipt"));
    if r.status == 200 {
        let rc = Receipt::parse(&r.body).unwrap();
        std::fs::write(dir.path().join(format!("{id}.receipt.json")), rc.to_bytes()).unwrap();
    }
    let report = verify_files(
        &[path],
        &TrustFile::parse(&f.st.trust_toml()).unwrap(),
        &VerifyOptions {
            registry_key: Some(f.srv.key()),
            complete_journal: false,
            ..Default::default()
        },
    );
    (report.ok, report.to_text())
}

fn altered_envelope(db: &TestDb) {
    let f = fixture(db);
    let victim = &f.ids[2];
    // Change the outcome inside the stored envelope (payload re-encoded, signature kept).
    let env: serde_json::Value = serde_json::from_slice(&victim.bytes).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = String::from_utf8(b64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    let mut env2 = env.clone();
    env2["payload"] = json!(b64.encode(payload.replace("\"purge\"", "\"clear\"").as_bytes()));
    let altered = serde_json::to_string(&env2).unwrap();
    let n = db
        .conn()
        .execute(
            "UPDATE certificates SET envelope = ? WHERE cert_id = ?",
            &[Value::Text(altered), Value::Text(victim.cert_id.clone())],
        )
        .unwrap();
    assert_eq!(n, 1);
    let report = audit(&f.http);
    let k = kinds(&report);
    assert!(k.contains(&"altered_envelope".to_string()), "{report}");
    assert!(k.contains(&"checkpoint_mismatch".to_string()), "{report}");
    let p = &report["problems"][0];
    assert_eq!(p["cert_id"], json!(victim.cert_id));
    // The page says so.
    let page = f.http.get(&format!("/c/{}?lang=en", victim.cert_id)).text();
    assert!(page.contains("Log proof: INVALID"), "{page}");
    assert!(page.contains("Signature: INVALID"));
    let audit_page = f.http.get("/audit?lang=en").text();
    assert!(audit_page.contains("TAMPERING DETECTED"), "{audit_page}");
    assert!(audit_page.contains(&victim.cert_id));
    // An auditor's `ardoise verify` on what the registry now serves fails.
    let (ok, text) = auditor_verdict(&f.http, &f, &victim.cert_id);
    assert!(!ok, "{text}");
    // An untouched certificate is still fine.
    let (ok, text) = auditor_verdict(&f.http, &f, &f.ids[0].cert_id);
    assert!(ok, "{text}");
}

fn altered_consistently_then_restart(db: &TestDb) {
    let f = fixture(db);
    // A careful attacker rewrites the envelope *and* its stored leaf hash: the recomputed
    // tree no longer matches the signed checkpoints.
    let victim = &f.ids[4];
    let altered =
        String::from_utf8(victim.bytes.clone())
            .unwrap()
            .replacen("\"keyid\"", "\"keyid\" ", 1);
    let leaf = hex::encode(ardoise_cert::merkle::leaf_hash(altered.as_bytes()));
    db.conn()
        .execute(
            "UPDATE certificates SET envelope = ?, leaf_hash = ? WHERE cert_id = ?",
            &[
                Value::Text(altered),
                Value::Text(leaf),
                Value::Text(victim.cert_id.clone()),
            ],
        )
        .unwrap();
    let report = audit(&f.http);
    assert_eq!(kinds(&report), vec!["checkpoint_mismatch"], "{report}");
    assert!(
        report["problems"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("matched up to size 4"),
        "{report}"
    );
    let Fixture {
        srv,
        http: _,
        mut st,
        ..
    } = f;
    srv.stop();
    // Restarted on the tampered database: the registry refuses to extend a log that does not
    // match what it signed.
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let h = http.get("/api/v1/health");
    assert_eq!(h.status, 503);
    assert!(
        h.json()["log_integrity"]
            .as_str()
            .unwrap()
            .contains("latest signed checkpoint"),
        "{}",
        h.text()
    );
    let r = http.submit(&st.next().bytes);
    assert_eq!(
        (r.status, r.error().as_str()),
        (503, "log_inconsistent"),
        "{}",
        r.text()
    );
    assert!(http.get("/audit?lang=en").text().contains("State at start"));
}

fn removed_entry(db: &TestDb) {
    let f = fixture(db);
    let victim = &f.ids[3];
    let n = db
        .conn()
        .execute(
            "DELETE FROM certificates WHERE cert_id = ?",
            &[Value::Text(victim.cert_id.clone())],
        )
        .unwrap();
    assert_eq!(n, 1);
    let report = audit(&f.http);
    let k = kinds(&report);
    assert!(k.contains(&"missing_entry".to_string()), "{report}");
    assert_eq!(report["problems"][0]["log_index"], json!(3));
    // Removing the newest entries and their checkpoints too still leaves the older
    // checkpoints and receipts: the station's receipt proves the entry existed.
    let last = &f.ids[5];
    let mut c = db.conn();
    c.execute(
        "DELETE FROM certificates WHERE cert_id = ?",
        &[Value::Text(last.cert_id.clone())],
    )
    .unwrap();
    let report = audit(&f.http);
    assert!(
        kinds(&report).contains(&"checkpoint_beyond_log".to_string()),
        "{report}"
    );
    assert_eq!(f.http.get(&format!("/c/{}", victim.cert_id)).status, 404);
}

type Scenario = (&'static str, fn(&TestDb));

const SCENARIOS: &[Scenario] = &[
    ("altered_envelope", altered_envelope),
    (
        "altered_consistently_then_restart",
        altered_consistently_then_restart,
    ),
    ("removed_entry", removed_entry),
];

#[test]
fn sqlite_altered_envelope() {
    altered_envelope(&TestDb::sqlite());
}

#[test]
fn sqlite_altered_consistently_then_restart() {
    altered_consistently_then_restart(&TestDb::sqlite());
}

#[test]
fn sqlite_removed_entry() {
    removed_entry(&TestDb::sqlite());
}

#[test]
fn postgres_tamper_scenarios() {
    let Some(pg) = PgServer::start() else { return };
    for (name, scenario) in SCENARIOS {
        eprintln!("postgres: {name}");
        scenario(&pg.test_db());
    }
}

/// The CLI audit exits 1 on a tampered database and 0 on an intact one.
#[test]
fn cli_audit_exit_status() {
    let db = TestDb::sqlite();
    let f = fixture(&db);
    let bin = env!("CARGO_BIN_EXE_ardoise-registry");
    let run = || {
        std::process::Command::new(bin)
            .args(["audit", "--db"])
            .arg(format!(
                "sqlite:{}",
                match &db.url {
                    ardoise_registry::db::DbUrl::Sqlite(p) => p.display().to_string(),
                    _ => unreachable!(),
                }
            ))
            .arg("--key-file")
            .arg(&db.key_file)
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("log intact"));
    db.conn()
        .execute("DELETE FROM certificates WHERE log_index = 1", &[])
        .unwrap();
    let bad = run();
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        out.contains("TAMPERING DETECTED") && out.contains("missing_entry"),
        "{out}"
    );
    drop(f);
}
