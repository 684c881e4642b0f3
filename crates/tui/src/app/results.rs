//! Step 8: the results, the gate before the next machine or power-off, and the uploads.

use ardoise_upload::UploadEvent;
use crossterm::event::{KeyCode, KeyEvent};

use super::{
    App, Command, FinishAction, FlashKind, Gate, Modal, OpField, Overlay, Screen, StationState,
};
use crate::i18n::T;
use crate::screen_data::{CertState, NetState, RegistryState, UploadState};

impl App {
    pub(super) fn enter_results(&mut self) {
        self.screen = Screen::Results;
        self.job_cursor = 0;
    }

    /// Whether a certificate upload is required before leaving: a registry is configured, the
    /// policy asks for it, and a network exists.
    pub fn upload_required(&self) -> bool {
        let Some(s) = self.summary() else {
            return false;
        };
        s.registry_url.is_some()
            && s.require_upload
            && (matches!(self.net, NetState::Up { .. })
                || self.registry == RegistryState::Reachable)
    }

    /// Whether "next machine" and "power off" may go ahead, or what they wait for.
    pub fn gate(&self) -> Gate {
        if self.jobs.iter().any(|j| j.cert == CertState::Pending) {
            return Gate::WaitStore;
        }
        if self
            .jobs
            .iter()
            .any(|j| matches!(j.cert, CertState::Failed(_)))
        {
            return Gate::StoreFailed;
        }
        if self.upload_required() {
            let left = self
                .jobs
                .iter()
                .filter(|j| match &j.cert {
                    CertState::Stored { id } => {
                        self.uploads.get(id) != Some(&UploadState::Uploaded)
                    }
                    _ => false,
                })
                .count();
            if left > 0 {
                return Gate::WaitUpload(left);
            }
        }
        Gate::Ready
    }

    pub(super) fn results_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let n = self.jobs.len();
        match key.code {
            KeyCode::Up => self.job_cursor = self.job_cursor.saturating_sub(1),
            KeyCode::Down => self.job_cursor = (self.job_cursor + 1).min(n.saturating_sub(1)),
            KeyCode::Enter => {
                self.overlay = Some(Overlay::Qr {
                    job: self.job_cursor,
                })
            }
            KeyCode::Char('n') | KeyCode::Char('N') => {
                return self.request_finish(FinishAction::NextMachine)
            }
            KeyCode::Char('p') | KeyCode::Char('P') => {
                return self.request_finish(FinishAction::PowerOff)
            }
            KeyCode::Char('e') | KeyCode::Char('E') => return self.open_export(),
            KeyCode::Char('q') | KeyCode::Char('Q') => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }

    fn request_finish(&mut self, action: FinishAction) -> Vec<Command> {
        match self.gate() {
            Gate::Ready => self.finish(action),
            Gate::WaitStore => {
                self.flash(FlashKind::Warn, self.t(T::FinishWaitStore));
                Vec::new()
            }
            Gate::StoreFailed | Gate::WaitUpload(_) => {
                self.modal = Some(Modal::Override {
                    action,
                    input: String::new(),
                });
                Vec::new()
            }
        }
    }

    pub(super) fn finish(&mut self, action: FinishAction) -> Vec<Command> {
        match action {
            FinishAction::PowerOff => {
                self.quit = true;
                vec![Command::PowerOff]
            }
            FinishAction::NextMachine => {
                self.jobs.clear();
                self.plan.clear();
                self.op.asset.clear();
                self.op.lot.clear();
                self.confirm_input.clear();
                self.dest = Default::default();
                self.quick_confirm = false;
                self.machine_session = ardoise_station::remember::new_machine_session();
                self.screen = Screen::Operator;
                self.op_field = OpField::List;
                vec![self.start_scan()]
            }
        }
    }

    pub(super) fn upload_event(&mut self, u: UploadEvent) {
        match u {
            UploadEvent::Uploaded { cert_id, .. } => {
                self.push_log(self.tf(T::LogUploaded, &[&cert_id]));
                self.uploads.insert(cert_id, UploadState::Uploaded);
            }
            UploadEvent::Retrying {
                cert_id,
                attempt,
                error,
                ..
            } => {
                self.push_log(self.tf(T::LogUploadRetry, &[&cert_id, &attempt, &error]));
                self.uploads.insert(cert_id, UploadState::Retrying(error));
            }
            UploadEvent::Rejected {
                cert_id, message, ..
            } => {
                self.push_log(self.tf(T::LogUploadRejected, &[&cert_id, &message]));
                self.uploads.insert(cert_id, UploadState::Rejected(message));
            }
            UploadEvent::GaveUp { cert_id, error } => {
                self.push_log(self.tf(T::LogUploadGaveUp, &[&cert_id, &error]));
                self.uploads.insert(cert_id, UploadState::GaveUp(error));
            }
            UploadEvent::StoreError { message } => {
                self.push_log(self.tf(T::LogUploadStore, &[&message]))
            }
            UploadEvent::PassFinished { pending, .. } => {
                if let Some(StationState::Open(s)) = Some(&mut self.station) {
                    s.outbox = pending;
                }
            }
            UploadEvent::Halted { message, alarm } => {
                self.push_log(self.tf(T::LogUploadStore, &[&message]));
                self.receipts = crate::receipts::ReceiptsView::from_halt(message, alarm);
            }
            UploadEvent::PassStarted { .. } | UploadEvent::Stopped => {}
        }
    }
}
