//! Load generator for `make bench-registry` (a benchmark, not a test): many concurrent
//! uploaders on loopback, each a station with its own key and journal, sending pre-signed
//! certificates the way `ardoise upload` does (transient failures retried, 4xx permanent).
//! Prints certificates/s and latency percentiles, then checks that every acknowledged
//! certificate is in the registry and that every receipt verifies with the registry key.
//!
//! registry_load --url http://127.0.0.1:PORT --admin-token T --clients 200 --duration 60
//!               [--rate-per-client 8] [--certs-per-client 600] [--seed 1]

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ardoise_cert::envelope::{envelope_hash, sign_certificate};
use ardoise_cert::keys::StationKey;
use ardoise_cert::note::NoteVerifier;
use ardoise_cert::payload::Certificate;
use ardoise_cert::receipt::{verify_receipt, Receipt};

struct Args {
    url: String,
    token: String,
    clients: usize,
    duration: Duration,
    rate_per_client: Option<f64>,
    certs_per_client: usize,
    seed: u8,
}

fn args() -> Args {
    let mut a = Args {
        url: String::new(),
        token: String::new(),
        clients: 200,
        duration: Duration::from_secs(60),
        rate_per_client: None,
        certs_per_client: 600,
        seed: 1,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--url" => a.url = val,
            "--admin-token" => a.token = val,
            "--clients" => a.clients = val.parse().expect("--clients N"),
            "--duration" => a.duration = Duration::from_secs(val.parse().expect("--duration S")),
            "--rate-per-client" => {
                a.rate_per_client = Some(val.parse().expect("--rate-per-client R"))
            }
            "--certs-per-client" => a.certs_per_client = val.parse().expect("--certs-per-client N"),
            "--seed" => a.seed = val.parse().expect("--seed N"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    assert!(
        !a.url.is_empty() && !a.token.is_empty(),
        "--url and --admin-token are required"
    );
    a
}

struct Cert {
    id: String,
    bytes: Arc<Vec<u8>>,
}

/// Signs `n` chained certificates for one station.
fn station_certs(key: &StationKey, station: &str, n: usize) -> Vec<Cert> {
    let mut prev = None;
    (0..n)
        .map(|seq| {
            let mut c = Certificate::example();
            c.issuer.station_id = station.to_string();
            c.issuer.key_id = key.key_id().to_string();
            c.media.serial = format!("{station}-{seq:06}");
            // What stations write by default, which the registry's default policy requires.
            c.qc = ardoise_cert::payload::Qc::sampled(50_000);
            c.journal.seq = seq as u64;
            c.journal.prev_envelope_blake3 = prev.take();
            let s = sign_certificate(&c, key).expect("signs");
            prev = Some(envelope_hash(&s.envelope_bytes));
            Cert {
                id: s.cert_id,
                bytes: Arc::new(s.envelope_bytes),
            }
        })
        .collect()
}

/// An acknowledged certificate: id, envelope bytes, response body (with the receipt).
type Acked = (String, Arc<Vec<u8>>, Vec<u8>);

#[derive(Default)]
struct Stats {
    latencies_us: Mutex<Vec<u64>>,
    acked: Mutex<Vec<Acked>>,
    new: AtomicU64,
    duplicates: AtomicU64,
    transient: AtomicU64,
    rejected: Mutex<Vec<String>>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let a = args();
    let http = reqwest::blocking::Client::new();
    let all = prepare_stations(&a, &http);
    let stats = Arc::new(Stats::default());
    let elapsed = run_load(&a, all, &stats);
    let (acked, rejected) = print_load(&a, &stats, elapsed);
    // Nothing acknowledged may be missing; every receipt must verify.
    let (lost, bad_receipts) = check_acknowledged(&a, &http, &acked);
    let audit_ok = audit_log(&a, &http);
    if lost > 0 || bad_receipts > 0 || !rejected.is_empty() || !audit_ok {
        std::process::exit(1);
    }
}

/// Stations: registers the keys, signs the certificates (before the clock starts).
fn prepare_stations(a: &Args, http: &reqwest::blocking::Client) -> Vec<Vec<Cert>> {
    let t0 = Instant::now();
    let stations: Vec<(StationKey, String)> = (0..a.clients)
        .map(|i| {
            let mut seed = [a.seed; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            (
                StationKey::from_seed(&seed),
                format!("bench-{}-{i:04}", a.seed),
            )
        })
        .collect();
    for (k, st) in &stations {
        let r = http
            .post(format!("{}/api/v1/stations", a.url))
            .bearer_auth(&a.token)
            .json(&serde_json::json!({
                "public_key": k.public_base64(), "workshop": "ressourcerie-pays-d-auge",
                "station": st, "not_before": "2025-01-01T00:00:00Z"}))
            .send()
            .expect("registry reachable");
        assert!(
            r.status().as_u16() == 201 || r.status().as_u16() == 409,
            "register: {}",
            r.status()
        );
    }
    let per = a.certs_per_client;
    let all: Vec<Vec<Cert>> = std::thread::scope(|s| {
        let chunks: Vec<_> = stations
            .chunks(stations.len().div_ceil(2).max(1))
            .map(|ch| {
                s.spawn(move || {
                    ch.iter()
                        .map(|(k, st)| station_certs(k, st, per))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    eprintln!(
        "prepared {} stations x {} certificates in {:.1} s",
        a.clients,
        per,
        t0.elapsed().as_secs_f64()
    );
    all
}

/// Every station uploads its certificates until the deadline; returns the seconds it took.
fn run_load(a: &Args, all: Vec<Vec<Cert>>, stats: &Arc<Stats>) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let start = Instant::now();
    let deadline = start + a.duration;
    let url = format!("{}/api/v1/certificates", a.url);
    rt.block_on(async {
        let mut tasks = Vec::new();
        for certs in all {
            let (client, url, stats) = (client.clone(), url.clone(), stats.clone());
            let rate = a.rate_per_client;
            tasks.push(tokio::spawn(async move {
                let began = Instant::now();
                for (n, c) in certs.into_iter().enumerate() {
                    if Instant::now() >= deadline {
                        break;
                    }
                    if let Some(r) = rate {
                        let due = began + Duration::from_secs_f64(n as f64 / r);
                        tokio::time::sleep_until(due.into()).await;
                    }
                    upload(&client, &url, &stats, &c, deadline).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    start.elapsed().as_secs_f64()
}

/// Sends one certificate the way `ardoise upload` does: transient failures retried (up to a
/// minute past the deadline), 4xx permanent.
async fn upload(client: &reqwest::Client, url: &str, stats: &Stats, c: &Cert, deadline: Instant) {
    loop {
        let t = Instant::now();
        let res = client
            .post(url)
            .header("content-type", "application/json")
            .body(c.bytes.as_ref().clone())
            .send()
            .await;
        let (status, body) = match res {
            Ok(r) => {
                let s = r.status().as_u16();
                (s, r.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
            }
            Err(_) => (0, Vec::new()),
        };
        match status {
            200 | 201 if !body.is_empty() => {
                stats
                    .latencies_us
                    .lock()
                    .unwrap()
                    .push(t.elapsed().as_micros() as u64);
                if status == 201 {
                    stats.new.fetch_add(1, Ordering::Relaxed);
                } else {
                    stats.duplicates.fetch_add(1, Ordering::Relaxed);
                }
                stats
                    .acked
                    .lock()
                    .unwrap()
                    .push((c.id.clone(), c.bytes.clone(), body));
                break;
            }
            400..=499 if status != 408 && status != 429 => {
                stats.rejected.lock().unwrap().push(format!(
                    "{} HTTP {status}: {}",
                    c.id,
                    String::from_utf8_lossy(&body)
                ));
                break;
            }
            _ => {
                // Transient (refused while restarting, 5xx, 408, 429): retry.
                stats.transient.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
                if Instant::now() > deadline + Duration::from_secs(60) {
                    break;
                }
            }
        }
    }
}

/// Prints the load figures; returns the acknowledged and the rejected certificates.
fn print_load(a: &Args, stats: &Stats, elapsed: f64) -> (Vec<Acked>, Vec<String>) {
    let mut lat = std::mem::take(&mut *stats.latencies_us.lock().unwrap());
    lat.sort_unstable();
    let new = stats.new.load(Ordering::Relaxed);
    let dups = stats.duplicates.load(Ordering::Relaxed);
    let acked = std::mem::take(&mut *stats.acked.lock().unwrap());
    let rejected = stats.rejected.lock().unwrap().clone();
    println!("clients                {}", a.clients);
    println!("duration               {elapsed:.1} s");
    println!(
        "acknowledged           {} ({} new, {} duplicate answers after retries)",
        acked.len(),
        new,
        dups
    );
    println!("certificates/s         {:.0}", acked.len() as f64 / elapsed);
    println!("latency p50            {:.1} ms", percentile(&lat, 0.50));
    println!("latency p99            {:.1} ms", percentile(&lat, 0.99));
    println!("latency max            {:.1} ms", percentile(&lat, 1.0));
    println!(
        "transient retries      {}",
        stats.transient.load(Ordering::Relaxed)
    );
    println!("rejected               {}", rejected.len());
    for r in rejected.iter().take(5) {
        println!("  {r}");
    }
    (acked, rejected)
}

/// Checks that every acknowledged certificate is stored and that its receipt verifies with
/// the registry key; prints and returns the lost ones and the receipts not verifying.
fn check_acknowledged(a: &Args, http: &reqwest::blocking::Client, acked: &[Acked]) -> (usize, u64) {
    let key = NoteVerifier::from_vkey(
        &http
            .get(format!("{}/api/v1/log/key", a.url))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    let export = http
        .get(format!("{}/api/v1/export.jsonl", a.url))
        .bearer_auth(&a.token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    let stored: HashSet<String> = export
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["cert_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let lost: Vec<&String> = acked
        .iter()
        .map(|(id, _, _)| id)
        .filter(|id| !stored.contains(*id))
        .collect();
    let bad_receipts = AtomicU64::new(0);
    std::thread::scope(|s| {
        for part in acked.chunks(acked.len().div_ceil(2).max(1)) {
            let key = &key;
            let bad = &bad_receipts;
            s.spawn(move || {
                for (_, env, body) in part {
                    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
                    let r: Receipt = serde_json::from_value(v["receipt"].clone()).unwrap();
                    if verify_receipt(env, &r, key).is_err() {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    println!("stored in registry     {}", stored.len());
    println!("lost (acked, missing)  {}", lost.len());
    println!(
        "receipts not verifying {}",
        bad_receipts.load(Ordering::Relaxed)
    );
    (lost.len(), bad_receipts.load(Ordering::Relaxed))
}

/// Runs the registry's log audit; prints and returns whether the log is intact.
fn audit_log(a: &Args, http: &reqwest::blocking::Client) -> bool {
    let audit = http
        .post(format!("{}/api/v1/audit", a.url))
        .bearer_auth(&a.token)
        .send()
        .unwrap();
    let audit_ok = audit.status().as_u16() == 200;
    println!(
        "log audit              {}",
        if audit_ok { "intact" } else { "FAILED" }
    );
    audit_ok
}
