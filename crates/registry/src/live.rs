//! Live progress of a workshop's stations: the signed heartbeats stations send every few
//! seconds (`POST /api/v1/heartbeats`), the last one per station kept in memory — never in the
//! log, never in the database — and served as JSON (`GET /api/v1/atelier/{workshop}`, in
//! [`crate::heartbeats`]) and as the live page (`/atelier/{workshop}`, in [`crate::pages`]).
//!
//! A heartbeat is judged like a certificate: a registered station key, valid now (not revoked,
//! within its validity), registered for the workshop and station the heartbeat names, a strict
//! Ed25519 signature. It holds no personal data by construction
//! ([`ardoise_cert::heartbeat`]), so reading the board needs no token. Memory is bounded by
//! the registered keys: one entry per station.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use ardoise_cert::heartbeat::{parse_heartbeat, Heartbeat, HeartbeatError};
use ardoise_cert::trust::{KeyStatus, TrustFile};
use serde::Serialize;
use time::OffsetDateTime;

use crate::submit::Rejection;

/// How far a heartbeat's `sent_at` may be from the registry's clock.
pub const CLOCK_TOLERANCE: Duration = Duration::from_secs(300);

/// The last heartbeat of one station.
#[derive(Debug, Clone, Serialize)]
pub struct StationLive {
    /// Station name, as in its heartbeats.
    pub station: String,
    /// When the registry received the last heartbeat.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// Seconds since the last heartbeat arrived.
    pub age_seconds: u64,
    /// Every disk of its last heartbeat ended (certified or refused): its silence since is the
    /// station being done, not lost.
    pub finished: bool,
    /// No heartbeat for longer than the registry's silence threshold while a disk was still
    /// in progress.
    pub silent: bool,
    /// The last heartbeat itself.
    pub heartbeat: Heartbeat,
}

/// The stations of one workshop, for the page and the API.
#[derive(Debug, Clone, Serialize)]
pub struct WorkshopLive {
    /// Workshop name.
    pub workshop: String,
    /// Silence threshold, in seconds (see `StationLive::silent`).
    pub silent_after_seconds: u64,
    /// Its stations, each with its last heartbeat.
    pub stations: Vec<StationLive>,
}

/// The last heartbeat of every station.
#[derive(Debug, Default)]
pub struct LiveBoard {
    last: Mutex<HashMap<(String, String), (OffsetDateTime, Heartbeat)>>,
}

impl LiveBoard {
    /// Keeps `hb` unless a newer one (by `sent_at`) is already kept. Returns whether kept.
    pub fn record(&self, hb: Heartbeat, now: OffsetDateTime) -> bool {
        let mut last = self.last.lock().expect("live lock");
        let key = (hb.workshop_id.clone(), hb.station_id.clone());
        match last.get(&key) {
            Some((_, kept)) if kept.sent_at > hb.sent_at => false,
            _ => {
                last.insert(key, (now, hb));
                true
            }
        }
    }

    /// Every station of `workshop` that sent a heartbeat since the registry started.
    pub fn workshop(
        &self,
        workshop: &str,
        now: OffsetDateTime,
        silent_after: Duration,
    ) -> WorkshopLive {
        let last = self.last.lock().expect("live lock");
        let mut stations: Vec<StationLive> = last
            .iter()
            .filter(|((w, _), _)| w == workshop)
            .map(|((_, s), (received_at, hb))| {
                let age = (now - *received_at).whole_seconds().max(0) as u64;
                let finished = !hb.disks.is_empty() && hb.disks.iter().all(|d| d.phase.finished());
                StationLive {
                    station: s.clone(),
                    received_at: *received_at,
                    age_seconds: age,
                    finished,
                    silent: !finished && age > silent_after.as_secs(),
                    heartbeat: hb.clone(),
                }
            })
            .collect();
        stations.sort_by(|a, b| a.station.cmp(&b.station));
        WorkshopLive {
            workshop: workshop.to_string(),
            silent_after_seconds: silent_after.as_secs(),
            stations,
        }
    }
}

fn heartbeat_rejection(e: HeartbeatError) -> Rejection {
    match e {
        HeartbeatError::BadSignature(m) => Rejection::new(
            401,
            "bad_signature",
            format!("the signature does not verify with key {m}"),
        )
        .field("signatures[0].sig"),
        HeartbeatError::Invalid { field, message } => {
            Rejection::new(422, "invalid_heartbeat", format!("{field}: {message}")).field(field)
        }
        other => Rejection::new(400, "invalid_envelope", other.to_string()),
    }
}

/// Verifies heartbeat envelope bytes against the registered keys at `now`.
pub fn check_heartbeat(
    body: &[u8],
    trust: &TrustFile,
    now: OffsetDateTime,
) -> Result<Heartbeat, Rejection> {
    let unverified = parse_heartbeat(body).map_err(heartbeat_rejection)?;
    let key_id = unverified.key_id.clone();
    let Some(public) = trust.public_key(&key_id) else {
        return Err(Rejection::new(
            401,
            "unknown_key",
            format!("key {key_id} is not registered with this registry"),
        )
        .field("signatures[0].keyid"));
    };
    let hb = unverified.verify(&public).map_err(heartbeat_rejection)?;
    let entry = match trust.status(&key_id, now) {
        KeyStatus::Valid { entry, .. } => entry,
        other => {
            return Err(Rejection::new(
                401,
                "key_not_valid",
                format!("key {key_id} is not valid now ({})", key_state(&other)),
            ))
        }
    };
    if !entry.covers(&hb.workshop_id, &hb.station_id) {
        return Err(Rejection::new(
            401,
            "key_not_valid",
            format!(
                "key {key_id} is registered for {}/{}, not {}/{}",
                entry.workshop, entry.station, hb.workshop_id, hb.station_id
            ),
        )
        .field("workshop_id"));
    }
    let skew = (hb.sent_at - now).unsigned_abs();
    if skew > CLOCK_TOLERANCE {
        return Err(Rejection::new(
            422,
            "clock_skew",
            format!(
                "sent_at is {} s away from the registry's clock (at most {} s): set the station's clock",
                skew.as_secs(),
                CLOCK_TOLERANCE.as_secs()
            ),
        )
        .field("sent_at"));
    }
    Ok(hb)
}

fn key_state(s: &KeyStatus<'_>) -> &'static str {
    match s {
        KeyStatus::Unknown => "unknown",
        KeyStatus::NotYetValid { .. } => "not yet valid",
        KeyStatus::Expired { .. } => "expired",
        KeyStatus::Revoked { .. } => "revoked",
        KeyStatus::Valid { .. } => "valid",
    }
}

#[cfg(test)]
mod tests;
