//! The station opening: what the app learns from it.

use super::{App, Command, Screen, StationState};
use crate::i18n::T;
use crate::screen_data::{RegistryState, StationSummary};

impl App {
    /// The station is open: its registry is checked and its disks listed.
    pub(super) fn station_opened(&mut self, s: Box<StationSummary>) -> Vec<Command> {
        self.registry = if s.registry_url.is_some() {
            RegistryState::Checking
        } else {
            RegistryState::NotConfigured
        };
        for (id, from_report) in &s.recovered {
            let k = if *from_report {
                T::LogRecoveredReport
            } else {
                T::LogInterrupted
            };
            self.push_log(self.tf(k, &[id]));
        }
        self.push_log(self.tf(T::LogStationOpened, &[&s.data_dir.display()]));
        if self.op.cursor > s.operators.len() {
            self.op.cursor = 0;
        }
        self.station = StationState::Open(s);
        self.apply_remembered();
        // The language was chosen while the station was opening: offer the setup now.
        let untouched =
            self.op.name.is_empty() && self.op.asset.is_empty() && self.op.lot.is_empty();
        if self.screen == Screen::Operator && untouched && self.setup_offered() {
            self.screen = Screen::Setup;
        }
        let mut cmds = vec![Command::CheckRegistry];
        if self.disks.is_empty() && !self.scanning {
            cmds.push(self.start_scan());
        }
        cmds
    }
}
