//! One bad submission never stops the registry; personal data stays private; revoked keys,
//! unknown keys, busy pools and slow readers are bounded. Each scenario runs on SQLite and
//! on a PostgreSQL cluster the test starts (`postgres_scenarios`).

mod common;

use std::io::{Read, Write};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

/// A trigger that makes the commit of any certificate whose media serial starts with
/// POISON fail inside the database (what a value PostgreSQL refuses did to the batch).
fn install_poison(db: &TestDb) {
    let mut c = db.conn();
    if c.is_postgres() {
        c.batch(
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.media_serial LIKE 'POISON%' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER poison BEFORE INSERT ON certificates FOR EACH ROW EXECUTE FUNCTION poison();",
        )
        .unwrap();
    } else {
        c.batch(
            "CREATE TRIGGER poison BEFORE INSERT ON certificates WHEN NEW.media_serial LIKE 'POISON%' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;",
        )
        .unwrap();
    }
}

/// A failed commit refuses only the submission that caused it: the writer keeps (or
/// recovers) its connection and, on PostgreSQL, its lock; the next certificate is stored.
fn failed_commit_refuses_only_the_offender(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(101, "st-01");
    http.register(&st);
    let first = st.next();
    assert_eq!(http.submit(&first.bytes).status, 201);
    install_poison(db);
    let poison = st.next_with(|c| c.media.serial = "POISON-1".into());
    let r = http.submit(&poison.bytes);
    assert_eq!(
        (r.status, r.error().as_str()),
        (503, "unavailable"),
        "{}",
        r.text()
    );
    let msg = r.json()["message"].as_str().unwrap().to_string();
    for internal in ["poison", "PostgreSQL", "SQLite", "trigger", "constraint"] {
        assert!(!msg.contains(internal), "internal text sent: {msg}");
    }
    assert!(msg.contains("incident"), "{msg}");
    // The same journal position with a clean certificate is accepted, then more after it.
    st.seq -= 1;
    st.prev = Some(ardoise_cert::envelope::envelope_hash(&first.bytes));
    let r = http.submit(&st.next().bytes);
    assert_eq!(r.status, 201, "the registry recovered: {}", r.text());
    // Several stations at once, one of them poisoned: only that one is refused, whether the
    // writer took them in one batch or not.
    let mut stations: Vec<Station> = (0..6)
        .map(|i| Station::new(110 + i, &format!("st-{}", 10 + i)))
        .collect();
    for s in &stations {
        http.register(s);
    }
    let envelopes: Vec<(bool, Vec<u8>)> = stations
        .iter_mut()
        .enumerate()
        .map(|(i, s)| {
            let bad = i == 3;
            let c = s.next_with(|c| {
                if bad {
                    c.media.serial = "POISON-2".into();
                }
            });
            (bad, c.bytes)
        })
        .collect();
    let url = srv.url.clone();
    let handles: Vec<_> = envelopes
        .into_iter()
        .map(|(bad, body)| {
            let url = url.clone();
            std::thread::spawn(move || (bad, Http::new(&url).submit(&body).status))
        })
        .collect();
    for h in handles {
        let (bad, status) = h.join().unwrap();
        assert_eq!(status, if bad { 503 } else { 201 }, "poisoned: {bad}");
    }
    let h = http.get("/api/v1/health");
    assert_eq!(h.status, 200, "{}", h.text());
    assert_eq!(h.json()["log_integrity"], json!("ok"));
    let audit = http.admin_post("/api/v1/audit", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(audit.status, 200, "{}", audit.text());
}

/// Anonymous readers see a certificate by id with personal fields masked, nothing else;
/// auditors (tokens the admin API issues) read everything but cannot administer.
fn personal_data_needs_a_token(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let admin = Http::admin(&srv.url);
    let anon = Http::new(&srv.url);
    let mut st = Station::new(121, "st-01");
    admin.register(&st);
    let c = st.next_with(|c| {
        c.provenance.donor.name = "Jeanne Martin-Dupuis".into();
        c.provenance.lot = Some("LOT-PRIVATE-7".into());
        c.host.smbios.system_serial = Some("HOSTSERIAL-4242".into());
        c.media.serial = "S4ELNX0N123456".into();
    });
    assert_eq!(admin.submit(&c.bytes).status, 201);
    for path in [
        "/api/v1/export.csv".to_string(),
        "/api/v1/export.jsonl?envelope=1".into(),
        "/api/v1/certificates?q=S4ELNX0N123456".into(),
        format!("/api/v1/certificates/{}", c.cert_id),
        format!("/api/v1/certificates/{}/envelope", c.cert_id),
        format!("/api/v1/journals/{WS}/st-01"),
    ] {
        let r = anon.get(&path);
        assert_eq!(
            (r.status, r.error().as_str()),
            (401, "unauthorized"),
            "{path}"
        );
    }
    assert_eq!(anon.get("/?q=S4ELNX0N123456").status, 401, "search page");
    assert_eq!(anon.get(&format!("/stations/{WS}/st-01")).status, 401);
    // The public page by id: verification state, no personal data.
    let page = anon.get(&format!("/c/{}?lang=en", c.cert_id));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Signature: valid") && html.contains("Log proof: valid"));
    for private in [
        "Jeanne",
        "Martin-Dupuis",
        "LOT-PRIVATE-7",
        "HOSTSERIAL-4242",
        "S4ELNX0N123456",
    ] {
        assert!(!html.contains(private), "{private} on the public page");
    }
    assert!(
        html.contains("•••3456"),
        "the disk serial's last four characters"
    );
    assert!(html.contains("id=\"masked-note\""));
    assert_eq!(
        anon.get(&format!("/api/v1/certificates/{}/receipt", c.cert_id))
            .status,
        200,
        "receipts hold no personal data"
    );
    // An auditor token: reads everything, administers nothing.
    let t = admin.admin_post(
        "/api/v1/tokens",
        Some(ADMIN_TOKEN),
        &json!({"role": "auditor", "comment": "label audit 2026"}),
    );
    assert_eq!(t.status, 201, "{}", t.text());
    let token = t.json()["token"].as_str().unwrap().to_string();
    let token_id = t.json()["token_id"].as_str().unwrap().to_string();
    let auditor = Http::new(&srv.url).with_token(&token);
    let csv = auditor.get("/api/v1/export.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.text().contains("Jeanne Martin-Dupuis"));
    assert!(auditor
        .get(&format!("/c/{}?lang=en", c.cert_id))
        .text()
        .contains("Jeanne Martin-Dupuis"));
    assert_eq!(auditor.get("/api/v1/stations").status, 403);
    assert_eq!(
        auditor
            .admin_post("/api/v1/tokens", Some(&token), &json!({"role": "admin"}))
            .status,
        403
    );
    let list = admin.get("/api/v1/tokens").text();
    assert!(list.contains(&token_id) && !list.contains(&token), "{list}");
    // The pages log in with the token (cookie), and a revoked token is refused.
    let form = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = form
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let bad = form
        .post(format!("{}/login", srv.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=not-a-token-at-all-0000")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 401);
    let r = admin.admin_post(
        &format!("/api/v1/tokens/{token_id}/revoke"),
        Some(ADMIN_TOKEN),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(auditor.get("/api/v1/export.csv").status, 401);
}

/// A key revoked at or before now signs nothing new, whatever issue time it writes; the page
/// of a certificate received before the revocation says so with the registry's own time.
fn revoked_key_refused_now(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(131, "st-01");
    http.register(&st);
    let early = st.next();
    assert_eq!(http.submit(&early.bytes).status, 201);
    // Revoked now: long after the issue time the station writes (2025-11-26), and a second
    // after the registry received the first certificate.
    std::thread::sleep(Duration::from_millis(1100));
    let r = http.admin_post(
        &format!("/api/v1/stations/{}/revoke", st.key.key_id()),
        Some(ADMIN_TOKEN),
        &json!({"reason": "laptop stolen"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let backdated = st.next();
    let r = http.submit(&backdated.bytes);
    assert_eq!(
        (r.status, r.error().as_str()),
        (401, "key_not_valid"),
        "{}",
        r.text()
    );
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("laptop stolen"));
    let page = http.get(&format!("/c/{}?lang=en", early.cert_id)).text();
    assert!(
        page.contains("received by this registry at") && page.contains("before the revocation"),
        "{page}"
    );
}

/// Submissions signed by unknown keys cost one key reload per window, not one each.
fn unknown_keys_do_not_hit_the_database(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let before = srv.reg.key_reloads.load(Ordering::Relaxed);
    let mut final_refusals = 0;
    for i in 0..40u8 {
        let mut stranger = Station::new(140 + (i % 50), "st-77");
        let r = http.submit(&stranger.next().bytes);
        // Within the window after a re-read, a key the registry may not have seen yet is
        // "retry" (503), never a final 401 that a station registered a moment ago would keep.
        match r.error().as_str() {
            "unknown_key" => final_refusals += 1,
            "keys_reloading" => assert_eq!(r.status, 503),
            other => panic!("{other}: {}", r.text()),
        }
    }
    assert!(
        final_refusals >= 1,
        "the first unknown key is refused for good"
    );
    let reloads = srv.reg.key_reloads.load(Ordering::Relaxed) - before;
    assert!(
        reloads <= 3,
        "{reloads} key reloads for 40 unknown-key submissions"
    );
    // A key registered by another process is still seen once the window has passed.
    std::thread::sleep(ardoise_registry::registry::KEY_RELOAD_WINDOW + Duration::from_millis(100));
    let mut st = Station::new(199, "st-02");
    let mut conn = db.conn();
    ardoise_registry::records::add_station_key(
        &mut conn,
        &serde_json::from_value(st.registration()).unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_eq!(http.submit(&st.next().bytes).status, 201);
}

/// A key another process registered a moment ago, while a stranger's refusal had just made
/// the registry re-read its keys: the station is told to retry, never that its key is unknown;
/// its retry once the window has passed is stored.
fn a_key_registered_a_moment_ago_is_never_refused_for_good(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut stranger = Station::new(130, "st-78");
    assert_eq!(http.submit(&stranger.next().bytes).error(), "unknown_key");
    // Registered in the database directly, as `ardoise-registry station add` does.
    let mut st = Station::new(131, "st-03");
    ardoise_registry::records::add_station_key(
        &mut db.conn(),
        &serde_json::from_value(st.registration()).unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let env = st.next().bytes;
    let r = http.submit(&env);
    assert!(
        r.status == 201 || (r.status == 503 && r.error() == "keys_reloading"),
        "{} {}",
        r.status,
        r.text()
    );
    if r.status == 503 {
        assert!(r.headers.get("retry-after").is_some());
        std::thread::sleep(
            ardoise_registry::registry::KEY_RELOAD_WINDOW + Duration::from_millis(100),
        );
        assert_eq!(http.submit(&env).status, 201);
    }
}

/// Database errors reach the log, not the client: the answer is a 503 with an incident id.
fn internal_errors_are_not_sent(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let anon = Http::new(&srv.url);
    let mut st = Station::new(141, "st-01");
    http.register(&st);
    let c = st.next();
    assert_eq!(http.submit(&c.bytes).status, 201);
    assert_eq!(http.get("/api/v1/certificates").status, 200);
    let hidden = |r: &Resp, table: &str| {
        assert_eq!(
            (r.status, r.error().as_str()),
            (503, "database_unavailable"),
            "{}",
            r.text()
        );
        assert!(r.headers.get("retry-after").is_some());
        let msg = r.json()["message"].as_str().unwrap().to_string();
        assert!(msg.contains("incident"), "{msg}");
        for internal in [
            table,
            "relation",
            "no such table",
            "SQLite",
            "PostgreSQL",
            "db error",
            "ERROR",
        ] {
            assert!(!msg.contains(internal), "internal text sent: {msg}");
        }
    };
    db.conn()
        .batch("ALTER TABLE certificates RENAME TO certificates_gone")
        .unwrap();
    hidden(&http.get("/api/v1/certificates?q=x"), "certificates");
    db.conn()
        .batch("ALTER TABLE certificates_gone RENAME TO certificates")
        .unwrap();
    // The certificate is found, then building its receipt reads the checkpoints, which fail.
    db.conn()
        .batch("ALTER TABLE checkpoints RENAME TO checkpoints_gone")
        .unwrap();
    hidden(
        &anon.get(&format!("/api/v1/certificates/{}/receipt", c.cert_id)),
        "checkpoints",
    );
    hidden(
        &http.get(&format!("/api/v1/certificates/{}", c.cert_id)),
        "checkpoints",
    );
    db.conn()
        .batch("ALTER TABLE checkpoints_gone RENAME TO checkpoints")
        .unwrap();
    let r = anon.get(&format!("/api/v1/certificates/{}/receipt", c.cert_id));
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Raw HTTP GET that reads only the status line, then leaves the rest unread.
fn open_slow_reader(addr: &str, path: &str) -> (std::net::TcpStream, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\r\n"
    )
    .unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        s.read_exact(&mut b).unwrap();
        line.push(b[0]);
    }
    (s, String::from_utf8_lossy(&line).into_owned())
}

/// 32 clients that start an export and never read: a search still answers at once, the
/// exports hold no database connection, and each is cut at the request timeout.
fn slow_export_readers_do_not_block(db: &TestDb) {
    let mut config = db.config();
    config.exports_per_address = 32;
    config.pool_size = 8;
    config.station_burst = 5000.0;
    config.request_timeout = Duration::from_secs(4);
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    let mut st = Station::new(151, "st-01");
    http.register(&st);
    // Large envelopes, so that an unread export fills every buffer on the way.
    let pad = "x".repeat(3900);
    for _ in 0..1200 {
        let c = st.next_with(|c| {
            c.sanitization.reason = pad.clone();
        });
        assert_eq!(http.submit(&c.bytes).status, 201);
    }
    let addr = srv.url.trim_start_matches("http://").to_string();
    let readers: Vec<_> = (0..32)
        .map(|_| open_slow_reader(&addr, "/api/v1/export.jsonl?envelope=1"))
        .collect();
    for (_, status) in &readers {
        assert!(status.contains(" 200 "), "{status}");
    }
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    let r = http.get(&format!(
        "/api/v1/certificates?media_serial={}",
        "SN0151000001"
    ));
    let took = t0.elapsed();
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        took < Duration::from_secs(2),
        "search took {took:?} behind 32 slow exports"
    );
    // Past the request timeout the exports are cut: a reader that finally reads gets an
    // incomplete body, not the 1200 certificates.
    std::thread::sleep(Duration::from_secs(4));
    let (mut s, _) = readers.into_iter().next().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    let lines = String::from_utf8_lossy(&rest)
        .matches("\"cert_id\"")
        .count();
    assert!(lines < 1200, "the export was not cut ({lines} lines)");
    // One address may hold only `exports_per_address` exports.
    drop(srv);
    let mut config = db.config();
    config.exports_per_address = 2;
    let srv = TestServer::start(config);
    let addr = srv.url.trim_start_matches("http://").to_string();
    let a = open_slow_reader(&addr, "/api/v1/export.jsonl?envelope=1");
    let b = open_slow_reader(&addr, "/api/v1/export.jsonl?envelope=1");
    let c = open_slow_reader(&addr, "/api/v1/export.jsonl?envelope=1");
    assert!(a.1.contains(" 200 ") && b.1.contains(" 200 "));
    assert!(c.1.contains(" 429 "), "{}", c.1);
}

/// Quality control is drawn by the registry's log, which the station cannot know when it
/// signs: the registry enforces the rule and the network's rate, states the selection and
/// its received time in a signed statement, and `ardoise verify` recomputes the selection.
fn qc_decided_by_the_log(db: &TestDb) {
    use ardoise_cert::payload::{Qc, QC_RULE_LOG_V1};
    use ardoise_cert::receipt::{verify_receipt, Receipt};
    let mut config = db.config();
    config.qc_min_rate_ppm = 50_000;
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    let mut st = Station::new(161, "st-01");
    http.register(&st);
    // The fixture's rule is computable by the station before erasing: refused.
    let c = st.draft();
    let r = http.submit(&st.sign(c).bytes);
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (422, json!("qc.rule")),
        "{}",
        r.text()
    );
    st.seq -= 1;
    st.prev = None;
    let r = http.submit(&st.next_with(|c| c.qc = Qc::sampled(10_000)).bytes);
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (422, json!("qc.rate_ppm")),
        "{}",
        r.text()
    );
    st.seq -= 1;
    st.prev = None;
    let key = srv.key();
    let mut seen = [false, false];
    let mut last_id = String::new();
    for _ in 0..12 {
        let c = st.next_with(|c| c.qc = Qc::sampled(500_000));
        last_id = c.cert_id.clone();
        let r = http.submit(&c.bytes);
        assert_eq!(r.status, 201, "{}", r.text());
        let receipt: Receipt = serde_json::from_value(r.json()["receipt"].clone()).unwrap();
        let v = verify_receipt(&c.bytes, &receipt, &key).unwrap();
        let stmt = v.statement.expect("a signed statement");
        assert_eq!(stmt.received_at, receipt.received_at.unix_timestamp());
        assert!(stmt.first_size > receipt.log_index);
        let q = stmt.qc.expect("the selection");
        assert_eq!((q.rule.as_str(), q.rate_ppm), (QC_RULE_LOG_V1, 500_000));
        let draw = ardoise_cert::statement::qc_log_draw(&c.cert_id, &stmt.first_signature);
        assert_eq!(q.selected, draw < 500_000);
        seen[q.selected as usize] = true;
        // The received time is signed: another one in the receipt fails.
        let mut forged = receipt.clone();
        forged.received_at -= time::Duration::days(400);
        assert!(verify_receipt(&c.bytes, &forged, &key).is_err());
        // An auditor recomputes it offline from the files.
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(format!("{}.dsse.json", c.cert_id));
        std::fs::write(&f, &c.bytes).unwrap();
        std::fs::write(
            dir.path().join(format!("{}.receipt.json", c.cert_id)),
            receipt.to_bytes(),
        )
        .unwrap();
        let trust = ardoise_cert::trust::TrustFile::parse(&st.trust_toml()).unwrap();
        let report = ardoise_cert::verify::verify_files(
            &[f],
            &trust,
            &ardoise_cert::verify::VerifyOptions {
                registry_key: Some(key.clone()),
                complete_journal: false,
                ..Default::default()
            },
        );
        let qc = report.certificates[0]
            .checks
            .iter()
            .find(|c| c.name == "qc")
            .unwrap();
        assert_eq!(qc.status, ardoise_cert::verify::CheckStatus::Pass, "{qc:?}");
        assert!(qc.detail.contains("registry's log"), "{qc:?}");
    }
    assert_eq!(seen, [true, true], "12 draws at 50 % give both answers");
    // A receipt fetched later states the same selection.
    let later = http.get(&format!("/api/v1/certificates/{last_id}/receipt"));
    let later = Receipt::parse(&later.body).unwrap();
    assert!(later.statement.is_some() && later.first_checkpoint.is_some());
}

/// A station key row edited in the database (another public key under a station's key id)
/// is not trusted, and the audit says so.
fn edited_key_row_is_not_trusted(db: &TestDb) {
    use ardoise_cert::envelope::{pae, Envelope, EnvelopeSignature, PAYLOAD_TYPE};
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut victim = Station::new(171, "st-01");
    let thief = Station::new(172, "st-66");
    http.register(&victim);
    assert_eq!(http.submit(&victim.next().bytes).status, 201);
    let mut c = db.conn();
    c.execute(
        "UPDATE station_keys SET public_key = ? WHERE key_id = ?",
        &[thief.key.public_base64().into(), victim.key.key_id().into()],
    )
    .unwrap();
    c.execute(
        "UPDATE meta SET value = '999' WHERE name = 'keys_version'",
        &[],
    )
    .unwrap();
    // The thief signs a certificate that names the victim's key id.
    let cert = victim.draft();
    let mut payload = serde_json::to_vec_pretty(&cert).unwrap();
    payload.push(b'\n');
    let sig = thief.key.sign(&pae(PAYLOAD_TYPE, &payload));
    let env = Envelope {
        payload_type: PAYLOAD_TYPE.into(),
        payload,
        signatures: vec![EnvelopeSignature {
            keyid: victim.key.key_id().into(),
            sig: sig.to_vec(),
        }],
    }
    .to_bytes();
    std::thread::sleep(Duration::from_millis(2500)); // the background key refresh
    let r = http.submit(&env);
    assert_eq!(r.status, 401, "{}", r.text());
    let a = http.admin_post("/api/v1/audit", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(a.status, 409, "{}", a.text());
    assert!(a.text().contains("key_id_mismatch"), "{}", a.text());
}

type Scenario = (&'static str, fn(&TestDb));

const SCENARIOS: &[Scenario] = &[
    (
        "failed_commit_refuses_only_the_offender",
        failed_commit_refuses_only_the_offender,
    ),
    ("personal_data_needs_a_token", personal_data_needs_a_token),
    ("revoked_key_refused_now", revoked_key_refused_now),
    (
        "unknown_keys_do_not_hit_the_database",
        unknown_keys_do_not_hit_the_database,
    ),
    (
        "a_key_registered_a_moment_ago_is_never_refused_for_good",
        a_key_registered_a_moment_ago_is_never_refused_for_good,
    ),
    ("internal_errors_are_not_sent", internal_errors_are_not_sent),
    (
        "slow_export_readers_do_not_block",
        slow_export_readers_do_not_block,
    ),
    ("qc_decided_by_the_log", qc_decided_by_the_log),
    (
        "edited_key_row_is_not_trusted",
        edited_key_row_is_not_trusted,
    ),
];

macro_rules! sqlite_tests {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let db = TestDb::sqlite();
            super::$name(&db);
        }
    )*};
}

mod sqlite {
    use super::*;
    sqlite_tests!(
        failed_commit_refuses_only_the_offender,
        personal_data_needs_a_token,
        revoked_key_refused_now,
        unknown_keys_do_not_hit_the_database,
        a_key_registered_a_moment_ago_is_never_refused_for_good,
        internal_errors_are_not_sent,
        slow_export_readers_do_not_block,
        qc_decided_by_the_log,
        edited_key_row_is_not_trusted
    );
}

/// Every scenario against a real PostgreSQL server started for this test.
#[test]
fn postgres_scenarios() {
    let Some(pg) = PgServer::start() else { return };
    for (name, scenario) in SCENARIOS {
        eprintln!("postgres: {name}");
        let db = pg.test_db();
        scenario(&db);
    }
}

/// The PostgreSQL pool: a request that finds every connection busy gets 503 with
/// Retry-After after the pool's wait, never waits forever.
#[test]
fn postgres_busy_pool_answers_503() {
    let Some(pg) = PgServer::start() else { return };
    let db = pg.test_db();
    let mut config = db.config();
    config.pool_size = 1;
    config.pool_wait = Duration::from_millis(300);
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    // The audit at start must be done (it reads the table too).
    let t0 = Instant::now();
    while srv.reg.last_audit.lock().unwrap().is_none() {
        assert!(t0.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
    // Another session locks the table: the one pooled connection waits inside a search.
    let mut locker = postgres::Client::connect(
        match &db.url {
            ardoise_registry::db::DbUrl::Postgres(u) => u,
            _ => unreachable!(),
        },
        postgres::NoTls,
    )
    .unwrap();
    let mut tx = locker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE certificates IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let url = srv.url.clone();
    let stuck = std::thread::spawn(move || {
        let r = Http::admin(&url).get("/api/v1/certificates");
        (r.status, r.text())
    });
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    let r = http.get("/api/v1/certificates?q=x");
    assert_eq!(
        (r.status, r.error().as_str()),
        (503, "busy"),
        "{}",
        r.text()
    );
    assert!(r.headers.get("retry-after").is_some());
    assert!(t0.elapsed() < Duration::from_secs(3));
    tx.rollback().unwrap();
    let (status, text) = stuck.join().unwrap();
    assert_eq!(status, 200, "{text}");
}

/// The session that holds the writer's advisory lock, seen from another connection.
fn writer_backend(admin: &mut postgres::Client) -> Option<i32> {
    admin
        .query_opt(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = 0 AND objid::bigint = 4242424242 AND objsubid = 1",
            &[],
        )
        .unwrap()
        .map(|r| r.get(0))
}

/// Submits fresh certificates of `st` until one is stored (201), at most `tries`; returns the
/// statuses seen. A refused one leaves the journal where it was.
fn submit_until_stored(http: &Http, st: &mut Station, tries: usize) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..tries {
        let (seq, prev) = (st.seq, st.prev.clone());
        let r = http.submit(&st.next().bytes);
        seen.push(r.status);
        if r.status == 201 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text());
        (st.seq, st.prev) = (seq, prev);
        std::thread::sleep(Duration::from_millis(200));
    }
    seen
}

/// The writer's PostgreSQL session ended by the server (an administrator's
/// pg_terminate_backend, a restarted backend): the writer reconnects, takes its lock again,
/// and a later submission is stored.
#[test]
fn postgres_writer_session_terminated_then_stored() {
    let Some(pg) = PgServer::start() else { return };
    let db = pg.test_db();
    let ardoise_registry::db::DbUrl::Postgres(url) = &db.url else {
        unreachable!()
    };
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(171, "st-01");
    http.register(&st);
    assert_eq!(http.submit(&st.next().bytes).status, 201);
    let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let old = writer_backend(&mut admin).expect("the writer holds its lock");
    let ended: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&old])
        .unwrap()
        .get(0);
    assert!(ended);
    let seen = submit_until_stored(&http, &mut st, 5);
    assert_eq!(
        seen.last(),
        Some(&201),
        "statuses after the session ended: {seen:?}"
    );
    let now = writer_backend(&mut admin).expect("the writer took its lock again");
    assert_ne!(now, old);
    let h = http.get("/api/v1/health");
    assert_eq!(h.status, 200, "{}", h.text());
    assert_eq!(h.json()["log_integrity"], json!("ok"));
    assert_eq!(h.json()["log_size"], json!(2));
}

/// A TCP relay to PostgreSQL that can cut its connections on the client's side only: the
/// registry sees its connections close, the server keeps its sessions (and their locks), as
/// after a network failure the server has not noticed.
struct CutRelay {
    port: u16,
    state: std::sync::Arc<RelayState>,
}

#[derive(Default)]
struct RelayState {
    live: std::sync::Mutex<Vec<RelayedPair>>,
    /// Server-side sockets of cut connections, kept open until the test ends.
    held: std::sync::Mutex<Vec<std::net::TcpStream>>,
    /// The next COMMIT a client sends goes to the server, whose answer is dropped: everything
    /// is cut when it arrives, so the server has committed before the client sees anything.
    cut_at_commit: std::sync::atomic::AtomicBool,
}

struct RelayedPair {
    client: std::net::TcpStream,
    server: std::net::TcpStream,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl RelayState {
    /// Closes every relayed connection towards the registry; the server sees nothing.
    fn cut_all(&self) {
        for p in self.live.lock().unwrap().drain(..) {
            p.cut.store(true, Ordering::SeqCst);
            let _ = p.client.shutdown(std::net::Shutdown::Both);
            self.held.lock().unwrap().push(p.server);
        }
    }
}

impl CutRelay {
    fn start(upstream: u16) -> CutRelay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = std::sync::Arc::new(RelayState::default());
        let st = state.clone();
        // Accepts for the life of the test process (a few connections, all on loopback).
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                // Set when this connection carried the awaited COMMIT: its answer is dropped.
                let drop_reply = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                for (from, to, upward) in [(&client, &server, true), (&server, &client, false)] {
                    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    let (cut, st, drop_reply) = (cut.clone(), st.clone(), drop_reply.clone());
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        loop {
                            let n = match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            // A simple-protocol Query "COMMIT" (the client waited for every
                            // earlier answer, so the next bytes back are COMMIT's).
                            if upward
                                && buf[..n].windows(7).any(|w| w == b"COMMIT\0")
                                && st.cut_at_commit.swap(false, Ordering::SeqCst)
                            {
                                drop_reply.store(true, Ordering::SeqCst);
                            }
                            if !upward && drop_reply.load(Ordering::SeqCst) {
                                st.cut_all();
                                break;
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        // A normal close travels on; after a cut the server must not see it.
                        if !cut.load(Ordering::SeqCst) {
                            let _ = to.shutdown(std::net::Shutdown::Write);
                        }
                    });
                }
                st.live.lock().unwrap().push(RelayedPair {
                    client,
                    server,
                    cut,
                });
            }
        });
        CutRelay { port, state }
    }

    fn cut_all(&self) {
        self.state.cut_all();
    }

    /// The next COMMIT a client sends reaches the server, which commits; its answer is lost,
    /// every connection cut.
    fn cut_at_next_commit(&self) {
        self.state.cut_at_commit.store(true, Ordering::SeqCst);
    }

    /// A URL of `direct` (a database on 127.0.0.1:`upstream`) through the relay.
    fn url(&self, direct: &str, upstream: u16) -> ardoise_registry::db::DbUrl {
        let via = direct.replace(
            &format!("127.0.0.1:{upstream}/"),
            &format!("127.0.0.1:{}/", self.port),
        );
        assert_ne!(via, direct);
        ardoise_registry::db::DbUrl::Postgres(via)
    }
}

