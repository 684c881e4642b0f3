//! `ardoise-registry`: serve the registry, manage station keys, show the log key, audit.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use ardoise_registry::db::DbUrl;
use ardoise_registry::records::{self, NewStationKey};
use ardoise_registry::registry::{open_for_cli, DEFAULT_MAX_BODY, DEFAULT_QC_MIN_RATE_PPM};
use ardoise_registry::{Config, Registry};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ardoise-registry",
    version,
    about = "The ardoise certificate registry: HTTP API, Merkle log, pages"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database: sqlite:PATH (default sqlite:registry.db) or postgres://user@host/db.
    #[arg(
        long,
        value_name = "URL",
        env = "ARDOISE_REGISTRY_DB",
        default_value = "sqlite:registry.db"
    )]
    db: String,
    /// The log signing key file (created at first start). Default: beside the SQLite file
    /// (`<db>.log-key`); required with PostgreSQL.
    #[arg(long, value_name = "PATH", env = "ARDOISE_REGISTRY_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// Log origin (checkpoint name), fixed at first start; default ardoise-registry/<16 hex
    /// digits of the log key's blake3>, unique per registry.
    #[arg(long, value_name = "NAME")]
    origin: Option<String>,
}

impl DbArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut c = Config::new(DbUrl::parse(&self.db)?);
        c.key_file = self.key_file.clone();
        c.origin = self.origin.clone();
        Ok(c)
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API and the pages.
    Serve(ServeArgs),
    /// The log key: `key --show` prints the verifier key auditors give to
    /// `ardoise verify --registry-key`.
    Key {
        #[command(flatten)]
        db: DbArgs,
        /// Print the verifier key (one line).
        #[arg(long)]
        show: bool,
    },
    /// Station keys.
    Station {
        #[command(subcommand)]
        cmd: StationCmd,
    },
    /// Recompute the Merkle log from the stored envelopes and compare with every signed
    /// checkpoint (exit 1 when the database was tampered with).
    Audit {
        #[command(flatten)]
        db: DbArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create or update the database schema and the log key, then exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Run a witness for other registries' logs.
    Witness {
        #[command(subcommand)]
        cmd: WitnessCmd,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: String,
    #[command(flatten)]
    db: DbArgs,
    /// File holding the admin API token (or ARDOISE_REGISTRY_ADMIN_TOKEN). Without it the
    /// admin API is disabled.
    #[arg(long, value_name = "PATH")]
    admin_token_file: Option<PathBuf>,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Submissions per second a station may sustain.
    #[arg(long, default_value_t = 50.0)]
    station_rate: f64,
    /// Submissions a station may send at once.
    #[arg(long, default_value_t = 500.0)]
    station_burst: f64,
    /// Most submissions committed in one transaction.
    #[arg(long, default_value_t = 512)]
    max_batch: usize,
    /// Whole-request timeout, seconds.
    #[arg(long, default_value_t = 30)]
    request_timeout: u64,
    /// Re-run the log audit every N seconds (0: only at start).
    #[arg(long, default_value_t = 21600)]
    audit_interval: u64,
    /// Database connections for reading, at most.
    #[arg(long, default_value_t = ardoise_registry::pool::DEFAULT_POOL_SIZE)]
    pool_size: usize,
    /// Seconds a request waits for a free database connection before 503.
    #[arg(long, default_value_t = 5)]
    pool_wait: u64,
    /// Exports streaming at once from one client address.
    #[arg(long, default_value_t = 2)]
    exports_per_address: usize,
    /// A witness that cosigns this log's checkpoints: `URL,WITNESS-VKEY` (repeat the option
    /// for several).
    #[arg(long, value_name = "URL,VKEY")]
    witness: Vec<String>,
    /// Milliseconds a submission waits for the witnesses' cosignatures of its checkpoint.
    #[arg(long, default_value_t = 2000)]
    witness_wait_ms: u64,
    /// Seconds without a heartbeat after which the live page marks a station silent.
    #[arg(long, default_value_t = 60)]
    live_silent_after: u64,
    /// The network's minimum quality-control rate, ppm: certificates must use rule
    /// registry-log-v1 at this rate or more (422 otherwise). 0 turns the check off.
    #[arg(
        long,
        value_name = "PPM",
        env = "ARDOISE_REGISTRY_QC_MIN_RATE_PPM",
        default_value_t = DEFAULT_QC_MIN_RATE_PPM,
        value_parser = clap::value_parser!(u32).range(0..=1_000_000)
    )]
    qc_min_rate_ppm: u32,
}

