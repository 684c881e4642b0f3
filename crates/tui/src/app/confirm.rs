//! Step 6: the typed confirmation, then the jobs start.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, FlashKind, JobSpec, Screen};
use crate::i18n::T;
use crate::problem::Problem;
use crate::screen_data::{JobView, ProbeState};

impl App {
    /// What must be typed to confirm: the serial's last four characters for one disk with a
    /// serial of at least four characters, otherwise the word.
    pub fn confirm_expected(&self) -> String {
        if self.plan.len() == 1 {
            if let Some(d) = self.disks.get(self.plan[0].row) {
                let serial: Vec<char> = d.info.serial.trim().chars().collect();
                if serial.len() >= 4 && serial.iter().all(|c| !c.is_whitespace()) {
                    return serial[serial.len() - 4..].iter().collect();
                }
            }
        }
        self.t(T::ConfirmWord).to_string()
    }

    /// Whether the single-disk confirmation (serial) applies.
    pub fn confirm_by_serial(&self) -> bool {
        self.confirm_expected() != self.t(T::ConfirmWord)
    }

    pub(super) fn confirm_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Esc if self.quick_confirm => self.screen = Screen::Disks,
            KeyCode::Esc => {
                self.screen = Screen::Method;
                let last = self.plan.len().saturating_sub(1);
                self.enter_method_page(last);
            }
            KeyCode::Backspace => {
                self.confirm_input.pop();
            }
            KeyCode::Char(c) if !c.is_control() && self.confirm_input.chars().count() < 16 => {
                self.confirm_input.push(c);
            }
            KeyCode::Enter => {
                let expected = self.confirm_expected();
                if self.confirm_input.trim().to_uppercase() != expected.to_uppercase() {
                    self.flash(FlashKind::Error, self.t(T::ConfirmMismatch));
                    self.confirm_input.clear();
                    return Vec::new();
                }
                return self.start_jobs();
            }
            _ => {}
        }
        Vec::new()
    }

    fn start_jobs(&mut self) -> Vec<Command> {
        let Some(session) = self.session() else {
            self.screen = Screen::Operator;
            return Vec::new();
        };
        self.jobs = self
            .plan
            .iter()
            .map(|p| JobView::new(self.disks[p.row].info.clone(), p.method_id.clone()))
            .collect();
        // What the probe read of each drive when it was confirmed.
        let confirmed = self.plan.iter().map(|p| match &self.disks[p.row].probe {
            ProbeState::Done(s) => s.confirmed.clone(),
            _ => None,
        });
        let specs = self
            .jobs
            .iter()
            .zip(confirmed)
            .enumerate()
            .map(|(i, (j, confirmed))| JobSpec {
                job: i,
                info: j.info.clone(),
                method: j.method_id.clone(),
                session: session.clone(),
                confirmed,
            })
            .collect();
        self.job_cursor = 0;
        self.confirm_input.clear();
        self.screen = Screen::Progress;
        let mut cmds = vec![Command::StartJobs(specs)];
        cmds.extend(self.to_remember().map(Command::Remember));
        cmds
    }

    /// The station cannot take certificates: back to the confirmation, nothing started.
    pub(super) fn preflight_failed(&mut self, e: Problem) {
        self.jobs.clear();
        self.screen = Screen::Confirm;
        self.confirm_input.clear();
        let msg = e.summary(self.lang);
        self.push_log(msg.clone());
        self.flash(FlashKind::Error, msg);
    }
}
