//! Step 5: one page per selected disk to choose its method, and the remedy of a frozen disk.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, FlashKind, Modal, Screen};
use crate::i18n::T;
use crate::screen_data::{method_choices, MethodChoice, ProbeState, ProbeSummary};

impl App {
    /// The choices of the current method page, and whether the remedy item follows them.
    pub fn method_page_choices(&self) -> (Vec<MethodChoice>, bool) {
        let Some(p) = self.plan.get(self.method_page) else {
            return (Vec::new(), false);
        };
        match self.disks.get(p.row).and_then(|d| d.summary()) {
            Some(s) => (method_choices(s), s.has_remedy()),
            None => (Vec::new(), false),
        }
    }

    pub(super) fn enter_method_page(&mut self, page: usize) {
        self.method_page = page;
        let (choices, _) = self.method_page_choices();
        let chosen = self.plan.get(page).map(|p| p.method_id.clone());
        self.method_cursor = choices
            .iter()
            .position(|c| Some(&c.id) == chosen.as_ref())
            .or_else(|| choices.iter().position(|c| c.recommended))
            .unwrap_or(0);
    }

    pub(super) fn method_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if self.remedy_running.is_some() {
            self.flash(FlashKind::Info, self.t(T::RemedyRunning));
            return Vec::new();
        }
        let (choices, remedy) = self.method_page_choices();
        let items = choices.len() + usize::from(remedy);
        match key.code {
            KeyCode::Up => self.method_cursor = self.method_cursor.saturating_sub(1),
            KeyCode::Down => {
                self.method_cursor = (self.method_cursor + 1).min(items.saturating_sub(1))
            }
            KeyCode::Enter => {
                if self.method_cursor == choices.len() && remedy {
                    let row = self.plan[self.method_page].row;
                    self.modal = Some(Modal::Suspend { row });
                    return Vec::new();
                }
                let Some(c) = choices.get(self.method_cursor) else {
                    return Vec::new();
                };
                if !c.supported {
                    self.flash(FlashKind::Error, self.t(T::MethodNotSupported));
                    return Vec::new();
                }
                self.plan[self.method_page].method_id = c.id.clone();
                if self.method_page + 1 < self.plan.len() {
                    self.enter_method_page(self.method_page + 1);
                } else {
                    self.confirm_input.clear();
                    self.screen = Screen::Confirm;
                }
            }
            KeyCode::Esc => {
                if self.method_page == 0 {
                    self.screen = Screen::Disks;
                } else {
                    self.enter_method_page(self.method_page - 1);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The remedy (a suspend cycle) of a frozen disk is over.
    pub(super) fn remedy_done(
        &mut self,
        row: usize,
        result: Result<(ProbeSummary, Vec<String>), String>,
    ) {
        self.remedy_running = None;
        match result {
            Ok((summary, notes)) => {
                let name = self.disks.get(row).map(|d| d.info.name.clone());
                for n in notes {
                    self.push_log(self.tf(T::LogRemedy, &[&name.clone().unwrap_or_default(), &n]));
                }
                let frozen = summary.frozen;
                if let Some(d) = self.disks.get_mut(row) {
                    d.probe = ProbeState::Done(Box::new(summary));
                }
                // The recommended method may have changed: preselect it again.
                if let Some(p) = self.plan.iter_mut().find(|p| p.row == row) {
                    if let Some(rec) = self
                        .disks
                        .get(row)
                        .and_then(|d| d.summary())
                        .and_then(|s| s.recommended())
                    {
                        p.method_id = rec.id.clone();
                    }
                }
                if self.screen == Screen::Method {
                    self.enter_method_page(self.method_page);
                }
                if frozen {
                    self.flash(FlashKind::Warn, self.t(T::RemedyStillFrozen));
                } else {
                    self.flash(FlashKind::Info, self.t(T::RemedyUnfrozen));
                }
            }
            Err(e) => {
                let msg = self.tf(T::RemedyFailed, &[&e]);
                self.push_log(msg.clone());
                self.flash(FlashKind::Error, msg);
            }
        }
    }
}
