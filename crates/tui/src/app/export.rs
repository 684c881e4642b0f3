//! Copying the certificates to a stick, from the machine or the results screen.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, ExportState, ExportTarget, Screen};
use crate::i18n::T;

impl App {
    pub(super) fn open_export(&mut self) -> Vec<Command> {
        self.export_return = self.screen;
        self.screen = Screen::Export;
        self.export_state = ExportState::Scanning;
        self.export_targets.clear();
        self.export_cursor = 0;
        vec![Command::ScanExportTargets]
    }

    pub(super) fn export_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Esc if self.export_state != ExportState::Running => {
                self.screen = self.export_return;
            }
            KeyCode::Up => self.export_cursor = self.export_cursor.saturating_sub(1),
            KeyCode::Down => {
                self.export_cursor =
                    (self.export_cursor + 1).min(self.export_targets.len().saturating_sub(1))
            }
            KeyCode::Char('r') | KeyCode::Char('R')
                if self.export_state != ExportState::Running =>
            {
                self.export_state = ExportState::Scanning;
                return vec![Command::ScanExportTargets];
            }
            KeyCode::Enter
                if !matches!(
                    self.export_state,
                    ExportState::Running | ExportState::Scanning
                ) =>
            {
                if let Some(tg) = self.export_targets.get(self.export_cursor) {
                    self.export_state = ExportState::Running;
                    return vec![Command::Export(tg.clone())];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The places the certificates can be exported to.
    pub(super) fn export_targets_found(&mut self, list: Vec<ExportTarget>) {
        self.export_targets = list;
        self.export_cursor = 0;
        if self.export_state == ExportState::Scanning {
            self.export_state = ExportState::Ready;
        }
    }

    /// The export is over.
    pub(super) fn export_done(&mut self, r: Result<(usize, String), String>) {
        self.export_state = match r {
            Ok((count, place)) => {
                self.push_log(self.tf(T::LogExport, &[&self.tf(T::ExportDone, &[&count, &place])]));
                ExportState::Done { count, place }
            }
            Err(e) => {
                self.push_log(self.tf(T::LogExport, &[&e]));
                ExportState::Failed(e)
            }
        }
    }
}
