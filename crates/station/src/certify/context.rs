//! The certificate sections that come from the station and the session rather than from the
//! disk: issuer, tool, policy, provenance, host and destination.

use ardoise_cert::payload as cm;

use super::{SessionInfo, StationFacts};
use crate::config::Config;

pub(super) fn issuer(station: &StationFacts<'_>) -> cm::Issuer {
    let w = &station.config.workshop;
    cm::Issuer {
        workshop_id: w.id.clone(),
        workshop_name: w.name.clone(),
        siret: w.siret.clone(),
        station_id: w.station.clone(),
        key_id: String::new(),
        registry_url: station.config.registry.url.clone(),
    }
}

pub(super) fn tool(station: &StationFacts<'_>) -> cm::Tool {
    cm::Tool {
        name: "ardoise".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        build: station.build.clone(),
        image_digest: station.image_digest.clone(),
    }
}

pub(super) fn policy(config: &Config) -> cm::Policy {
    cm::Policy {
        id: config.policy.id.clone(),
        version: "1".into(),
        digest: Some(format!("blake3:{}", config.policy.digest())),
    }
}

/// The job's destination, else the policy's default, else not recorded; with the reuse
/// grade when one was made (a grade alone, with no destination chosen, is no destination: it
/// goes to [`suggested_disposition`]).
pub(super) fn disposition(session: &SessionInfo, config: &Config) -> Option<cm::Disposition> {
    let suggestion = session
        .suggestion
        .clone()
        .or_else(|| session.disposition.as_ref()?.suggestion.clone());
    match &session.disposition {
        Some(d) => Some(cm::Disposition {
            destination: d.destination,
            detail: non_empty(&d.detail),
            suggestion,
        }),
        None => config
            .policy
            .disposition
            .map(|destination| cm::Disposition {
                destination,
                detail: None,
                suggestion,
            }),
    }
}

/// The reuse grade when no destination is recorded ([`disposition`] gives none): an unattended
/// run whose policy names no `disposition` keeps the grade as a suggestion nobody confirmed,
/// rather than dropping it or passing it off as a destination.
pub(super) fn suggested_disposition(
    session: &SessionInfo,
    config: &Config,
) -> Option<cm::Suggestion> {
    if disposition(session, config).is_some() {
        return None;
    }
    session.suggestion.clone()
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub(super) fn provenance(session: &SessionInfo) -> cm::Provenance {
    cm::Provenance {
        donor: cm::Donor {
            name: non_empty(&session.donor).unwrap_or_else(|| "not recorded".into()),
            siren: non_empty(&session.donor_siren),
        },
        donation_ref: non_empty(&session.donation_ref),
        lot: non_empty(&session.lot),
        intake_date: None,
    }
}

pub(super) fn host(session: &SessionInfo, station: &StationFacts<'_>) -> cm::Host {
    let inv = station.inventory;
    cm::Host {
        asset_tag: non_empty(&session.asset_tag),
        smbios: cm::Smbios {
            system_manufacturer: inv.manufacturer.clone(),
            system_product: inv.product.clone(),
            system_version: inv.version.clone(),
            system_serial: inv.serial.clone(),
            system_uuid: inv.uuid.clone(),
            board_serial: inv.board_serial.clone(),
            chassis_serial: inv.chassis_serial.clone(),
            chassis_asset_tag: inv.asset_tag.clone(),
            bios_vendor: inv.bios_vendor.clone(),
            bios_version: inv.bios_version.clone(),
        },
        storage: station.storage.clone(),
        hardware: Some(crate::reuse::host_hardware(&inv.hardware, inv)),
        machine_session: session.machine_session.clone(),
    }
}
