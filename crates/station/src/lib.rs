//! The erasure station: what the CLI and the TUI share. It owns the data directory (the FAT32
//! `ARDOISE` partition on the live image): the configuration, the station key, the certificate
//! store with its journal and outbox, the password vault for ATA security erase, and the markers
//! of jobs in progress so that a job cut by a power loss ends, at the next start, in a
//! `not_erased` certificate instead of silence.
#![forbid(unsafe_code)]

pub mod certify;
pub mod config;
mod identity;
pub mod jobs;
pub mod live;
pub mod provision;
pub mod receipts;
pub mod remember;
pub mod reuse;
pub mod storage;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ardoise_cert::keys::StationKey;
use ardoise_cert::station_store::{check_writable, Store, StoreError, StoredCertificate};
use ardoise_disk::controllers::StorageSurvey;
use ardoise_disk::inventory::{read_inventory, MachineInventory};
use ardoise_erase::firmware::{FileVault, PasswordVault};
use ardoise_erase::job::{ErasureReport, PreparedJob};

pub use certify::{pseudonymous_operator_id, HostResetChecks, SessionInfo};
pub use config::{Config, KernelOptions, Language, SettingError, SettingOrigin, VerifyMode};
pub use jobs::JobMarker;

/// Where the station key lives inside the data directory.
pub const KEY_DIR: &str = "keys";