/// Health once the read pool's stale connections are gone: the relay cut them too, and each
/// fails one request before the pool drops it.
fn health_after_cut(http: &Http) -> Resp {
    let mut h = http.get("/api/v1/health");
    for _ in 0..40 {
        if h.status == 200 {
            break;
        }
        h = http.get("/api/v1/health");
    }
    h
}

/// The writer's connection is cut on the way while its server session lives on and keeps the
/// lock: the writer reconnects, recognises its own previous session, ends it and takes the
/// lock again, instead of refusing every submission until a restart.
#[test]
fn postgres_writer_connection_cut_on_the_way_then_stored() {
    let Some(pg) = PgServer::start() else { return };
    let db = pg.test_db();
    let ardoise_registry::db::DbUrl::Postgres(direct) = db.url.clone() else {
        unreachable!()
    };
    let relay = CutRelay::start(pg.port);
    let mut config = db.config();
    config.db = relay.url(&direct, pg.port);
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    let mut st = Station::new(172, "st-01");
    http.register(&st);
    assert_eq!(http.submit(&st.next().bytes).status, 201);
    let mut admin = postgres::Client::connect(&direct, postgres::NoTls).unwrap();
    let old = writer_backend(&mut admin).expect("the writer holds its lock");
    relay.cut_all();
    // The server still has the writer's session, lock included.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(writer_backend(&mut admin), Some(old));
    let seen = submit_until_stored(&http, &mut st, 5);
    assert_eq!(seen.last(), Some(&201), "statuses after the cut: {seen:?}");
    let now = writer_backend(&mut admin).expect("the writer took its lock again");
    assert_ne!(now, old);
    let h = health_after_cut(&http);
    assert_eq!(h.status, 200, "{}", h.text());
    assert_eq!(h.json()["log_integrity"], json!("ok"));
    assert_eq!(h.json()["log_size"], json!(2));
    let audit = http.admin_post("/api/v1/audit", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(audit.status, 200, "{}", audit.text());
}

/// The connection is cut while the answer to the writer's COMMIT travels: the server has
/// committed, the writer sees its connection close. The writer reconnects (ending its old session, which holds the lock), finds the
/// checkpoint it signed for that commit stored, and answers as stored; the next entries go
/// after it rather than failing on the stored rows.
#[test]
fn postgres_commit_answer_lost_is_stored_once() {
    let Some(pg) = PgServer::start() else { return };
    let db = pg.test_db();
    let ardoise_registry::db::DbUrl::Postgres(direct) = db.url.clone() else {
        unreachable!()
    };
    let relay = CutRelay::start(pg.port);
    let mut config = db.config();
    config.db = relay.url(&direct, pg.port);
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    let mut st = Station::new(173, "st-01");
    http.register(&st);
    assert_eq!(http.submit(&st.next().bytes).status, 201);
    relay.cut_at_next_commit();
    let lost = st.next();
    let r = http.submit(&lost.bytes);
    assert_eq!(
        r.status,
        201,
        "the commit reached the database: {}",
        r.text()
    );
    let seen = submit_until_stored(&http, &mut st, 3);
    assert_eq!(seen, vec![201], "the entry after it");
    let h = health_after_cut(&http);
    assert_eq!(h.status, 200, "{}", h.text());
    assert_eq!(h.json()["log_integrity"], json!("ok"));
    assert_eq!(h.json()["log_size"], json!(3));
    let mut admin = postgres::Client::connect(&direct, postgres::NoTls).unwrap();
    let stored: i64 = admin
        .query_one("SELECT COUNT(*) FROM certificates", &[])
        .unwrap()
        .get(0);
    assert_eq!(stored, 3);
    let r = http.get(&format!("/api/v1/certificates/{}/receipt", lost.cert_id));
    assert_eq!(r.status, 200, "{}", r.text());
    let audit = http.admin_post("/api/v1/audit", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(audit.status, 200, "{}", audit.text());
}
