//! `ardoise-registry`: serve the registry, manage station keys, show the log key, audit.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use ardoise_registry::db::DbUrl;
use ardoise_registry::registry::{open_for_cli, DEFAULT_MAX_BODY};
use ardoise_registry::store::{self, NewStationKey};
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
    /// Log origin (checkpoint name), fixed at first start; default ardoise-registry/log.
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
            let trust = store::load_trust(&mut conn)?;
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
            let public_key = match (public_key, public_key_file) {
                (Some(k), _) => k,
                (None, Some(f)) => {
                    let k = ardoise_cert::keys::load_public_key(&f)?;
                    base64_key(&k)
                }
                (None, None) => bail!("--public-key or --public-key-file is required"),
            };
            let (mut conn, _) = open_for_cli(&db.config()?)?;
            let rec = store::add_station_key(
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
                Some(s) => store::parse_rfc3339(&s).map_err(anyhow::Error::msg)?,
                None => now,
            };
            let (mut conn, _) = open_for_cli(&db.config()?)?;
            store::revoke_station_key(&mut conn, &key_id, at, &reason, now)?;
            println!("revoked key {key_id} from {}", store::rfc3339(at));
        }
        StationCmd::List { db, json } => {
            let (mut conn, _) = open_for_cli(&db.config()?)?;
            let keys = store::list_station_keys(&mut conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else {
                for k in keys {
                    println!(
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
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn base64_key(k: &ed25519_dalek::VerifyingKey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(k.as_bytes())
}

fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = a.db.config()?;
    config.max_body = a.max_body;
    config.station_rate = a.station_rate;
    config.station_burst = a.station_burst;
    config.max_batch = a.max_batch;
    config.request_timeout = Duration::from_secs(a.request_timeout.max(1));
    config.admin_token = match (
        &a.admin_token_file,
        std::env::var("ARDOISE_REGISTRY_ADMIN_TOKEN"),
    ) {
        (Some(p), _) => {
            let t =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let t = t.trim().to_string();
            if t.len() < 16 {
                bail!(
                    "{}: the admin token must be at least 16 characters",
                    p.display()
                );
            }
            Some(t)
        }
        (None, Ok(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => None,
    };
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
