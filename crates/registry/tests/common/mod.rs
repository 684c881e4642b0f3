//! Test fixtures: a registry served in-process on 127.0.0.1, stations that sign real
//! certificates, a throwaway PostgreSQL cluster.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use ardoise_cert::envelope::{envelope_hash, sign_certificate};
use ardoise_cert::keys::StationKey;
use ardoise_cert::note::NoteVerifier;
use ardoise_cert::payload::Certificate;
use ardoise_registry::db::DbUrl;
use ardoise_registry::{Config, Registry};
use serde_json::Value as Json;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
pub const WS: &str = "ressourcerie-pays-d-auge";

/// A registry served on a loopback port by its own runtime.
pub struct TestServer {
    pub url: String,
    pub reg: Arc<Registry>,
    rt: Option<tokio::runtime::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub fn start(config: Config) -> TestServer {
        Self::try_start(config).expect("registry starts")
    }

    pub fn try_start(config: Config) -> Result<TestServer, ardoise_registry::RegistryError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // Opened outside the runtime: the PostgreSQL client blocks on its own.
        let reg = Registry::open(config)?;
        let listener =
            rt.block_on(async { tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = rt.spawn(ardoise_registry::serve(
            reg.clone(),
            listener,
            None,
            async {
                let _ = rx.await;
            },
        ));
        Ok(TestServer {
            url,
            reg,
            rt: Some(rt),
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn key(&self) -> NoteVerifier {
        self.reg.verifier.clone()
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let (Some(rt), Some(task)) = (self.rt.take(), self.task.take()) {
            let _ = rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), task).await });
            rt.shutdown_timeout(Duration::from_secs(2));
        }
        // Let the writer thread notice its channel closed and drop its connection.
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A database for one test: a SQLite file in a temp dir, or a fresh PostgreSQL database.
pub struct TestDb {
    pub url: DbUrl,
    pub key_file: PathBuf,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        TestDb {
            url: DbUrl::Sqlite(dir.path().join("registry.db")),
            key_file: dir.path().join("registry.db.log-key"),
            dir,
        }
    }

    pub fn config(&self) -> Config {
        let mut c = Config::new(self.url.clone());
        c.key_file = Some(self.key_file.clone());
        c.origin = Some("registre.test/log".into());
        c.admin_token = Some(ADMIN_TOKEN.into());
        // The fixtures sign the cert crate's example, which carries the older QC rule
        // (blake3-key-seq-v1) that the default policy refuses; the policy itself is tested
        // where it is set (hardening.rs `qc_decided_by_the_log`, uploader.rs with the binary).
        c.qc_min_rate_ppm = 0;
        c
    }

    pub fn conn(&self) -> ardoise_registry::db::Conn {
        ardoise_registry::db::Conn::open(&self.url).unwrap()
    }
}

/// A station that signs a chain of certificates.
pub struct Station {
    pub key: StationKey,
    pub workshop: String,
    pub station: String,
    pub seq: u64,
    pub prev: Option<String>,
    counter: u64,
}

pub struct Signed {
    pub cert_id: String,
    pub bytes: Vec<u8>,
    pub seq: u64,
    pub certificate: Certificate,
}

impl Station {
    pub fn new(seed: u8, station: &str) -> Station {
        Station {
            key: StationKey::from_seed(&[seed; 32]),
            workshop: WS.into(),
            station: station.into(),
            seq: 0,
            prev: None,
            counter: seed as u64 * 1_000_000,
        }
    }

    /// The certificate the station would sign next (not yet advancing the journal).
    pub fn draft(&mut self) -> Certificate {
        self.counter += 1;
        let mut c = Certificate::example();
        c.issuer.workshop_id = self.workshop.clone();
        c.issuer.station_id = self.station.clone();
        c.issuer.key_id = self.key.key_id().to_string();
        c.media.serial = format!("SN{:010}", self.counter);
        c.journal.seq = self.seq;
        c.journal.prev_envelope_blake3 = self.prev.clone();
        c
    }

    /// Signs `c` and advances the journal.
    pub fn sign(&mut self, c: Certificate) -> Signed {
        let s = sign_certificate(&c, &self.key).expect("valid certificate");
        self.seq = c.journal.seq + 1;
        self.prev = Some(envelope_hash(&s.envelope_bytes));
        Signed {
            cert_id: s.cert_id,
            bytes: s.envelope_bytes,
            seq: c.journal.seq,
            certificate: c,
        }
    }

