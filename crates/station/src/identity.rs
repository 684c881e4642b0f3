//! One identity for a station: the workshop and station a certificate names, the key that signs
//! it and the trust entry `ardoise keygen` wrote for that key always agree.
//!
//! - A key bound to an identity (its `trust.toml` beside it) and a configuration naming no
//!   workshop: the station takes the key's identity.
//! - Both name one: they must be equal, or the station does not open (saying which is which).
//! - The data partition's own key made while the stick was a demonstration station, and a
//!   configuration that now names a workshop: the demonstration key, certificates, outbox and
//!   journal move to `archive/` and a key is made for the workshop's identity.

use std::path::Path;

use ardoise_cert::keygen::{bound_identity, generate_key_files, KeyIdentity};
use ardoise_cert::keys::{StationKey, SECRET_FILE};

use crate::config::{Config, SettingOrigin, Workshop, DEMO_WORKSHOP_ID};
use crate::{StationError, StationOptions, KEY_DIR};

/// The station key, with `config`'s workshop reconciled with the key's bound identity.
pub(crate) fn station_key(
    data_dir: &Path,
    opts: &StationOptions,
    config: &mut Config,
) -> Result<StationKey, StationError> {
    let (path, own_key) = match &opts.key_file {
        Some(p) => (p.clone(), false),
        None => (data_dir.join(KEY_DIR).join(SECRET_FILE), true),
    };
    if own_key && opts.create_key {
        if let Some(bound) = existing_identity(&path)? {
            if bound.workshop == DEMO_WORKSHOP_ID && !config.is_demo() {
                let to = crate::provision::archive(&mut crate::provision::DirVolume(
                    data_dir.to_path_buf(),
                ))
                .map_err(|e| StationError::NotWritable {
                    dir: data_dir.to_path_buf(),
                    source: ardoise_cert::station_store::StoreError::Io {
                        path: data_dir.join("archive"),
                        error: std::io::Error::other(e.to_string()),
                    },
                })?;
                tracing::warn!(archive = %to, "this stick was a demonstration station; its key and certificates were moved aside");
            }
        }
        if !path.exists() {
            let generated = generate_key_files(
                path.parent().unwrap_or(data_dir),
                Some((&config.workshop.id, &config.workshop.station)),
            )?;
            tracing::warn!(key_id = %generated.key_id, "created a new station key; register its public key with the registry");
        }
    }
    let key = StationKey::load(&path)?;
    match bound_identity(&path, key.key_id())? {
        Some(bound) => reconcile(&path, &bound, config)?,
        None => tracing::warn!(
            key = %path.display(),
            "the station key has no identity bound to it (no trust.toml entry beside it); certificates name the configuration's workshop and station"
        ),
    }
    expand_per_boot(config)?;
    Ok(key)
}

/// A per-boot station (`pxe-1-*`, PXE): this boot's station id is `pxe-1-<boot id>`, the boot
/// id being the first 8 hex digits of the kernel's boot id (`ARDOISE_BOOT_ID` overrides it).
fn expand_per_boot(config: &mut Config) -> Result<(), StationError> {
    let Some(base) = ardoise_cert::trust::per_boot_base(&config.workshop.station) else {
        return Ok(());
    };
    let raw = std::env::var("ARDOISE_BOOT_ID")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok())
        .unwrap_or_default();
    let boot: String = raw
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    if !ardoise_cert::trust::is_boot_id(&boot) {
        return Err(crate::config::SettingError {
            setting: "workshop.station".into(),
            origin: SettingOrigin::CommandLine,
            message: format!(
                "{:?} is a per-boot station, but this boot has no boot id ({raw:?})",
                config.workshop.station
            ),
        }
        .into());
    }
    config.workshop.station = format!("{base}-{boot}");
    Ok(())
}

fn existing_identity(secret: &Path) -> Result<Option<KeyIdentity>, StationError> {
    if !secret.exists() {
        return Ok(None);
    }
    let key = StationKey::load(secret)?;
    Ok(bound_identity(secret, key.key_id())?)
}

fn reconcile(
    key_path: &Path,
    bound: &KeyIdentity,
    config: &mut Config,
) -> Result<(), StationError> {
    let w = &config.workshop;
    if w.id == bound.workshop && w.station == bound.station {
        return Ok(());
    }
    if config.is_demo() {
        config.workshop = Workshop {
            id: bound.workshop.clone(),
            name: bound.workshop.clone(),
            siret: None,
            station: bound.station.clone(),
        };
        // The key's identity now goes into every certificate: the same rules as the file's
        // (a key made by an older `ardoise keygen` may name an id no registry accepts).
        config.check(&SettingOrigin::Key(key_path.to_path_buf()))?;
        return Ok(());
    }
    Err(StationError::IdentityMismatch {
        key_path: key_path.to_path_buf(),
        key_workshop: bound.workshop.clone(),
        key_station: bound.station.clone(),
        config_workshop: w.id.clone(),
        config_station: w.station.clone(),
    })
}