/// Why the station could not be opened or could not store a certificate.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// `ardoise.toml` in the data directory is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The station key could not be read, created or used.
    #[error("station key: {0}")]
    Key(#[from] ardoise_cert::keys::KeyError),
    /// The certificate store (with its journal and outbox) could not be opened or written.
    #[error("certificate store in {dir}: {source}")]
    Store {
        /// The data directory whose store failed.
        dir: PathBuf,
        /// What the store reported.
        source: StoreError,
    },
    /// A test write in the data directory failed: certificates could not be kept there.
    #[error("the data directory {dir} cannot hold certificates: {source}")]
    NotWritable {
        /// The data directory that could not be created or written.
        dir: PathBuf,
        /// Why it could not be created or written.
        source: StoreError,
    },
    /// The vault of temporary ATA passwords could not be opened or written.
    #[error("password vault: {0}")]
    Vault(#[from] ardoise_erase::firmware::VaultError),
    /// A job marker or kept report (in `jobs/`) could not be written or read; holds the cause.
    #[error("job marker: {0}")]
    Marker(String),
    /// The system gave no randomness for the job's overwrite pattern seed.
    #[error("no random seed for the job: {0}")]
    Seed(#[from] ardoise_erase::pattern::PatternError),
    /// No data partition and no registry: certificates would be lost at power-off.
    #[error("the data partition is missing: certificates would only live in memory and be lost at power-off, and no registry is configured to receive them; plug in the ardoise stick with its ARDOISE partition, or configure a registry")]
    NoPersistentStorage,
    /// A setting (file, kernel command line, command line) has an invalid value.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The station key's identity differs from the configured workshop and station.
    #[error("the station key {key_path} belongs to workshop {key_workshop:?} station {key_station:?}, but the configuration names workshop {config_workshop:?} station {config_station:?}; use the key made for this station, or set the configuration to the key's identity")]
    IdentityMismatch {
        /// Where the station key was read.
        key_path: PathBuf,
        /// The workshop named in the key.
        key_workshop: String,
        /// The station named in the key.
        key_station: String,
        /// The workshop named in the configuration.
        config_workshop: String,
        /// The station named in the configuration.
        config_station: String,
    },
    /// The validator would refuse this session's certificates; checked before any erase.
    #[error("a certificate of this session would be refused, so nothing will be erased: {}", .issues.iter().map(|i| format!("{} (setting {}): {}", i.path, certify::setting_for_field(&i.path), i.message)).collect::<Vec<_>>().join("; "))]
    NotCertifiable {
        /// Each schema problem, with the certificate field it concerns.
        issues: Vec<ardoise_cert::validate::SchemaIssue>,
    },
    /// An erase ended but its certificate could not be stored.
    #[error("the certificate could not be stored ({error}); {}", match .report_kept { Some(p) => format!("the job's report is kept in {} and becomes its certificate at the next start", p.display()), None => "the job's report could not be kept either: the disk must be erased again".into() })]
    NotStored {
        /// Why storing failed.
        error: Box<StationError>,
        /// Where the job's report was kept to become a certificate at the next start; `None` if it
        /// could not be kept, and the disk must be erased again.
        report_kept: Option<PathBuf>,
    },
}

/// A certificate issued at start for a job that had none.
#[derive(Debug, Clone)]
pub struct Recovered {
    /// The certificate issued and stored for the job.
    pub certificate: StoredCertificate,
    /// Made from the job's kept report (what really happened); otherwise the job was cut
    /// (power loss, crash) and the certificate says `not_erased` (`interrupted`).
    pub report_kept: bool,
}

/// How to open the station.
#[derive(Debug, Clone, Default)]
pub struct StationOptions {
    /// `--data-dir`; otherwise `ARDOISE_DATA_DIR`, `/data`, the user's data directory.
    pub data_dir: Option<PathBuf>,
    /// `--key`: a station key file elsewhere than `<data>/keys/station.key`.
    pub key_file: Option<PathBuf>,
    /// Create a station key when the data directory has none (first boot of a new stick).
    pub create_key: bool,
    /// Read `ardoise.*` options from /proc/cmdline.
    pub kernel_options: bool,
    /// Whether the data directory survives a power-off; `None` reads `ARDOISE_DATA_PERSISTENT`
    /// (set to 0 by the live image's init when it found no data partition). The password vault
    /// also measures its own filesystem: `Some(true)` on a tmpfs leaves it volatile.
    pub persistent: Option<bool>,
    /// `--registry`: overrides the file and the kernel command line.
    pub registry: Option<String>,
}

/// An opened station. Holds the certificate store's lock: one issuing process per data directory.
pub struct Station {
    /// The data directory in use (`--data-dir`, `ARDOISE_DATA_DIR`, `/data`, …; see
    /// [`config::resolve_data_dir`]).
    pub data_dir: PathBuf,
    /// The settings in effect: `ardoise.toml`, then the kernel command line, then `--registry`.
    pub config: Config,
    /// The `ardoise.*` options read from /proc/cmdline (empty unless asked for).
    pub kernel: KernelOptions,
    /// The machine's inventory (DMI and hardware), read once at open, for `host` in certificates.
    pub inventory: MachineInventory,
    /// `sha256:<hex>` of the booted image.
    pub image_digest: Option<String>,
    persistent: bool,
    key: StationKey,
    store: Mutex<Store>,
    vault: Arc<FileVault>,
    /// The latest storage-controller survey; every certificate records it in `host.storage`.
    storage: Mutex<StorageSurvey>,
}

impl Station {
    /// Opens the data directory: loads the settings, the station key, the certificate store and
    /// the password vault, then checks that a certificate of this configuration would be valid.
    /// Refuses (with `StationError`) rather than erase disks whose certificates could not be issued.
    pub fn open(opts: &StationOptions) -> Result<Station, StationError> {
        let data_dir = config::resolve_data_dir(opts.data_dir.as_deref());
        std::fs::create_dir_all(&data_dir).map_err(|e| StationError::NotWritable {
            dir: data_dir.clone(),
            source: StoreError::Io {
                path: data_dir.clone(),
                error: e,
            },
        })?;
        let mut config = Config::load(&data_dir)?;
        let kernel = if opts.kernel_options {
            KernelOptions::from_system()
        } else {
            KernelOptions::default()
        };
        config.apply_kernel(&kernel)?;
        if let Some(url) = &opts.registry {
            config.registry.url = Some(url.clone());
            config.normalize();
            config.check(&SettingOrigin::CommandLine)?;
        }
        let key = identity::station_key(&data_dir, opts, &mut config)?;
        let store = Store::open(&data_dir).map_err(|source| StationError::Store {
            dir: data_dir.clone(),
            source,
        })?;
        let persistent = opts.persistent.unwrap_or_else(|| {
            std::env::var("ARDOISE_DATA_PERSISTENT")
                .map(|v| v != "0")
                .unwrap_or(true)
        });
        // A vault in RAM cannot keep a temporary ATA password through a power cut. The vault
        // measures its filesystem (tmpfs, ramfs: not durable); the station's word that /data
        // is in RAM can only make it volatile, never durable.
        let vault = FileVault::open(&data_dir.join("vault"))
            .map_err(StationError::Vault)?
            .declared_volatile(!persistent);
        if !vault.is_durable() {
            tracing::warn!(
                vault = %vault.dir().display(),
                persistence = %vault.persistence(),
                "the password vault does not survive a power cut: no ATA security erase"
            );
        }
        let image_digest = kernel
            .image_digest
            .clone()
            .or_else(|| image_record("image"));
        let station = Station {
            data_dir,
            config,
            kernel,
            inventory: read_inventory(),
            image_digest,
            persistent,
            key,
            store: Mutex::new(store),
            vault: Arc::new(vault),
            storage: Mutex::new(ardoise_disk::controllers::survey(Path::new("/sys"))),
        };
        // The settings and the key must make a certificate the validator accepts: found now,
        // not after an erase.
        station.check_session(&SessionInfo {
            operator_id: "preflight".into(),
            ..Default::default()
        })?;
        Ok(station)
    }

    /// Whether certificates survive a power-off: false when the live image found no data
    /// partition and keeps `/data` in RAM (`ARDOISE_DATA_PERSISTENT=0`; PXE boots).
    pub fn persistent(&self) -> bool {
        self.persistent
    }

    /// The station key's id: BLAKE3 hex of its public key, as written in certificates.
    pub fn key_id(&self) -> &str {
        self.key.key_id()
    }

    /// The station key's public key in base64, for registering the station with a registry.
    pub fn public_key_base64(&self) -> String {
        self.key.public_base64()
    }

    /// The vault that keeps temporary ATA passwords on the data partition.
    pub fn vault(&self) -> Arc<dyn PasswordVault> {
        self.vault.clone()
    }

    /// Surveys the machine's storage controllers again (call it with every disk listing: a
    /// driver may have loaded since) and returns the survey certificates will record.
    pub fn survey_storage(&self) -> StorageSurvey {
        self.set_storage_survey(ardoise_disk::controllers::survey(Path::new("/sys")))
    }

    /// Records a survey made elsewhere (a fake sysfs tree in tests); returns it.
    pub fn set_storage_survey(&self, survey: StorageSurvey) -> StorageSurvey {
        let mut s = self.storage.lock().unwrap_or_else(|p| p.into_inner());
        *s = survey.clone();
        survey
    }

    /// The latest storage-controller survey.
    pub fn storage_survey(&self) -> StorageSurvey {
        self.storage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Checks that a certificate can be stored now. Called before any erase starts: a full or
    /// read-only data partition must stop the erase, not the certificate.
    pub fn preflight(&self) -> Result<(), StationError> {
        if !self.persistent() && self.config.registry.url.is_none() {
            return Err(StationError::NoPersistentStorage);
        }
        check_writable(&self.data_dir).map_err(|source| StationError::NotWritable {
            dir: self.data_dir.clone(),
            source,
        })
    }

    /// Checks that a certificate of `session` (operator, donor, asset tag, destination… with
    /// the station's identity, policy and key) would be accepted: builds and signs a throw-away
    /// one. Front ends call it before the first destructive command of a session.
    pub fn check_session(&self, session: &SessionInfo) -> Result<(), StationError> {
        self.rehearse(certify::session_certificate(session, &self.facts()))
    }

    fn rehearse(&self, cert: ardoise_cert::payload::Certificate) -> Result<(), StationError> {
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        match store.rehearse(cert, &self.key) {
            Ok(_) => Ok(()),
            Err(StoreError::Sign(ardoise_cert::envelope::EnvelopeError::Invalid(e))) => {
                Err(StationError::NotCertifiable { issues: e.0 })
            }
            Err(source) => Err(StationError::Store {
                dir: self.data_dir.clone(),
                source,
            }),
        }
    }

    /// Records that a job is starting on `report_disk` (removed when its certificate is stored).
    pub fn begin_job(&self, marker: &JobMarker) -> Result<(), StationError> {
        jobs::write_marker(&self.data_dir, marker)
    }

    /// Draws the job's seed and records its marker, so that a power cut from here on leaves
    /// an interrupted job to certify. Returns the marker to hand to [`Station::certify`].
    pub fn begin_erase(
        &self,
        job: &mut PreparedJob,
        session: &SessionInfo,
    ) -> Result<JobMarker, StationError> {
        let seed = ardoise_erase::pattern::Seed::random()?;
        job.request.seed = Some(seed);
        let mut marker = JobMarker::new(
            &job.disk.info,
            &job.probe.identity,
            &job.probe.capabilities,
            job.probe.health.as_ref(),
            &job.plan,
            seed,
            session,
        );
        marker.namespaces = job.namespaces_reached();
        // This disk's certificate, as it would read if the job were cut now, must be signable
        // before the disk is touched.
        self.rehearse(jobs::interrupted_certificate(&marker, &self.facts()))?;
        self.begin_job(&marker)?;
        Ok(marker)
    }

    /// Signs and stores the certificate of `report` and removes the job's marker. When the
    /// certificate cannot be stored, the report is kept beside the marker (in the space the
    /// marker reserved) so that the next start certifies what really happened.
    pub fn certify(
        &self,
        report: &ErasureReport,
        session: &SessionInfo,
        marker: Option<&JobMarker>,
    ) -> Result<StoredCertificate, StationError> {
        match self.certify_report(report, session) {
            Ok(stored) => {
                if let Some(m) = marker {
                    jobs::remove_marker(&self.data_dir, m);
                }
                Ok(stored)
            }
            Err(error) => {
                let report_kept = marker.and_then(|m| {
                    jobs::keep_report(&self.data_dir, m, report)
                        .map_err(
                            |e| tracing::error!(error = %e, "the job's report could not be kept"),
                        )
                        .ok()
                });
                Err(StationError::NotStored {
                    error: Box::new(error),
                    report_kept,
                })
            }
        }
    }

    fn certify_report(
        &self,
        report: &ErasureReport,
        session: &SessionInfo,
    ) -> Result<StoredCertificate, StationError> {
        let cert = certify::certificate(report, session, &self.facts());
        match self.issue(cert.clone()) {
            Err(StationError::Store {
                source: StoreError::Sign(ardoise_cert::envelope::EnvelopeError::Invalid(issues)),
                ..
            }) => {
                // A station bug produced a certificate that contradicts itself. The record must
                // not be lost: certify the disk as not erased and say why.
                tracing::error!(%issues, "inconsistent certificate; issuing it as not_erased");
                self.issue(certify::degrade_to_not_erased(cert, &issues.to_string()))
            }
            other => other,
        }
    }

    /// Certifies the jobs that never got a certificate: a job whose report was kept (its
    /// certificate could not be stored) gets the certificate of what really happened; a job
    /// with a marker only (power loss, crash) becomes `not_erased` (`interrupted`). Returns
    /// them (empty when there were none).
    pub fn recover_interrupted(&self) -> Result<Vec<Recovered>, StationError> {
        let mut out = Vec::new();
        for marker in jobs::list_markers(&self.data_dir)? {
            let (certificate, report_kept) = match jobs::kept_report(&self.data_dir, &marker) {
                Some(report) => (self.certify_report(&report, &marker.session)?, true),
                None => (
                    self.issue(jobs::interrupted_certificate(&marker, &self.facts()))?,
                    false,
                ),
            };
            out.push(Recovered {
                certificate,
                report_kept,
            });
            jobs::remove_marker(&self.data_dir, &marker);
        }
        Ok(out)
    }

    fn issue(
        &self,
        cert: ardoise_cert::payload::Certificate,
    ) -> Result<StoredCertificate, StationError> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        store
            .issue(cert, &self.key)
            .map_err(|source| StationError::Store {
                dir: self.data_dir.clone(),
                source,
            })
    }

    fn facts(&self) -> certify::StationFacts<'_> {
        certify::StationFacts {
            config: &self.config,
            inventory: &self.inventory,
            image_digest: self.image_digest.clone(),
            build: option_env!("ARDOISE_BUILD")
                .map(str::to_string)
                .or_else(|| image_record("git")),
            storage: Some(storage::host_storage(&self.storage_survey())),
        }
    }

    /// Where this station uploads and how receipts are checked (`None`: offline station);
    /// `url` overrides the configured registry. See [`receipts`].
    pub fn upload_target(
        &self,
        url: Option<&str>,
    ) -> Result<Option<receipts::UploadTarget>, receipts::RegistryKeyError> {
        receipts::upload_target(&self.data_dir, &self.config, &self.kernel, url)
    }

    /// Ids of certificates the registry has not acknowledged yet.
    pub fn outbox_len(&self) -> usize {
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        store.data_dir().outbox().map(|o| o.len()).unwrap_or(0)
    }
}

/// A field of the record the live image's build wrote (`ARDOISE_IMAGE_DIGEST_FILE`, lines of
/// `key value`: `image sha256:…`, `git <commit>`…).
fn image_record(key: &str) -> Option<String> {
    let path = std::env::var_os("ARDOISE_IMAGE_DIGEST_FILE")?;
    let text = std::fs::read_to_string(path).ok()?;
    parse_image_record(&text, key)
}

fn parse_image_record(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.trim().split_once(' ')?;
        (k == key)
            .then(|| v.split_whitespace().next().unwrap_or("").to_string())
            .filter(|v| !v.is_empty())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_record_lines() {
        let text = "format ardoise-image-v1\nimage sha256:abc123\nkernel sha256:k 1 linux=6.1\ngit 1a2b3c4\n";
        assert_eq!(
            super::parse_image_record(text, "image").as_deref(),
            Some("sha256:abc123")
        );
        assert_eq!(
            super::parse_image_record(text, "git").as_deref(),
            Some("1a2b3c4")
        );
        assert_eq!(super::parse_image_record(text, "missing"), None);
    }
}
