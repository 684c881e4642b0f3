//! Keys while a dialog or an overlay (help, log, QR code) is open.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, FlashKind, Modal, Overlay};
use crate::i18n::T;

impl App {
    pub(super) fn modal_key(&mut self, modal: Modal, key: KeyEvent) -> Vec<Command> {
        if key.code == KeyCode::Esc {
            self.modal = None;
            return Vec::new();
        }
        match modal {
            Modal::Quit => {
                self.modal = None;
                if self.is_yes(&key) && !self.jobs_running() {
                    self.quit = true;
                    return vec![Command::Quit];
                }
            }
            Modal::Stop { job } => {
                self.modal = None;
                if self.is_yes(&key) {
                    if let Some(j) = self.jobs.get_mut(job) {
                        if !j.done() {
                            j.stopping = true;
                            let name = j.info.name.clone();
                            self.push_log(self.tf(T::LogStop, &[&name]));
                            return vec![Command::Stop { job }];
                        }
                    }
                }
            }
            Modal::Suspend { row } => {
                self.modal = None;
                if self.is_yes(&key) {
                    if let Some(info) = self.disks.get(row).map(|d| d.info.clone()) {
                        self.remedy_running = Some(row);
                        self.flash(FlashKind::Info, self.t(T::RemedyRunning));
                        return vec![Command::Remedy {
                            row,
                            info: Box::new(info),
                        }];
                    }
                }
            }
            Modal::Override { action, mut input } => match key.code {
                KeyCode::Enter => {
                    if input.trim().eq_ignore_ascii_case(self.t(T::OverrideWord)) {
                        self.modal = None;
                        self.push_log(self.t(T::LogOverride));
                        return self.finish(action);
                    }
                    self.flash(FlashKind::Error, self.t(T::ConfirmMismatch));
                    self.modal = Some(Modal::Override {
                        action,
                        input: String::new(),
                    });
                }
                KeyCode::Backspace => {
                    input.pop();
                    self.modal = Some(Modal::Override { action, input });
                }
                KeyCode::Char(c) if !c.is_control() && input.chars().count() < 16 => {
                    input.push(c);
                    self.modal = Some(Modal::Override { action, input });
                }
                _ => self.modal = Some(Modal::Override { action, input }),
            },
        }
        Vec::new()
    }

    pub(super) fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Command> {
        match overlay {
            Overlay::Help | Overlay::Qr { .. } => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::F(1)
                ) {
                    self.overlay = None;
                }
            }
            Overlay::Log { scroll } => {
                let max = self.log.len();
                let s = match key.code {
                    KeyCode::Esc
                    | KeyCode::Char('l')
                    | KeyCode::Char('L')
                    | KeyCode::Char('q')
                    | KeyCode::F(2) => {
                        self.overlay = None;
                        return Vec::new();
                    }
                    KeyCode::Up => scroll.saturating_sub(1),
                    KeyCode::Down => (scroll + 1).min(max),
                    KeyCode::PageUp => scroll.saturating_sub(15),
                    KeyCode::PageDown => (scroll + 15).min(max),
                    KeyCode::Home => 0,
                    KeyCode::End => max,
                    _ => scroll,
                };
                self.overlay = Some(Overlay::Log { scroll: s });
            }
        }
        Vec::new()
    }
}
