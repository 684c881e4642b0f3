//! The PostgreSQL audit reads the stored envelopes as a stream: the process's peak memory does
//! not grow with the size of the log. A test binary of its own, so that no other test's
//! allocations share the process's peak (`VmHWM`).

mod common;

use common::*;

/// Rows and envelope size. The concern is 50,000 envelopes of 100 KiB (5 GB); that many
/// would take minutes to send over loopback on the 2-core CI machine, and 3,000 of 100 KiB
/// (300 MB through the client) already dwarf the bound below: a client that held the rows
/// would pass it several times over, one that streams stays within a few rows.
const ROWS: u64 = 3_000;
const ENVELOPE_BYTES: usize = 32 * 3_200;
/// Peak memory the audit may add, whatever the number of rows: a few rows in flight, the
/// client's buffers, the rebuilt tree (64 bytes a leaf), the report's problems (at most 1,000).
const BOUND_KIB: u64 = 64 * 1024;

/// A field of /proc/self/status in KiB (`VmHWM`: peak resident memory; `VmRSS`: now).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} not in /proc/self/status"))
}

/// Starts a new peak: writing 5 to clear_refs sets VmHWM to the current VmRSS (Linux 4.0
/// on). Returns the baseline to measure growth from: the current RSS after a reset, else the
/// peak so far (the process is young: the cluster runs in processes of its own).
fn reset_peak() -> u64 {
    match std::fs::write("/proc/self/clear_refs", "5") {
        Ok(()) => status_kib("VmRSS"),
        Err(e) => {
            eprintln!("NOTE: cannot reset VmHWM ({e}); measuring from the peak so far");
            status_kib("VmHWM")
        }
    }
}

#[test]
fn postgres_audit_memory_does_not_grow_with_the_log() {
    let Some(pg) = PgServer::start() else { return };
    let db = pg.test_db();
    let ardoise_registry::db::DbUrl::Postgres(url) = &db.url else {
        unreachable!()
    };
    let (mut conn, signer) = ardoise_registry::registry::open_for_cli(&db.config()).unwrap();
    // Rows made by the server itself, so that this process never holds them while filling
    // the table. They are not real certificates (the audit reports each, up to its cap):
    // what is measured is reading them.
    let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "INSERT INTO certificates (log_index, cert_id, leaf_hash, envelope_hash, received_at, key_id, workshop, station, seq, issued_at, issued_month, media_serial, media_model, media_type, capacity_bytes, donor, outcome, technique, verification_method, verification_result, k_media_serial, k_donor, envelope)
             SELECT i, lpad(i::text, 64, '0'), '00', '00', 0, 'k', 'w', 's', i, 0, '2025-01', 'm' || i, 'x', 'x', 0, 'd', 'erased', 't', 'v', 'r', 'm' || i, 'd', repeat(md5(i::text), {})
             FROM generate_series(0, {}) AS i",
            ENVELOPE_BYTES / 32,
            ROWS - 1
        ))
        .unwrap();
    let trust = ardoise_registry::records::load_trust(&mut conn).unwrap();
    let verifier = signer.verifier();

    let base = reset_peak();
    let report = ardoise_registry::audit::audit(&mut conn, &verifier, &trust).unwrap();
    let grew = status_kib("VmHWM").saturating_sub(base);
    assert_eq!(report.entries, ROWS);
    assert!(!report.ok, "the rows are not real certificates");
    let read_mib = ROWS * ENVELOPE_BYTES as u64 / (1024 * 1024);
    eprintln!("audit of {ROWS} envelopes ({read_mib} MiB read): peak grew by {grew} KiB");
    assert!(
        grew < BOUND_KIB,
        "the audit's peak memory grew by {grew} KiB reading {read_mib} MiB of envelopes (bound {BOUND_KIB} KiB)"
    );

    // The instrument sees a client that holds the rows: the same envelopes collected in
    // memory raise the peak by about their size.
    let base = reset_peak();
    let held = conn
        .query("SELECT envelope FROM certificates ORDER BY log_index", &[])
        .unwrap();
    let grew_held = status_kib("VmHWM").saturating_sub(base);
    assert_eq!(held.len() as u64, ROWS);
    drop(held);
    eprintln!("the same envelopes held in memory: peak grew by {grew_held} KiB");
    assert!(
        grew_held > read_mib * 1024 / 2,
        "holding {read_mib} MiB raised the peak by {grew_held} KiB only: the measure is blind"
    );
}
