//! API tests over real HTTP on 127.0.0.1, each scenario against SQLite and against a
//! PostgreSQL cluster the test starts (`postgres_scenarios`).

mod common;

use std::collections::HashSet;

use ardoise_cert::note::NoteVerifier;
use ardoise_cert::receipt::{verify_checkpoint_consistency, verify_receipt, Receipt};
use ardoise_cert::trust::TrustFile;
use ardoise_cert::verify::{verify_files, VerifyOptions};
use common::*;
use serde_json::json;

fn receipt_of(r: &Resp) -> Receipt {
    serde_json::from_value(r.json()["receipt"].clone()).expect("receipt")
}

fn registry_key(http: &Http) -> NoteVerifier {
    NoteVerifier::from_vkey(&http.get("/api/v1/log/key").text()).unwrap()
}

/// What must not change when a submission is refused.
fn snapshot(http: &Http) -> (String, String) {
    (
        http.get("/api/v1/log/checkpoint").text(),
        http.get("/api/v1/export.jsonl?envelope=1").text(),
    )
}

// ---------------------------------------------------------------------------------------
// scenarios

fn submit_fetch_duplicate(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(11, "st-01");
    http.register(&st);
    let key = registry_key(&http);
    assert_eq!(key, srv.key());

    let a = st.next();
    let r = http.submit(&a.bytes);
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json().get("duplicate").is_none());
    let receipt = receipt_of(&r);
    verify_receipt(&a.bytes, &receipt, &key).expect("receipt verifies with the registry key");
    assert_eq!(receipt.cert_id, a.cert_id);
    assert_eq!(receipt.log_index, 0);

    let b = st.next();
    let rb = http.submit(&b.bytes);
    assert_eq!(rb.status, 201);
    assert_eq!(receipt_of(&rb).log_index, 1);

    // Duplicate: acknowledged with the existing entry's receipt, not stored twice.
    let d = http.submit(&a.bytes);
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(d.json()["duplicate"], json!(true));
    let dr = receipt_of(&d);
    assert_eq!(dr.log_index, 0);
    verify_receipt(&a.bytes, &dr, &key).unwrap();
    let cp =
        ardoise_cert::note::verify_checkpoint(&http.get("/api/v1/log/checkpoint").text(), &key)
            .unwrap();
    assert_eq!(cp.size, 2, "the duplicate did not grow the log");

    // Reading back: exact envelope bytes, a receipt that verifies, the parsed certificate.
    let env = http.get(&format!("/api/v1/certificates/{}/envelope", a.cert_id));
    assert_eq!(env.status, 200);
    assert_eq!(env.body, a.bytes, "envelope bytes returned exactly");
    let rc = http.get(&format!("/api/v1/certificates/{}/receipt", a.cert_id));
    let rc = Receipt::parse(&rc.body).unwrap();
    verify_receipt(&a.bytes, &rc, &key).unwrap();
    let full = http
        .get(&format!("/api/v1/certificates/{}", a.cert_id))
        .json();
    assert_eq!(
        full["certificate"]["media"]["serial"],
        json!(a.certificate.media.serial)
    );
    assert_eq!(full["verification"]["valid"], json!(true), "{full}");
    assert_eq!(
        http.get(&format!("/api/v1/certificates/{}", "0".repeat(64)))
            .status,
        404
    );
    assert_eq!(
        http.get("/api/v1/certificates/not-an-id").error(),
        "invalid_id"
    );

    // What `ardoise verify` does with the files from the registry: VALID with the receipt.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(format!("{}.dsse.json", a.cert_id));
    std::fs::write(&f, &env.body).unwrap();
    std::fs::write(
        dir.path().join(format!("{}.receipt.json", a.cert_id)),
        rc.to_bytes(),
    )
    .unwrap();
    let trust = TrustFile::parse(&st.trust_toml()).unwrap();
    let report = verify_files(
        &[f],
        &trust,
        &VerifyOptions {
            registry_key: Some(key.clone()),
            complete_journal: false,
            ..Default::default()
        },
    );
    assert!(report.ok, "{}", report.to_text());
    let rc_check = report.certificates[0]
        .checks
        .iter()
        .find(|c| c.name == "receipt")
        .unwrap();
    assert_eq!(
        rc_check.status,
        ardoise_cert::verify::CheckStatus::Pass,
        "{rc_check:?}"
    );
    assert!(
        rc_check.detail.contains("in the log of registre.test/log"),
        "{rc_check:?}"
    );

    // Health.
    let h = http.get("/api/v1/health").json();
    assert_eq!(h["status"], json!("ok"));
    assert_eq!(h["log_size"], json!(2));
}

