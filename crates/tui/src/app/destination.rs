//! The machine's second screen: what decides its reuse (battery, memory, processor, screen,
//! operating-system minimums), the destination the workshop's reuse policy suggests with its
//! reasons, the destination the technician confirms or changes (Left/Right), and the host
//! reset the technician attests (keys 1-4, none ticked to begin with). Everything here goes
//! into each certificate of the machine (`host.hardware`, `disposition`, `host_reset`).

use ardoise_cert::payload::Destination;
use ardoise_station::reuse::{self, DiskGrade, Grade};
use ardoise_station::{HostResetChecks, SessionInfo};
use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, Screen};

/// What the technician chose on the screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationForm {
    /// The destination chosen; None follows the default (the workshop's, else the grade's).
    pub chosen: Option<Destination>,
    /// The host reset steps the technician attests (keys 1-4).
    pub host_reset: HostResetChecks,
    /// The screen was confirmed (Enter) for this machine.
    pub confirmed: bool,
}

pub(crate) const ORDER: [Destination; 3] = [
    Destination::Reuse,
    Destination::Parts,
    Destination::Recycling,
];

impl App {
    /// The disks of the machine with their health grade, for the grade.
    fn disk_grades(&self) -> Vec<DiskGrade> {
        self.disks
            .iter()
            .filter(|d| !d.info.protected)
            .map(|d| DiskGrade {
                name: d.info.name.clone(),
                grade: d
                    .summary()
                    .and_then(|s| s.health.as_ref())
                    .map_or(ardoise_disk::health::HealthGrade::Unknown, |h| h.grade),
            })
            .collect()
    }

    /// The workshop policy's grade of this machine (None until the station is open).
    pub fn grade(&self) -> Option<Grade> {
        let s = self.summary()?;
        Some(reuse::grade(
            &s.inventory.hardware,
            &s.inventory,
            &self.disk_grades(),
            &s.reuse,
        ))
    }

    /// The destination the screen starts on: the workshop's default, else the grade's.
    pub fn default_destination(&self) -> Option<Destination> {
        self.summary()
            .and_then(|s| s.default_destination)
            .or_else(|| self.grade().map(|g| g.destination))
    }

    /// The destination recorded for this machine.
    pub fn destination(&self) -> Option<Destination> {
        self.dest.chosen.or_else(|| self.default_destination())
    }

    /// The machine's part of the session: its session id, grade, destination, attestations.
    pub(crate) fn machine_session_fields(&self) -> SessionInfo {
        SessionInfo {
            machine_session: Some(self.machine_session.clone()),
            suggestion: self.grade().map(|g| g.suggestion()),
            disposition: self
                .destination()
                .map(|destination| ardoise_cert::payload::Disposition {
                    destination,
                    detail: None,
                    suggestion: None,
                }),
            host_reset: (!self.dest.host_reset.is_empty()).then_some(self.dest.host_reset),
            ..Default::default()
        }
    }

    pub(crate) fn destination_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Left | KeyCode::Right => {
                let current = self.destination().unwrap_or(Destination::Reuse);
                let i = ORDER.iter().position(|d| *d == current).unwrap_or(0);
                let j = if key.code == KeyCode::Right {
                    (i + 1) % ORDER.len()
                } else {
                    (i + ORDER.len() - 1) % ORDER.len()
                };
                self.dest.chosen = Some(ORDER[j]);
            }
            KeyCode::Char(c @ '1'..='4') => {
                let h = &mut self.dest.host_reset;
                let slot = match c {
                    '1' => &mut h.firmware_settings_reset,
                    '2' => &mut h.tpm_cleared,
                    '3' => &mut h.biometric_templates_cleared,
                    _ => &mut h.labels_removed,
                };
                // An explicit statement or nothing: never "not done" by default.
                *slot = match slot {
                    Some(true) => None,
                    _ => Some(true),
                };
            }
            KeyCode::Enter => {
                self.dest.confirmed = true;
                self.screen = Screen::Disks;
                if self.disks.is_empty() && !self.scanning {
                    return vec![self.start_scan()];
                }
            }
            KeyCode::Esc => self.screen = Screen::Machine,
            KeyCode::Char('q') | KeyCode::Char('Q') => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }
}
