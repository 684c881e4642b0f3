use ardoise_cert::heartbeat::{sign_heartbeat, DiskPhase, HeartbeatDisk, HEARTBEAT_SCHEMA};
use ardoise_cert::keys::StationKey;
use ardoise_cert::payload::MediaType;

use super::*;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_770_000_000).unwrap()
}

fn heartbeat(station: &str, sent_at: OffsetDateTime) -> Heartbeat {
    Heartbeat {
        schema: HEARTBEAT_SCHEMA.into(),
        workshop_id: "ressourcerie-caen".into(),
        station_id: station.into(),
        sent_at,
        interval_seconds: 5,
        machine: None,
        disks: vec![HeartbeatDisk {
            name: "sda".into(),
            model: "WDC WD5000AAKX".into(),
            serial_tail: Some("1234".into()),
            capacity_bytes: 500_107_862_016,
            media_type: MediaType::Hdd,
            phase: DiskPhase::Overwrite,
            progress_ppm: Some(250_000),
            eta_seconds: Some(600),
            verdict: None,
            certificate_id: None,
        }],
    }
}

fn trust(key: &StationKey, station: &str, revoked: bool) -> TrustFile {
    let mut t = format!(
        "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"ressourcerie-caen\"\nstation = \"{station}\"\nnot_before = \"2025-01-01T00:00:00Z\"\n",
        key.key_id(),
        key.public_base64()
    );
    if revoked {
        t.push_str(&format!(
            "\n[[revocations]]\nkey_id = \"{}\"\nrevoked_at = \"2025-06-01T00:00:00Z\"\nreason = \"stolen\"\n",
            key.key_id()
        ));
    }
    TrustFile::parse(&t).unwrap()
}

fn refused(body: &[u8], t: &TrustFile) -> (u16, &'static str) {
    let r = check_heartbeat(body, t, now()).unwrap_err();
    (r.status, r.error)
}

#[test]
fn a_registered_station_is_heard_and_others_are_refused() {
    let key = StationKey::from_seed(&[7; 32]);
    let body = sign_heartbeat(&heartbeat("poste-1", now()), &key).unwrap();
    let hb = check_heartbeat(&body, &trust(&key, "poste-1", false), now()).unwrap();
    assert_eq!(hb.station_id, "poste-1");
    // Unknown key.
    let stranger = StationKey::from_seed(&[8; 32]);
    assert_eq!(
        refused(&body, &trust(&stranger, "poste-1", false)),
        (401, "unknown_key")
    );
    // The key of another station.
    assert_eq!(
        refused(&body, &trust(&key, "poste-9", false)),
        (401, "key_not_valid")
    );
    // Revoked.
    assert_eq!(
        refused(&body, &trust(&key, "poste-1", true)),
        (401, "key_not_valid")
    );
    // A stale or future clock.
    let old = sign_heartbeat(
        &heartbeat("poste-1", now() - time::Duration::minutes(10)),
        &key,
    )
    .unwrap();
    assert_eq!(
        refused(&old, &trust(&key, "poste-1", false)),
        (422, "clock_skew")
    );
    // A tampered payload: the signature fails.
    let mut env = ardoise_cert::envelope::Envelope::parse(&body).unwrap();
    let text = String::from_utf8(env.payload.clone()).unwrap();
    env.payload = text.replace("250000", "990000").into_bytes();
    assert_eq!(
        refused(&env.to_bytes(), &trust(&key, "poste-1", false)),
        (401, "bad_signature")
    );
    // A certificate is not a heartbeat.
    let mut c = ardoise_cert::payload::Certificate::example();
    c.issuer.key_id = key.key_id().into();
    let cert = ardoise_cert::envelope::sign_certificate(&c, &key).unwrap();
    assert_eq!(
        refused(&cert.envelope_bytes, &trust(&key, "poste-1", false)),
        (400, "invalid_envelope")
    );
}

#[test]
fn the_board_keeps_the_newest_and_marks_silence() {
    let board = LiveBoard::default();
    let t0 = now();
    assert!(board.record(heartbeat("poste-2", t0), t0));
    assert!(board.record(heartbeat("poste-1", t0), t0));
    // An older one arriving late does not replace the newer.
    assert!(!board.record(heartbeat("poste-1", t0 - time::Duration::seconds(5)), t0));
    let mut other = heartbeat("poste-3", t0);
    other.workshop_id = "autre-atelier".into();
    board.record(other, t0);
    let later = t0 + time::Duration::seconds(61);
    let w = board.workshop("ressourcerie-caen", later, Duration::from_secs(60));
    let names: Vec<&str> = w.stations.iter().map(|s| s.station.as_str()).collect();
    assert_eq!(
        names,
        ["poste-1", "poste-2"],
        "sorted, other workshops apart"
    );
    assert!(w.stations.iter().all(|s| s.silent && s.age_seconds == 61));
    let w = board.workshop(
        "ressourcerie-caen",
        t0 + time::Duration::seconds(59),
        Duration::from_secs(60),
    );
    assert!(w.stations.iter().all(|s| !s.silent));
    // A station whose every disk ended is finished, not silent, however long ago it spoke.
    let mut done = heartbeat("poste-4", t0);
    for d in &mut done.disks {
        d.phase = DiskPhase::Done;
    }
    board.record(done, t0);
    let w = board.workshop("ressourcerie-caen", later, Duration::from_secs(60));
    let p4 = w.stations.iter().find(|s| s.station == "poste-4").unwrap();
    assert!(p4.finished && !p4.silent, "{p4:?}");
    assert!(w
        .stations
        .iter()
        .filter(|s| s.station != "poste-4")
        .all(|s| s.silent && !s.finished));
}