#[derive(Subcommand)]
enum WitnessCmd {
    /// Cosign the checkpoints of the given logs (C2SP tlog-witness).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8081.
        #[arg(long, value_name = "ADDR")]
        listen: String,
        /// The witness's name (first field of its key and of its cosignature lines), e.g.
        /// `witness.ressourcerie-caen.fr/w1`.
        #[arg(long)]
        name: String,
        /// Directory of the witness's state (the latest checkpoint of each log).
        #[arg(long, value_name = "DIR")]
        state_dir: PathBuf,
        /// The witness key file (created at first start); default `<state-dir>/witness.key`.
        #[arg(long, value_name = "PATH")]
        key_file: Option<PathBuf>,
        /// The verifier key of a log to witness (`ardoise-registry key --show` of that
        /// registry); repeat for several.
        #[arg(long, value_name = "VKEY", required = true)]
        log: Vec<String>,
    },
    /// Print the witness's verifier key (what registries give to `--witness`).
    Key {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "DIR")]
        state_dir: PathBuf,
        #[arg(long, value_name = "PATH")]
        key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum StationCmd {
    /// Register a station's public key.
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// Key id (blake3 of the public key); checked when given.
        #[arg(long)]
        key_id: Option<String>,
        /// Base64 public key (as in trust.toml).
        #[arg(long, required_unless_present = "public_key_file")]
        public_key: Option<String>,
        /// Or the station.pub file `ardoise keygen` wrote.
        #[arg(long, conflicts_with = "public_key")]
        public_key_file: Option<PathBuf>,
        #[arg(long)]
        workshop: String,
        #[arg(long)]
        station: String,
        /// RFC 3339; default now.
        #[arg(long)]
        not_before: Option<String>,
        #[arg(long)]
        not_after: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Revoke a station key from an instant on.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        key_id: String,
        #[arg(long)]
        reason: String,
        /// RFC 3339; default now.
        #[arg(long)]
        at: Option<String>,
    },
    /// List the registered keys.
    List {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARDOISE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal: the server's log usually goes to a file or a journal.
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ardoise-registry: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.cmd {
        Cmd::Serve(a) => serve(a),
        Cmd::Key { db, show } => {
            let (_, signer) = open_for_cli(&db.config()?)?;
            if show {
                println!("{}", signer.verifier().to_vkey());
            } else {
                eprintln!(
                    "log key file: {}",
                    ardoise_registry::registry::describe_key_path(&db.config()?)
                );
                eprintln!("use --show to print the verifier key");
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Migrate { db } => {
            open_for_cli(&db.config()?)?;
            eprintln!("database {} ready", db.config()?.db.redacted());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit { db, json } => {
            let (mut conn, signer) = open_for_cli(&db.config()?)?;
            let trust = records::load_trust(&mut conn)?;
            let report = ardoise_registry::audit::audit(&mut conn, &signer.verifier(), &trust)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} entries, {} checkpoints: {}",
                    report.entries,
                    report.checkpoints,
                    if report.ok {
                        "log intact"
                    } else {
                        "TAMPERING DETECTED"
                    }
                );
                for p in &report.problems {
                    println!(
                        "  {} {}{}{}",
                        p.kind,
                        p.log_index.map(|i| format!("#{i} ")).unwrap_or_default(),
                        p.cert_id
                            .as_deref()
                            .map(|c| format!("{c}: "))
                            .unwrap_or_default(),
                        p.detail
                    );
                }
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Station { cmd } => station(cmd),
        Cmd::Witness { cmd } => witness(cmd),
    }
}

fn witness(cmd: WitnessCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        WitnessCmd::Key {
            name,
            state_dir,
            key_file,
        } => {
            let key = key_file.unwrap_or_else(|| state_dir.join("witness.key"));
            let (seed, _) = ardoise_registry::signing::load_or_create_with(
                &key,
                ardoise_registry::signing::WITNESS_HEADER,
                "ardoise witness key (Ed25519 seed): cosigns the checkpoints of the logs it follows. Keep secret.",
            )?;
            println!(
                "{}",
                ardoise_cert::cosign::WitnessSigner::new(&name, &seed)?
                    .verifier()
                    .to_vkey()
            );
            Ok(ExitCode::SUCCESS)
        }
        WitnessCmd::Serve {
            listen,
            name,
            state_dir,
            key_file,
            log,
        } => {
            let logs = log
                .iter()
                .map(|v| ardoise_cert::note::NoteVerifier::from_vkey(v))
                .collect::<Result<Vec<_>, _>>()
                .context("--log")?;
            let key = key_file.unwrap_or_else(|| state_dir.join("witness.key"));
            let w = std::sync::Arc::new(ardoise_registry::witness::Witness::open(
                &name, &key, &state_dir, &logs,
            )?);
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("listening on {listen}"))?;
                let addr = listener.local_addr()?;
                tracing::info!(%addr, key = %w.vkey(), "ardoise witness serving");
                println!("listening on http://{addr}");
                ardoise_registry::witness::serve(w, listener, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn station(cmd: StationCmd) -> anyhow::Result<ExitCode> {
    let now = time::OffsetDateTime::now_utc();
    match cmd {
        StationCmd::Add {
            db,
            key_id,
            public_key,
            public_key_file,
            workshop,
            station,
            not_before,
            not_after,
            comment,
        } => {
            let public_key = public_key_arg(public_key, public_key_file)?;
            let (mut conn, _) = open_for_cli(&db.config()?)?;
            let rec = records::add_station_key(
                &mut conn,
                &NewStationKey {
                    key_id,
                    public_key,
                    workshop,
                    station,
                    not_before,
                    not_after,
                    comment,
                },
                now,
            )?;
            println!(
                "registered key {} for {}/{} from {}",
                rec.key_id, rec.workshop, rec.station, rec.not_before
            );
        }
        StationCmd::Revoke {
            db,
            key_id,
            reason,
            at,
        } => {
            let at = match at {
                Some(s) => records::parse_rfc3339(&s).map_err(anyhow::Error::msg)?,
                None => now,
            };
            let (mut conn, _) = open_for_cli(&db.config()?)?;
            records::revoke_station_key(&mut conn, &key_id, at, &reason, now)?;
            println!("revoked key {key_id} from {}", records::rfc3339(at));
        }
        StationCmd::List { db, json } => {
            let (mut conn, _) = open_for_cli(&db.config()?)?;
            let keys = records::list_station_keys(&mut conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else {
                for k in keys {
                    println!("{}", station_key_line(k));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The key `station add` registers: `--public-key`, or the key of `--public-key-file`.
fn public_key_arg(
    public_key: Option<String>,
    public_key_file: Option<PathBuf>,
) -> anyhow::Result<String> {
    Ok(match (public_key, public_key_file) {
        (Some(k), _) => k,
        (None, Some(f)) => {
            let k = ardoise_cert::keys::load_public_key(&f)?;
            base64_key(&k)
        }
        (None, None) => bail!("--public-key or --public-key-file is required"),
    })
}

/// One line of `station list`.
fn station_key_line(k: records::StationKeyRecord) -> String {
    format!(
        "{} {}/{} from {}{}{}",
        k.key_id,
        k.workshop,
        k.station,
        k.not_before,
        k.not_after
            .map(|a| format!(" until {a}"))
            .unwrap_or_default(),
        k.revoked_at
            .map(|r| format!(" REVOKED {r}"))
            .unwrap_or_default()
    )
}

fn base64_key(k: &ed25519_dalek::VerifyingKey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(k.as_bytes())
}

/// The admin token from `--admin-token-file`, else from the environment; either way at least
/// 16 characters (a short one is refused, not taken).
fn admin_token(
    file: Option<&std::path::Path>,
    env: Option<String>,
) -> anyhow::Result<Option<String>> {
    let (t, from) = match (file, env) {
        (Some(p), _) => (
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            p.display().to_string(),
        ),
        (None, Some(t)) if !t.trim().is_empty() => (t, "ARDOISE_REGISTRY_ADMIN_TOKEN".into()),
        _ => return Ok(None),
    };
    let t = t.trim().to_string();
    if t.chars().count() < ardoise_registry::auth::MIN_TOKEN_CHARS {
        bail!(
            "{from}: the admin token must be at least {} characters",
            ardoise_registry::auth::MIN_TOKEN_CHARS
        );
    }
    Ok(Some(t))
}

fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = a.db.config()?;
    config.max_body = a.max_body;
    config.station_rate = a.station_rate;
    config.station_burst = a.station_burst;
    config.max_batch = a.max_batch;
    config.request_timeout = Duration::from_secs(a.request_timeout.max(1));
    config.pool_size = a.pool_size.max(1);
    config.pool_wait = Duration::from_secs(a.pool_wait);
    config.exports_per_address = a.exports_per_address.max(1);
    config.witnesses = a
        .witness
        .iter()
        .map(|w| ardoise_registry::cosigner::WitnessEndpoint::parse(w).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()
        .context("--witness")?;
    config.witness_wait = Duration::from_millis(a.witness_wait_ms);
    config.live_silent_after = Duration::from_secs(a.live_silent_after.max(1));
    config.qc_min_rate_ppm = a.qc_min_rate_ppm;
    if a.qc_min_rate_ppm == 0 {
        // Said at every start: with the check off, a station may use a selection rule it can
        // compute before erasing, and so know which disks will never be checked.
        tracing::warn!("--qc-min-rate-ppm 0: the quality-control rule and rate are not enforced");
    }
    config.admin_token = admin_token(
        a.admin_token_file.as_deref(),
        std::env::var("ARDOISE_REGISTRY_ADMIN_TOKEN").ok(),
    )?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let db = config.db.redacted();
    // Opened outside the runtime: the PostgreSQL client blocks on its own.
    let reg = Registry::open(config)?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, db = %db, origin = %reg.origin, key = %reg.verifier.to_vkey(), "ardoise-registry serving");
        // The address on stdout, one line, so that scripts can start on port 0.
        println!("listening on http://{addr}");
        let audit_every = (a.audit_interval > 0).then(|| Duration::from_secs(a.audit_interval));
        ardoise_registry::serve(reg, listener, audit_every, async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
            tracing::info!("shutting down");
        })
        .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
