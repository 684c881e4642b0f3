//! Few keys per machine: on the first screen, K keeps the operator, language and lot of the
//! previous machine (remembered on the stick); on the disk list, X takes the recommended method
//! of every ticked disk and goes straight to the typed confirmation. Also the machine's
//! progress as a heartbeat for the registry's live page.

use ardoise_cert::heartbeat::{DiskPhase, HeartbeatDisk};
use ardoise_station::live::heartbeat_disk;
use ardoise_station::remember::Remembered;

use crate::app::{App, Command, FlashKind, OpField, Planned, Screen};
use crate::i18n::{Language, T};
use crate::screen_data::{CertState, JobView, Stage};

impl App {
    /// What K keeps, when something was remembered.
    pub fn remembered_line(&self) -> Option<String> {
        let r = self.remembered.as_ref()?;
        let who = r
            .operator_name
            .clone()
            .or_else(|| {
                self.summary()?
                    .operators
                    .iter()
                    .find(|(id, _)| *id == r.operator_id)
                    .map(|(_, name)| name.clone())
            })
            .or_else(|| self.remembered_name.clone())
            .unwrap_or_else(|| r.operator_id.clone());
        let lang = match r.language {
            Language::Fr => self.t(T::LangFrench),
            Language::En => self.t(T::LangEnglish),
        };
        let lot = r
            .lot
            .as_deref()
            .map(|l| self.tf(T::KeepLot, &[&crate::fmt::clean(l)]))
            .unwrap_or_default();
        Some(self.tf(T::KeepLine, &[&crate::fmt::clean(&who), &lang, &lot]))
    }

    /// K on the language screen: the remembered language now, the operator and lot as soon as
    /// the station (and its list of operators) is open.
    pub(crate) fn keep_remembered(&mut self) -> Vec<Command> {
        let Some(r) = self.remembered.clone() else {
            return Vec::new();
        };
        self.lang = r.language;
        self.lang_cursor = usize::from(r.language == Language::En);
        self.keep_pending = true;
        self.screen = Screen::Operator;
        self.apply_remembered();
        Vec::new()
    }

    /// Fills the operator screen from what was remembered, once the station is open; the
    /// cursor waits on the asset tag (a scanner types it, then Enter).
    pub(crate) fn apply_remembered(&mut self) {
        if !self.keep_pending {
            return;
        }
        let Some(r) = self.remembered.clone() else {
            return;
        };
        let Some(s) = self.summary() else { return };
        let listed = s.operators.iter().position(|(id, _)| *id == r.operator_id);
        let others = s.operators.len();
        self.keep_pending = false;
        match (listed, &r.operator_name) {
            (Some(i), _) => self.op.cursor = i,
            (None, Some(name)) => {
                self.op.cursor = others;
                self.op.name = name.clone();
            }
            (None, None) => {
                self.flash(FlashKind::Warn, self.t(T::KeepGone));
                self.op_field = OpField::List;
                return;
            }
        }
        self.op.lot = r.lot.clone().unwrap_or_default();
        self.op_field = OpField::Asset;
    }

    /// What to remember for the next machine (sent when the erase starts).
    pub(crate) fn to_remember(&self) -> Option<Remembered> {
        let session = self.session()?;
        let lot = self.op.lot.trim();
        Some(Remembered {
            language: self.lang,
            operator_id: session.operator_id,
            operator_name: self.op_other().then(|| self.op.name.trim().to_string()),
            lot: (!lot.is_empty()).then(|| lot.to_string()),
        })
    }

    /// The recommended method for every ticked disk that has one.
    pub(crate) fn recommended_plan(&self) -> Vec<Planned> {
        self.selected
            .iter()
            .filter_map(|&row| {
                let rec = self.disks[row].summary()?.recommended()?;
                Some(Planned {
                    row,
                    method_id: rec.id.clone(),
                })
            })
            .collect()
    }

    /// X on the disk list: the recommended method for every ticked disk, then the typed
    /// confirmation (the method screens are skipped; Esc there goes back to the list).
    pub(crate) fn start_recommended(&mut self) -> Vec<Command> {
        if self.selected.is_empty() {
            self.flash(FlashKind::Warn, self.t(T::SelectAtLeastOne));
            return Vec::new();
        }
        self.plan = self.recommended_plan();
        self.confirm_input.clear();
        self.quick_confirm = true;
        self.screen = Screen::Confirm;
        Vec::new()
    }
}

fn phase(j: &JobView) -> DiskPhase {
    match &j.stage {
        Stage::Starting => DiskPhase::Starting,
        Stage::Running(p) => ardoise_station::live::disk_phase(p),
        Stage::Certifying => DiskPhase::Certifying,
        Stage::Finished => DiskPhase::Done,
        Stage::Refused(_) => DiskPhase::Refused,
    }
}

/// The machine's disks as a heartbeat shows them.
pub fn heartbeat_disks(app: &App) -> Vec<HeartbeatDisk> {
    app.jobs
        .iter()
        .map(|j| {
            let cert = match &j.cert {
                CertState::Stored { id } => Some(id.clone()),
                _ => None,
            };
            heartbeat_disk(&j.info, phase(j), j.fraction, j.eta, j.verdict(), cert)
        })
        .collect()
}