fn search_pagination_exports(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut s1 = Station::new(21, "st-01");
    let mut s2 = Station::new(22, "st-02");
    http.register(&s1);
    http.register(&s2);
    let mut ids = Vec::new();
    for i in 0..12u32 {
        let st = if i % 2 == 0 { &mut s1 } else { &mut s2 };
        let c = st.next_with(|c| {
            c.provenance.donor.name = if i < 4 {
                "Mairie de Lisieux".into()
            } else {
                "Crédit Agricole".into()
            };
            c.provenance.lot = Some(format!("LOT-{}", i / 3));
            c.host.asset_tag = Some(format!("RPA-{i:04}"));
            c.host.smbios.system_serial = Some(format!("HOST{i:03}"));
            c.issued_at = time::OffsetDateTime::parse(
                &format!("2025-{:02}-15T10:00:00Z", 1 + i % 3 * 3),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap();
            c.sanitization.started_at = c.issued_at - time::Duration::hours(1);
            c.sanitization.ended_at = c.issued_at - time::Duration::minutes(30);
            for s in &mut c.sanitization.steps {
                s.started_at = c.sanitization.started_at;
                s.ended_at = c.sanitization.ended_at;
            }
        });
        assert_eq!(http.submit(&c.bytes).status, 201);
        ids.push((c.cert_id, c.certificate));
    }
    let count = |q: &str| -> usize {
        let r = http.get(&format!("/api/v1/certificates?{q}"));
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        r.json()["items"].as_array().unwrap().len()
    };
    let serial = ids[5].1.media.serial.clone();
    assert_eq!(count(&format!("media_serial={serial}")), 1);
    assert_eq!(
        count(&format!("media_serial={}", serial.to_lowercase())),
        1,
        "case-insensitive"
    );
    assert_eq!(count(&format!("q={serial}")), 1);
    assert_eq!(count("host_serial=host007"), 1);
    assert_eq!(count("asset_tag=RPA-0003"), 1);
    assert_eq!(count("donor=mairie%20de%20lisieux"), 4);
    assert_eq!(count("lot=LOT-1"), 3);
    assert_eq!(count("q=LOT-1"), 3);
    assert_eq!(count(&format!("cert_id={}", ids[0].0)), 1);
    assert_eq!(count(&format!("q={}", ids[0].0)), 1);
    assert_eq!(count("station=st-02"), 6);
    assert_eq!(count(&format!("workshop={WS}")), 12);
    assert_eq!(count("workshop=other"), 0);
    assert_eq!(count("from=2025-04-01&to=2025-04-30"), 4);
    assert_eq!(
        count("from=2025-04-15T10:00:00Z&to=2025-04-15T10:00:00Z"),
        4
    );
    assert_eq!(count("outcome=erased"), 12);
    assert_eq!(count("outcome=not_erased"), 0);
    // Injection-like input is a value like any other.
    assert_eq!(count("q=%27%20OR%201%3D1%20--"), 0);
    assert_eq!(count("media_serial=%25"), 0);
    assert_eq!(count("donor=%3Cscript%3E"), 0);
    // Bad criteria are refused with the field named.
    let bad = http.get("/api/v1/certificates?outcome=maybe");
    assert_eq!((bad.status, bad.error()), (400, "invalid_query".into()));
    assert_eq!(bad.json()["field"], json!("outcome"));
    assert_eq!(http.get("/api/v1/certificates?from=yesterday").status, 400);
    assert_eq!(http.get("/api/v1/certificates?limit=abc").status, 400);
    assert_eq!(http.get("/api/v1/certificates?cursor=-4").status, 400);
    assert_eq!(http.get("/api/v1/certificates?colour=red").status, 400);

    // Pagination: every certificate exactly once, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/v1/certificates?limit=5&cursor={c}"),
            None => "/api/v1/certificates?limit=5".into(),
        };
        let page = http.get(&q).json();
        for it in page["items"].as_array().unwrap() {
            seen.push(it["log_index"].as_u64().unwrap());
        }
        match page.get("next").and_then(|v| v.as_str()) {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, (0..12).rev().collect::<Vec<u64>>());

    // Exports.
    let csv = http.get("/api/v1/export.csv?donor=Mairie%20de%20Lisieux");
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.starts_with("cert_id,log_index,"));
    assert_eq!(text.lines().count(), 1 + 4);
    let jl = http.get("/api/v1/export.jsonl?envelope=1");
    let lines: Vec<serde_json::Value> = jl
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 12);
    let exported: HashSet<String> = lines
        .iter()
        .map(|l| l["cert_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(exported, ids.iter().map(|(i, _)| i.clone()).collect());
    assert!(lines[0]["envelope"]
        .as_str()
        .unwrap()
        .starts_with("{\"payloadType\""));
    assert_eq!(http.get("/api/v1/export.csv?outcome=nope").status, 400);

    // Per-workshop statistics.
    let stats = http.get(&format!("/api/v1/workshops/{WS}/stats")).json();
    assert_eq!(stats["certificates"], json!(12));
    assert_eq!(stats["disks_erased"], json!(12));
    let months = stats["months"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    assert_eq!(months[0]["month"], json!("2025-01"));
    assert_eq!(months[0]["erased"], json!(4));
    assert_eq!(
        stats["techniques"][0],
        json!(["nvme-sanitize-crypto-erase", 12])
    );
    assert_eq!(
        http.get("/api/v1/workshops").json(),
        json!([{"workshop": WS, "certificates": 12}])
    );
}

fn refusals_change_nothing(db: &TestDb) {
    let mut config = db.config();
    config.max_body = 64 * 1024;
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    let mut st = Station::new(31, "st-01");
    let stranger = Station::new(32, "st-09");
    http.register(&st);
    let first = st.next();
    assert_eq!(http.submit(&first.bytes).status, 201);
    let before = snapshot(&http);

    let expect = |r: Resp, status: u16, code: &str| {
        assert_eq!(
            (r.status, r.error().as_str()),
            (status, code),
            "{}",
            r.text()
        );
        assert!(!r.json()["message"].as_str().unwrap().is_empty());
        r
    };
    // Malformed JSON, wrong types, not an envelope.
    expect(http.submit(b"{\"payloadType\": "), 400, "malformed_json");
    expect(http.submit(b"\xff\xfe"), 400, "malformed_json");
    expect(http.submit(b""), 400, "malformed_json");
    let r = expect(
        http.submit(br#"{"payloadType":1,"payload":"","signatures":[]}"#),
        400,
        "invalid_envelope",
    );
    assert_eq!(r.json()["field"], json!("payloadType"));
    let r = expect(
        http.submit(br#"{"payloadType":"x","payload":"","signatures":{}}"#),
        400,
        "invalid_envelope",
    );
    assert_eq!(r.json()["field"], json!("signatures"));
    let r = expect(
        http.submit(br#"{"payloadType":"x","payload":"","signatures":[],"extra":1}"#),
        400,
        "invalid_envelope",
    );
    assert_eq!(r.json()["field"], json!("extra"));
    expect(http.submit(b"[1,2,3]"), 400, "invalid_envelope");
    let r = expect(
        http.submit(br#"{"payloadType":"x","payload":"","signatures":[]}"#),
        400,
        "invalid_envelope",
    );
    assert_eq!(r.json()["field"], json!("payloadType"));
    let mut env: serde_json::Value = serde_json::from_slice(&first.bytes).unwrap();
    env["signatures"][0]["sig"] = json!("not base64!");
    expect(
        http.submit(env.to_string().as_bytes()),
        400,
        "invalid_envelope",
    );
    // Wrong content type, oversized bodies (declared and streamed).
    expect(
        http.post_raw("/api/v1/certificates", "text/plain", first.bytes.clone()),
        415,
        "unsupported_media_type",
    );
    let big = format!("{{\"payloadType\":\"{}\"}}", "x".repeat(70 * 1024));
    expect(http.submit(big.as_bytes()), 413, "too_large");
    expect(
        http.submit_chunked(big.clone().into_bytes()),
        413,
        "too_large",
    );
    // A chunked body within the limit is read like any other.
    assert_eq!(http.submit_chunked(first.bytes.clone()).status, 200);
    // Forged: the payload changed after signing.
    let mut forged = ardoise_cert::envelope::Envelope::parse(&st.next_with(|_| {}).bytes).unwrap();
    st.seq -= 1; // that certificate was never sent: reuse its journal position
    st.prev = Some(ardoise_cert::envelope::envelope_hash(&first.bytes));
    forged.payload = String::from_utf8(forged.payload)
        .unwrap()
        .replace("\"erased\"", "\"not_erased\"")
        .into_bytes();
    let r = expect(http.submit(&forged.to_bytes()), 401, "bad_signature");
    assert_eq!(r.json()["field"], json!("signatures[0].sig"));
    // Signed by a key the registry does not know.
    let mut stranger = stranger;
    expect(http.submit(&stranger.next().bytes), 401, "unknown_key");
    // Signed, but the payload breaks the schema rules (the station would never sign it).
    let mut bad = st.draft();
    bad.media.capacity_bytes += 1;
    let bad_env = sign_unchecked(&bad, &st.key);
    let r = expect(http.submit(&bad_env), 422, "invalid_certificate");
    assert_eq!(r.json()["field"], json!("media.capacity_bytes"));
    // Issued a year from now.
    let mut future = st.draft();
    future.issued_at = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let r = expect(
        http.submit(&sign_unchecked(&future, &st.key)),
        422,
        "issued_in_future",
    );
    assert_eq!(r.json()["field"], json!("issued_at"));
    // Issued before the key's validity.
    let mut early = st.draft();
    early.issued_at = time::macros::datetime!(2024-06-01 0:00 UTC);
    early.sanitization.started_at = early.issued_at - time::Duration::hours(2);
    early.sanitization.ended_at = early.issued_at - time::Duration::hours(1);
    for s in &mut early.sanitization.steps {
        s.started_at = early.sanitization.started_at;
        s.ended_at = early.sanitization.ended_at;
    }
    expect(
        http.submit(&sign_unchecked(&early, &st.key)),
        401,
        "key_not_valid",
    );
    // A key registered for another station.
    let mut other_station = st.draft();
    other_station.issuer.station_id = "st-77".into();
    expect(
        http.submit(&sign_unchecked(&other_station, &st.key)),
        401,
        "key_not_valid",
    );
    // Fork: another certificate at seq 0; broken link: seq 1 not following seq 0.
    let mut fork = st.draft();
    fork.journal.seq = 0;
    fork.journal.prev_envelope_blake3 = None;
    let r = expect(
        http.submit(&sign_unchecked(&fork, &st.key)),
        409,
        "journal_fork",
    );
    assert_eq!(r.json()["field"], json!("journal.seq"));
    let mut broken = st.draft();
    broken.journal.prev_envelope_blake3 = Some("ab".repeat(32));
    expect(
        http.submit(&sign_unchecked(&broken, &st.key)),
        409,
        "journal_broken_link",
    );
    // Same payload and signature in other envelope bytes (whitespace): not canonical, refused
    // before anything else (another spelling would be another leaf and journal hash).
    let spaced = String::from_utf8(first.bytes.clone())
        .unwrap()
        .replacen(",", " , ", 1);
    let r = expect(http.submit(spaced.as_bytes()), 400, "invalid_envelope");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("non-canonical JSON"),
        "{}",
        r.text()
    );
    // A NUL in a text field (PostgreSQL cannot store it), signed by the genuine key: refused
    // with the field named, before it reaches the database.
    let mut nul = st.draft();
    nul.media.model = "WDC\u{0}WD10".into();
    let r = expect(
        http.submit(&sign_unchecked(&nul, &st.key)),
        422,
        "invalid_certificate",
    );
    assert_eq!(r.json()["field"], json!("media.model"));
    let mut long = st.draft();
    long.provenance.donor.name = "x".repeat(300);
    let r = expect(
        http.submit(&sign_unchecked(&long, &st.key)),
        422,
        "invalid_certificate",
    );
    assert_eq!(r.json()["field"], json!("provenance.donor.name"));
    // Injection-like text in the API paths and queries.
    assert_eq!(http.get("/api/v1/certificates/'%20OR%201=1--").status, 400);
    assert_eq!(http.get("/api/v1/nothing").error(), "not_found");

    assert_eq!(snapshot(&http), before, "refusals changed what is stored");
    // Replay: the original again is a duplicate, and still nothing changes.
    assert_eq!(http.submit(&first.bytes).status, 200);
    assert_eq!(snapshot(&http), before);
    // And the station's next genuine certificate is still accepted.
    assert_eq!(http.submit(&st.next().bytes).status, 201);
}

fn journal_gap_then_filled(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(41, "st-01");
    http.register(&st);
    let c0 = st.next();
    let c1 = st.next();
    let c2 = st.next();
    assert_eq!(http.submit(&c0.bytes).status, 201);
    // seq 1 still in an outbox somewhere: seq 2 is accepted, the gap is shown.
    assert_eq!(http.submit(&c2.bytes).status, 201);
    let j = http.get(&format!("/api/v1/journals/{WS}/st-01")).json();
    assert_eq!(j["gaps"], json!([[1, 1]]));
    assert_eq!(j["certificates"], json!(2));
    // A wrong seq 1 (not the one seq 2 follows) is a broken link.
    let mut wrong = Station::new(41, "st-01");
    wrong.seq = 1;
    wrong.prev = Some(ardoise_cert::envelope::envelope_hash(&c0.bytes));
    let w = wrong.next_with(|c| c.media.serial = "OTHER".into());
    let r = http.submit(&w.bytes);
    assert_eq!(
        (r.status, r.error().as_str()),
        (409, "journal_broken_link"),
        "{}",
        r.text()
    );
    // The real seq 1 arrives: accepted, gap closed, links checked.
    assert_eq!(http.submit(&c1.bytes).status, 201);
    let j = http.get(&format!("/api/v1/journals/{WS}/st-01")).json();
    assert_eq!(j["gaps"], json!([]));
    let links: Vec<_> = j["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["link_ok"].clone())
        .collect();
    assert_eq!(links, vec![json!(null), json!(true), json!(true)]);
}

fn admin_api(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(51, "st-01");
    let reg = st.registration();
    assert_eq!(
        http.admin_post("/api/v1/stations", None, &reg).error(),
        "unauthorized"
    );
    assert_eq!(
        http.admin_post("/api/v1/stations", Some("wrong-token-xxxxxxxx"), &reg)
            .status,
        401
    );
    assert_eq!(http.admin_get("/api/v1/stations", None).status, 401);
    http.register(&st);
    let again = http.admin_post("/api/v1/stations", Some(ADMIN_TOKEN), &reg);
    assert_eq!((again.status, again.error().as_str()), (409, "key_exists"));
    let mut bad = reg.clone();
    bad["public_key"] = json!("AAAA");
    let r = http.admin_post("/api/v1/stations", Some(ADMIN_TOKEN), &bad);
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (422, json!("public_key"))
    );
    let mut bad = reg.clone();
    bad["key_id"] = json!("00".repeat(32));
    assert_eq!(
        http.admin_post("/api/v1/stations", Some(ADMIN_TOKEN), &bad)
            .json()["field"],
        json!("key_id")
    );
    let mut bad = reg.clone();
    bad["workshop"] = json!("Not Kebab");
    assert_eq!(
        http.admin_post("/api/v1/stations", Some(ADMIN_TOKEN), &bad)
            .json()["field"],
        json!("workshop")
    );
    let r = http.post_raw("/api/v1/stations", "application/json", b"{".to_vec());
    assert_eq!(r.status, 401, "auth is checked before the body");
    let list = http.admin_get("/api/v1/stations", Some(ADMIN_TOKEN)).json();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let c = st.next();
    assert_eq!(http.submit(&c.bytes).status, 201);
    // Revoked from an instant before the next certificate's issue time: refused.
    let key_id = st.key.key_id().to_string();
    let r = http.admin_post(
        &format!("/api/v1/stations/{key_id}/revoke"),
        Some(ADMIN_TOKEN),
        &json!({"reason": "laptop stolen", "revoked_at": "2025-11-01T00:00:00Z"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = http.submit(&st.next().bytes);
    assert_eq!(
        (r.status, r.error().as_str()),
        (401, "key_not_valid"),
        "{}",
        r.text()
    );
    assert!(r.json()["message"].as_str().unwrap().contains("revoked"));
    assert_eq!(
        http.admin_post(
            &format!("/api/v1/stations/{key_id}/revoke"),
            Some(ADMIN_TOKEN),
            &json!({"reason": "again"})
        )
        .status,
        409
    );
    assert_eq!(
        http.admin_post(
            &format!("/api/v1/stations/{}/revoke", "0".repeat(64)),
            Some(ADMIN_TOKEN),
            &json!({"reason": "x"})
        )
        .status,
        404
    );
    assert_eq!(
        http.admin_post(
            &format!("/api/v1/stations/{key_id}/revoke"),
            Some(ADMIN_TOKEN),
            &json!({"why": "x"})
        )
        .status,
        400
    );
    // The stored certificate's page now says the key was revoked before its issue time.
    let full = http
        .get(&format!("/api/v1/certificates/{}", c.cert_id))
        .json();
    assert_eq!(full["verification"]["valid"], json!(false));
}

fn keys_added_by_another_process(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(61, "st-01");
    let c = st.next();
    // What `ardoise-registry station add` does, on its own connection, while serving.
    let mut conn = db.conn();
    ardoise_registry::records::add_station_key(
        &mut conn,
        &serde_json::from_value(st.registration()).unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let r = http.submit(&c.bytes);
    assert_eq!(
        r.status,
        201,
        "a key added a moment ago is seen: {}",
        r.text()
    );
}

fn rate_limited(db: &TestDb) {
    let mut config = db.config();
    config.station_rate = 0.5;
    config.station_burst = 2.0;
    let srv = TestServer::start(config);
    let http = Http::admin(&srv.url);
    let mut st = Station::new(71, "st-01");
    http.register(&st);
    assert_eq!(http.submit(&st.next().bytes).status, 201);
    assert_eq!(http.submit(&st.next().bytes).status, 201);
    let third = st.next();
    let r = http.submit(&third.bytes);
    assert_eq!((r.status, r.error().as_str()), (429, "rate_limited"));
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(
        http.get(&format!("/api/v1/certificates/{}", third.cert_id))
            .status,
        404
    );
    // Another station has its own allowance.
    let mut other = Station::new(72, "st-02");
    http.register(&other);
    assert_eq!(http.submit(&other.next().bytes).status, 201);
}

fn restart_and_consistency(db: &TestDb) {
    let mut st = Station::new(81, "st-01");
    let (old_note, ids) = {
        let srv = TestServer::start(db.config());
        let http = Http::admin(&srv.url);
        http.register(&st);
        let mut ids = Vec::new();
        for _ in 0..5 {
            let c = st.next();
            assert_eq!(http.submit(&c.bytes).status, 201);
            ids.push(c);
        }
        let note = http.get("/api/v1/log/checkpoint").text();
        srv.stop();
        (note, ids)
    };
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let key = registry_key(&http);
    for c in &ids {
        let r = Receipt::parse(
            &http
                .get(&format!("/api/v1/certificates/{}/receipt", c.cert_id))
                .body,
        )
        .unwrap();
        verify_receipt(&c.bytes, &r, &key).unwrap();
    }
    for _ in 0..6 {
        assert_eq!(http.submit(&st.next().bytes).status, 201);
    }
    let new_note = http.get("/api/v1/log/checkpoint").text();
    let p = http.get("/api/v1/log/consistency?from=5").json();
    assert_eq!(p["to"], json!(11));
    let proof: Vec<String> = serde_json::from_value(p["proof"].clone()).unwrap();
    let (old, new) = verify_checkpoint_consistency(&old_note, &new_note, &proof, &key).unwrap();
    assert_eq!((old.size, new.size), (5, 11));
    // A forged proof fails.
    let mut bad = proof.clone();
    bad[0] = "00".repeat(32);
    assert!(verify_checkpoint_consistency(&old_note, &new_note, &bad, &key).is_err());
    // Older checkpoints are kept and served.
    assert_eq!(http.get("/api/v1/log/checkpoints/5").text(), old_note);
    assert_eq!(http.get("/api/v1/log/checkpoints/999").status, 404);
    assert_eq!(http.get("/api/v1/log/consistency?from=12").status, 400);
    // The same database under another key or origin is refused.
    let mut other = db.config();
    other.origin = Some("elsewhere.test/log".into());
    drop(srv);
    assert!(TestServer::try_start(other).is_err());
}

fn pages(db: &TestDb) {
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(91, "st-01");
    http.register(&st);
    let evil = "<script>alert('x')</script>\"' & {{7*7}}";
    let c = st.next_with(|c| {
        c.provenance.donor.name = evil.into();
        c.host.asset_tag = Some("'; DROP TABLE certificates; --".into());
    });
    assert_eq!(http.submit(&c.bytes).status, 201);
    let page = http.get(&format!("/c/{}?lang=en", c.cert_id));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Signature: valid"), "{html}");
    assert!(html.contains("Log proof: valid"));
    assert!(html.contains("Valid certificate"));
    assert!(!html.contains("<script>alert"), "donor name not escaped");
    assert!(
        html.contains("&lt;script&gt;alert('x')&lt;/script&gt;&quot;' &amp; {{7*7}}"),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://") || !html.contains("src=\"http"),
        "no external asset"
    );
    assert!(!html.contains("<link") && !html.contains("<script"));
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"));
    let fr = http.get_lang(&format!("/c/{}", c.cert_id), "fr-FR,fr;q=0.9");
    assert!(
        fr.text().contains("Signature : valide") || fr.text().contains("Signature: valide"),
        "{}",
        fr.text()
    );
    assert!(fr.text().contains("Preuve de journal: valide"));
    assert!(fr.text().contains("lang=\"fr\""));
    let en = http.get_lang("/", "en-GB");
    assert!(en.text().contains("Find a certificate"));
    // Search finds it by the evil asset tag, and renders it escaped.
    let s = http.get("/?q=%27%3B%20DROP%20TABLE%20certificates%3B%20--&lang=en");
    assert!(s.text().contains(&c.cert_id), "{}", s.text());
    assert_eq!(http.get(&format!("/c/{}", "1".repeat(64))).status, 404);
    assert_eq!(http.get("/c/zzz").status, 400);
    assert_eq!(http.get("/nowhere").status, 404);
    for p in [
        "/workshops",
        &format!("/workshops/{WS}"),
        &format!("/stations/{WS}/st-01"),
        "/log",
        "/audit",
    ] {
        let r = http.get(&format!("{p}?lang=en"));
        assert_eq!(r.status, 200, "{p}");
        assert!(r.text().contains("</html>"));
    }
    let w = http.get(&format!("/workshops/{WS}?lang=en")).text();
    assert!(
        w.contains("Disks erased") && w.contains("id=\"erased\">1<"),
        "{w}"
    );
    assert!(http.get("/log").text().contains(&srv.key().to_vkey()));
}

fn sign_unchecked(
    c: &ardoise_cert::payload::Certificate,
    key: &ardoise_cert::keys::StationKey,
) -> Vec<u8> {
    use ardoise_cert::envelope::{pae, Envelope, EnvelopeSignature, PAYLOAD_TYPE};
    let mut payload = serde_json::to_vec_pretty(c).unwrap();
    payload.push(b'\n');
    let sig = key.sign(&pae(PAYLOAD_TYPE, &payload));
    Envelope {
        payload_type: PAYLOAD_TYPE.into(),
        payload,
        signatures: vec![EnvelopeSignature {
            keyid: key.key_id().into(),
            sig: sig.to_vec(),
        }],
    }
    .to_bytes()
}

/// Dates a certificate (issue time and the sanitization before it).
fn issued_on(c: &mut ardoise_cert::payload::Certificate, rfc3339: &str) {
    c.issued_at =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
            .unwrap();
    c.sanitization.started_at = c.issued_at - time::Duration::hours(1);
    c.sanitization.ended_at = c.issued_at - time::Duration::minutes(30);
    for s in &mut c.sanitization.steps {
        s.started_at = c.sanitization.started_at;
        s.ended_at = c.sanitization.ended_at;
    }
}

/// The workshop report counts machines, not disks, by destination and month: the disks of one
/// machine share `host.machine_session`; a certificate without a session is a machine of its
/// own; another workshop's certificates (even with the same session) are not counted. The
/// JSON API and the HTML page give the same figures.
fn machines_by_destination_and_month(db: &TestDb) {
    use ardoise_cert::payload::{Destination, Disposition};
    let srv = TestServer::start(db.config());
    let http = Http::admin(&srv.url);
    let mut st = Station::new(61, "st-01");
    let mut other = Station::new(62, "st-01");
    other.workshop = "atelier-voisin".into();
    http.register(&st);
    http.register(&other);
    // (month, machine session, destination, disks)
    let machines: [(&str, Option<&str>, Option<Destination>, usize); 6] = [
        (
            "2025-03",
            Some("a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
            Some(Destination::Reuse),
            3,
        ),
        (
            "2025-03",
            Some("b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"),
            Some(Destination::Parts),
            2,
        ),
        (
            "2025-04",
            Some("c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"),
            Some(Destination::Reuse),
            2,
        ),
        (
            "2025-04",
            Some("d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"),
            Some(Destination::Reuse),
            4,
        ),
        (
            "2025-04",
            Some("e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"),
            Some(Destination::Parts),
            3,
        ),
        // Neither session nor destination recorded: one machine per certificate.
        ("2025-04", None, None, 2),
    ];
    let mut disks = 0;
    for (month, session, destination, n) in machines {
        for d in 0..n {
            let c = st.next_with(|c| {
                issued_on(c, &format!("{month}-{:02}T10:00:00Z", 10 + d));
                c.host.machine_session = session.map(str::to_string);
                c.disposition = destination.map(|destination| Disposition {
                    destination,
                    detail: None,
                    suggestion: None,
                });
            });
            let r = http.submit(&c.bytes);
            assert_eq!(r.status, 201, "{}", r.text());
            disks += 1;
        }
    }
    // Another workshop: a machine with a session already seen here, sent to recycling.
    for _ in 0..2 {
        let c = other.next_with(|c| {
            issued_on(c, "2025-03-20T10:00:00Z");
            c.host.machine_session = Some("a1".repeat(16));
            c.disposition = Some(Disposition {
                destination: Destination::Recycling,
                detail: None,
                suggestion: None,
            });
        });
        assert_eq!(http.submit(&c.bytes).status, 201);
    }

    let stats = http.get(&format!("/api/v1/workshops/{WS}/stats"));
    assert_eq!(stats.status, 200, "{}", stats.text());
    let stats = stats.json();
    assert_eq!(
        stats["certificates"],
        json!(disks),
        "certificates count disks"
    );
    assert_eq!(disks, 16);
    assert_eq!(
        stats["destinations"],
        json!([
            {"month": "2025-03", "machines": 2, "reuse": 1, "parts": 1, "recycling": 0, "not_recorded": 0},
            {"month": "2025-04", "machines": 5, "reuse": 2, "parts": 1, "recycling": 0, "not_recorded": 2},
        ]),
        "machines, not disks: {stats}"
    );
    let months: Vec<(String, u64)> = stats["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap().into(),
                m["certificates"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(months, vec![("2025-03".into(), 5), ("2025-04".into(), 11)]);
    let voisin = http.get("/api/v1/workshops/atelier-voisin/stats").json();
    assert_eq!(
        voisin["destinations"],
        json!([{"month": "2025-03", "machines": 1, "reuse": 0, "parts": 0, "recycling": 1, "not_recorded": 0}])
    );
    // The page's table says the same.
    let page = Http::new(&srv.url).get(&format!("/workshops/{WS}?lang=en"));
    assert_eq!(page.status, 200);
    let html = page.text();
    for row in [
        "<tr data-month=\"2025-03\"><td>2025-03</td><td>2</td><td>1</td><td>1</td><td>0</td><td>0</td></tr>",
        "<tr data-month=\"2025-04\"><td>2025-04</td><td>5</td><td>2</td><td>1</td><td>0</td><td>2</td></tr>",
    ] {
        assert!(html.contains(row), "{row} not in the page: {html}");
    }
}

type Scenario = (&'static str, fn(&TestDb));

const SCENARIOS: &[Scenario] = &[
    ("submit_fetch_duplicate", submit_fetch_duplicate),
    ("search_pagination_exports", search_pagination_exports),
    ("refusals_change_nothing", refusals_change_nothing),
    ("journal_gap_then_filled", journal_gap_then_filled),
    ("admin_api", admin_api),
    (
        "keys_added_by_another_process",
        keys_added_by_another_process,
    ),
    ("rate_limited", rate_limited),
    ("restart_and_consistency", restart_and_consistency),
    ("pages", pages),
    (
        "machines_by_destination_and_month",
        machines_by_destination_and_month,
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
        submit_fetch_duplicate,
        search_pagination_exports,
        refusals_change_nothing,
        journal_gap_then_filled,
        admin_api,
        keys_added_by_another_process,
        rate_limited,
        restart_and_consistency,
        pages,
        machines_by_destination_and_month
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
