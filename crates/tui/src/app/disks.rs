//! Step 4: the disk list: scanning, probing, selecting.

use ardoise_disk::controllers::StorageSurvey;
use ardoise_disk::DiskInfo;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeSet;
use std::path::PathBuf;

use super::{App, Command, FlashKind, Screen};
use crate::i18n::T;
use crate::screen_data::{protection_reasons, DiskRow, ProbeState, ProbeSummary};

impl App {
    pub(crate) fn start_scan(&mut self) -> Command {
        self.generation += 1;
        self.scanning = true;
        self.scan_error = None;
        self.selected.clear();
        self.disks.clear();
        self.disk_cursor = 0;
        Command::ScanDisks
    }

    pub(super) fn disks_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let n = self.disks.len();
        match key.code {
            KeyCode::Up => self.disk_cursor = self.disk_cursor.saturating_sub(1),
            KeyCode::Down => self.disk_cursor = (self.disk_cursor + 1).min(n.saturating_sub(1)),
            KeyCode::Char(' ') => {
                if let Some(row) = self.disks.get(self.disk_cursor) {
                    if row.info.protected {
                        let why = protection_reasons(self.lang, &row.info);
                        self.flash(FlashKind::Error, self.tf(T::ProtectedCannot, &[&why]));
                    } else if matches!(row.probe, ProbeState::Pending) {
                        self.flash(FlashKind::Info, self.t(T::StillProbing));
                    } else if !row.selectable() {
                        self.flash(FlashKind::Error, self.t(T::CannotErase));
                    } else if !self.selected.remove(&self.disk_cursor) {
                        self.selected.insert(self.disk_cursor);
                    }
                }
            }
            KeyCode::Char('a') | KeyCode::Char('A') => {
                let all: BTreeSet<usize> = (0..n).filter(|&i| self.disks[i].selectable()).collect();
                if !all.is_empty() && self.selected == all {
                    self.selected.clear();
                } else {
                    self.selected = all;
                }
                if self
                    .disks
                    .iter()
                    .any(|d| matches!(d.probe, ProbeState::Pending))
                {
                    self.flash(FlashKind::Info, self.t(T::StillProbing));
                }
            }
            KeyCode::Char('n') | KeyCode::Char('N') => self.selected.clear(),
            KeyCode::Char('r') | KeyCode::Char('R') if !self.scanning => {
                return vec![self.start_scan()];
            }
            KeyCode::Char('x') | KeyCode::Char('X') => return self.start_recommended(),
            KeyCode::Enter => {
                self.quick_confirm = false;
                if self.selected.is_empty() {
                    self.flash(FlashKind::Warn, self.t(T::SelectAtLeastOne));
                } else {
                    self.plan = self.recommended_plan();
                    self.screen = Screen::Method;
                    self.enter_method_page(0);
                }
            }
            KeyCode::Esc => self.screen = Screen::Destination,
            KeyCode::Char('q') | KeyCode::Char('Q') => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }

    /// A new survey of the storage controllers: its problems go to the log once.
    pub(super) fn storage_surveyed(&mut self, survey: StorageSurvey) {
        if self.storage.as_ref() != Some(&survey) {
            for line in crate::storage_view::storage_problems(self.lang, &survey) {
                self.push_log(line);
            }
        }
        self.storage = Some(survey);
    }

    /// The disk list of scan `generation` (an older scan's list is dropped).
    pub(super) fn disks_scanned(&mut self, generation: u64, result: Result<Vec<DiskInfo>, String>) {
        if generation != self.generation {
            return;
        }
        self.scanning = false;
        match result {
            Ok(list) => {
                self.disks = list
                    .into_iter()
                    .map(|info| DiskRow {
                        probe: if info.protected {
                            ProbeState::Failed(String::new())
                        } else {
                            ProbeState::Pending
                        },
                        info,
                    })
                    .collect();
                self.disk_cursor = self
                    .disks
                    .iter()
                    .position(|d| !d.info.protected)
                    .unwrap_or(0);
            }
            Err(e) => {
                self.push_log(self.tf(T::ScanFailed, &[&e]));
                self.scan_error = Some(e);
            }
        }
    }

    /// One disk of scan `generation` is probed.
    pub(super) fn disk_probed(
        &mut self,
        generation: u64,
        path: PathBuf,
        result: Result<ProbeSummary, String>,
    ) {
        if generation != self.generation {
            return;
        }
        if let Some(i) = self.disks.iter().position(|d| d.info.path == path) {
            if let Ok(s) = &result {
                let name = self.disks[i].info.name.clone();
                for n in s.notes.clone() {
                    self.push_log(format!("{name}: {n}"));
                }
            }
            self.disks[i].probe = match result {
                Ok(s) => ProbeState::Done(Box::new(s)),
                Err(e) => ProbeState::Failed(e),
            };
        }
    }
}
