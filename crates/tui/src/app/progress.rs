//! Step 7: the running jobs and what they report.

use ardoise_erase::job::{JobEvent, JobPhase};
use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, FlashKind, Modal, Screen};
use crate::i18n::T;
use crate::problem::{Problem, Refusal};
use crate::screen_data::{verdict_label, CertState, Stage, UploadState};

impl App {
    pub(super) fn progress_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let n = self.jobs.len();
        match key.code {
            KeyCode::Up => self.job_cursor = self.job_cursor.saturating_sub(1),
            KeyCode::Down => self.job_cursor = (self.job_cursor + 1).min(n.saturating_sub(1)),
            KeyCode::Char('s') | KeyCode::Char('S') | KeyCode::Esc => {
                match self.jobs.get(self.job_cursor) {
                    Some(j) if !j.done() && !j.stopping => {
                        self.modal = Some(Modal::Stop {
                            job: self.job_cursor,
                        })
                    }
                    Some(_) => self.flash(FlashKind::Info, self.t(T::AlreadyFinished)),
                    None => {}
                }
            }
            KeyCode::Enter if !self.jobs_running() => self.enter_results(),
            _ => {}
        }
        Vec::new()
    }

    fn job_index(&self, disk: &str) -> Option<usize> {
        self.jobs.iter().position(|j| j.info.path_display() == disk)
    }

    pub(super) fn job_event(&mut self, ev: JobEvent) -> Vec<Command> {
        match ev {
            JobEvent::Phase { disk, phase } => {
                if let Some(j) = self.job_index(&disk).map(|i| &mut self.jobs[i]) {
                    if phase == JobPhase::Done {
                        j.stage = Stage::Certifying;
                    } else {
                        j.stage = Stage::Running(phase);
                        j.fraction = None;
                        j.rate = 0.0;
                        j.eta = None;
                    }
                }
            }
            JobEvent::Progress {
                disk,
                phase,
                fraction,
                rate,
                eta,
                bad_sectors,
                ..
            } => {
                if let Some(j) = self.job_index(&disk).map(|i| &mut self.jobs[i]) {
                    if !matches!(j.stage, Stage::Certifying | Stage::Finished) {
                        j.stage = Stage::Running(phase);
                    }
                    j.fraction = fraction;
                    j.rate = rate;
                    j.eta = eta;
                    j.bad_sectors = j.bad_sectors.max(bad_sectors);
                }
            }
            JobEvent::Message { disk, text } => {
                let name = self
                    .job_index(&disk)
                    .map(|i| self.jobs[i].info.name.clone())
                    .unwrap_or(disk);
                self.push_log(format!("{name}: {text}"));
            }
            JobEvent::Finished { disk, report } => {
                if let Some(i) = self.job_index(&disk) {
                    let name = self.jobs[i].info.name.clone();
                    for e in &report.exceptions {
                        let label = crate::screen_data::exception_label(self.lang, e.code);
                        self.push_log(self.tf(T::LogJobException, &[&name, &label, &e.detail]));
                    }
                    let verdict = verdict_label(self.lang, report.outcome);
                    self.push_log(self.tf(T::LogVerdict, &[&name, &verdict]));
                    let j = &mut self.jobs[i];
                    j.outcome = Some(report.outcome);
                    j.exceptions = report
                        .exceptions
                        .iter()
                        .map(|e| (e.code, e.detail.clone()))
                        .collect();
                    j.method_id = report.plan.method.id();
                    if j.stage != Stage::Finished {
                        j.stage = Stage::Certifying;
                    }
                }
            }
        }
        Vec::new()
    }

    pub(super) fn after_job_change(&mut self) -> Vec<Command> {
        if self.screen == Screen::Progress && !self.jobs.is_empty() && !self.jobs_running() {
            self.modal = None;
            self.enter_results();
        }
        Vec::new()
    }

    /// A job was refused before writing.
    pub(super) fn job_refused(&mut self, job: usize, reason: Refusal) -> Vec<Command> {
        if let Some(j) = self.jobs.get_mut(job) {
            let text = reason.text(self.lang);
            j.stage = Stage::Refused(reason);
            j.cert = CertState::NotIssued;
            let name = j.info.name.clone();
            self.push_log(self.tf(T::LogJobRefused, &[&name, &text]));
        }
        self.after_job_change()
    }

    /// The disk is not the one confirmed: refused, and the list scanned again.
    pub(super) fn job_not_confirmed(&mut self, job: usize, detail: String) -> Vec<Command> {
        let reason = Refusal::NotConfirmed {
            differences: detail,
        };
        let msg = reason.text(self.lang);
        if let Some(j) = self.jobs.get_mut(job) {
            j.stage = Stage::Refused(reason);
            j.cert = CertState::NotIssued;
            let name = j.info.name.clone();
            self.push_log(format!("{name}: {msg}"));
        }
        self.flash(FlashKind::Error, msg);
        // The list shows the disks as they are now.
        let mut cmds = vec![self.start_scan()];
        cmds.extend(self.after_job_change());
        cmds
    }

    /// A job's certificate is stored (or could not be).
    pub(super) fn certified(
        &mut self,
        job: usize,
        result: Result<String, Problem>,
    ) -> Vec<Command> {
        if let Some(j) = self.jobs.get_mut(job) {
            j.stage = Stage::Finished;
            let name = j.info.name.clone();
            let verdict = verdict_label(
                self.lang,
                j.outcome
                    .unwrap_or(ardoise_erase::outcome::Outcome::NotErased),
            );
            match result {
                Ok(id) => {
                    j.cert = CertState::Stored { id: id.clone() };
                    self.uploads
                        .entry(id.clone())
                        .or_insert(UploadState::Pending);
                    self.push_log(self.tf(T::LogCertified, &[&name, &id, &verdict]));
                }
                Err(e) => {
                    // Without a stored report nothing may count as erased.
                    if j.outcome.is_none() {
                        j.outcome = Some(ardoise_erase::outcome::Outcome::NotErased);
                    }
                    let text = e.summary(self.lang);
                    j.cert = CertState::Failed(e);
                    self.push_log(self.tf(T::LogCertifyFailed, &[&name, &text]));
                }
            }
        }
        let mut cmds = vec![Command::PokeUpload];
        cmds.extend(self.after_job_change());
        cmds
    }
}