    pub fn next(&mut self) -> Signed {
        let c = self.draft();
        self.sign(c)
    }

    pub fn next_with(&mut self, f: impl FnOnce(&mut Certificate)) -> Signed {
        let mut c = self.draft();
        f(&mut c);
        self.sign(c)
    }

    pub fn registration(&self) -> Json {
        serde_json::json!({
            "public_key": self.key.public_base64(),
            "key_id": self.key.key_id(),
            "workshop": self.workshop,
            "station": self.station,
            "not_before": "2025-01-01T00:00:00Z",
        })
    }

    pub fn trust_toml(&self) -> String {
        format!(
            "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"{}\"\nstation = \"{}\"\nnot_before = \"2025-01-01T00:00:00Z\"\n\n",
            self.key.key_id(),
            self.key.public_base64(),
            self.workshop,
            self.station
        )
    }
}

/// HTTP helpers (blocking client). `Http::new` is anonymous; `Http::admin` (and
/// `with_token`) sends a bearer token with every GET.
pub struct Http {
    pub base: String,
    client: reqwest::blocking::Client,
    token: Option<String>,
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The `error` code of an error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl Http {
    pub fn new(base: &str) -> Http {
        Http {
            base: base.to_string(),
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            token: None,
        }
    }

    /// A client that reads with the admin token (search, exports, full content).
    pub fn admin(base: &str) -> Http {
        Http::new(base).with_token(ADMIN_TOKEN)
    }

    pub fn with_token(mut self, token: &str) -> Http {
        self.token = Some(token.to_string());
        self
    }

    fn get_req(&self, path: &str) -> reqwest::blocking::RequestBuilder {
        let r = self.client.get(format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    fn done(r: reqwest::blocking::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        Resp {
            status,
            headers,
            body: r.bytes().unwrap().to_vec(),
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        Self::done(self.get_req(path).send().unwrap())
    }

    pub fn get_lang(&self, path: &str, accept_language: &str) -> Resp {
        Self::done(
            self.get_req(path)
                .header("accept-language", accept_language)
                .send()
                .unwrap(),
        )
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        Self::done(
            self.client
                .post(format!("{}{path}", self.base))
                .header("content-type", content_type)
                .body(body)
                .send()
                .unwrap(),
        )
    }

    /// POST with a chunked body (no Content-Length), as a streaming client would send.
    pub fn submit_chunked(&self, body: Vec<u8>) -> Resp {
        Self::done(
            self.client
                .post(format!("{}/api/v1/certificates", self.base))
                .header("content-type", "application/json")
                .body(reqwest::blocking::Body::new(std::io::Cursor::new(body)))
                .send()
                .unwrap(),
        )
    }

    pub fn submit(&self, envelope: &[u8]) -> Resp {
        self.post_raw(
            "/api/v1/certificates",
            "application/json",
            envelope.to_vec(),
        )
    }

    pub fn admin_post(&self, path: &str, token: Option<&str>, body: &Json) -> Resp {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::done(req.send().unwrap())
    }

    pub fn admin_get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::done(req.send().unwrap())
    }

    pub fn register(&self, st: &Station) {
        let r = self.admin_post("/api/v1/stations", Some(ADMIN_TOKEN), &st.registration());
        assert_eq!(r.status, 201, "{}", r.text());
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL: a throwaway cluster in a temp dir, as the `postgres` user when run as root.

pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    pub socket_dir: PathBuf,
    /// With [`PgServer::start_tls`]: the directory holding `ca.pem` (the CA that signed the
    /// server's certificate, for 127.0.0.1 and localhost) and `other-ca.pem` (an unrelated CA).
    pub tls_dir: Option<PathBuf>,
    _dir: tempfile::TempDir,
    runas: Option<String>,
    counter: std::sync::atomic::AtomicU32,
}

fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

impl PgServer {
    /// Starts a cluster, or returns None (with a note) when PostgreSQL is not installed —
    /// unless ARDOISE_REQUIRE_POSTGRES=1, where that is a failure (make test-registry sets it).
    pub fn start() -> Option<PgServer> {
        Self::start_opts(false)
    }

    /// Like [`PgServer::start`], with `ssl=on` and a certificate signed by a throwaway CA
    /// made by the `openssl` command (see `tls_dir`).
    pub fn start_tls() -> Option<PgServer> {
        if pg_bin_dir().is_some() && Command::new("openssl").arg("version").output().is_err() {
            if required("ARDOISE_REQUIRE_POSTGRES") {
                panic!("the PostgreSQL TLS tests need the openssl command (ARDOISE_REQUIRE_POSTGRES=1)");
            }
            eprintln!("NOTE: openssl not installed: PostgreSQL TLS tests not run");
            return None;
        }
        Self::start_opts(true)
    }

    fn start_opts(tls: bool) -> Option<PgServer> {
        let Some(bin) = pg_bin_dir() else {
            if required("ARDOISE_REQUIRE_POSTGRES") {
                panic!("PostgreSQL is required (ARDOISE_REQUIRE_POSTGRES=1) but /usr/lib/postgresql/*/bin/initdb is missing");
            }
            eprintln!("NOTE: PostgreSQL not installed: PostgreSQL tests not run (make test-registry runs them)");
            return None;
        };
        let root = unsafe_free_geteuid() == 0;
        let dir = tempfile::Builder::new()
            .prefix("ardoise-pg-")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        let socket_dir = dir.path().to_path_buf();
        let runas = root.then(|| "postgres".to_string());
        let tls_dir = tls.then(|| {
            let t = dir.path().join("tls");
            std::fs::create_dir(&t).unwrap();
            make_test_pki(&t);
            t
        });
        if root {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(st.success(), "chown postgres");
        }
        let run = |args: &[&str]| -> std::process::Output {
            let mut cmd = match &runas {
                Some(u) => {
                    let mut c = Command::new("runuser");
                    c.args(["-u", u, "--"]);
                    c.arg(bin.join(args[0]));
                    c
                }
                None => Command::new(bin.join(args[0])),
            };
            cmd.args(&args[1..]);
            cmd.output().unwrap()
        };
        let out = run(&[
            "initdb",
            "-D",
            data.to_str().unwrap(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]);
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
            socket_dir.display()
        );
        if let Some(t) = &tls_dir {
            opts.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                t.join("server.pem").display(),
                t.join("server.key").display()
            ));
        }
        let log = dir.path().join("log");
        let out = run(&[
            "pg_ctl",
            "-D",
            data.to_str().unwrap(),
            "-o",
            &opts,
            "-l",
            log.to_str().unwrap(),
            "-w",
            "-t",
            "60",
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start: {} {}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Some(PgServer {
            port,
            bin,
            data,
            socket_dir,
            tls_dir,
            _dir: dir,
            runas,
            counter: Default::default(),
        })
    }

    /// A fresh, empty database; its URL.
    pub fn database(&self) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("t{n}_{}", std::process::id());
        let mut c = postgres::Client::connect(
            &format!("postgres://postgres@127.0.0.1:{}/postgres", self.port),
            postgres::NoTls,
        )
        .unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    pub fn test_db(&self) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        TestDb {
            url: DbUrl::Postgres(self.database()),
            key_file: dir.path().join("log-key"),
            dir,
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let mut cmd = match &self.runas {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]);
                c.arg(self.bin.join("pg_ctl"));
                c
            }
            None => Command::new(self.bin.join("pg_ctl")),
        };
        let _ = cmd
            .args([
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                "stop",
            ])
            .output();
        let _ = &self.socket_dir;
    }
}

/// In `dir`: `ca.pem` and a server certificate it signed (`server.pem`, `server.key`, for
/// IP 127.0.0.1 and DNS localhost), and `other-ca.pem`, a CA that signed nothing here.
pub fn make_test_pki(dir: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command (to make the test certificates)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for (name, cn) in [("ca", "ardoise test CA"), ("other-ca", "another CA")] {
        let (key, pem, subj) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            format!("/CN={cn}"),
        );
        let mut a = vec!["req", "-x509"];
        a.extend(ec);
        a.extend(["-keyout", &key, "-out", &pem, "-days", "2", "-subj", &subj]);
        a.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
        a.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        openssl(&a);
    }
    let mut a = vec!["req"];
    a.extend(ec);
    a.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(&a);
    write(
        &dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    // PostgreSQL refuses a key others can read.
    let st = Command::new("chmod")
        .args(["600", "server.key"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(st.success());
}

fn unsafe_free_geteuid() -> u32 {
    // `id -u` rather than libc: this crate forbids unsafe code.
    String::from_utf8_lossy(&Command::new("id").arg("-u").output().unwrap().stdout)
        .trim()
        .parse()
        .unwrap_or(1)
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}
