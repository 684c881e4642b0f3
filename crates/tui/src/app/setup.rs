//! First-run setup: a stick that is still a demonstration station offers, right after the
//! language, to become a workshop's — workshop id and name, station id, registry address and
//! key (a file on the stick or the key typed). The runtime writes it with
//! `ardoise_station::provision::set_up` (what `ardoise provision` does from a host) and opens the
//! station again. Esc goes on as a clearly marked demonstration station.
//!
//! The same form repairs a stick whose `ardoise.toml` the station cannot read or refuses
//! (`set_up` replaces such a file): it is offered after the language, and from the failure
//! screen with Enter; Esc goes back to that screen.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, FlashKind, OpField, Screen, StationState};
use crate::i18n::T;
use crate::problem::Problem;

/// The fields of the form, in order.
pub const FIELDS: [T; 5] = [
    T::SetupWorkshopId,
    T::SetupWorkshopName,
    T::SetupStation,
    T::SetupRegistryUrl,
    T::SetupRegistryKey,
];

const MAX_VALUE: usize = 200;

/// What the technician typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetupForm {
    /// The focused field (index into [`FIELDS`]).
    pub field: usize,
    /// What was typed in each field, in the order of [`FIELDS`].
    pub values: [String; 5],
    /// The request was sent: keys are ignored until the runtime answers.
    pub saving: bool,
    /// Why the last attempt was refused.
    pub error: Option<Problem>,
    /// Esc was pressed: the station stays a demonstration for this session.
    pub declined: bool,
}

/// What the runtime writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupRequest {
    /// The workshop's id.
    pub workshop_id: String,
    /// The workshop's name.
    pub workshop_name: String,
    /// This station's id within the workshop.
    pub station: String,
    /// The registry's base URL, if any.
    pub registry_url: Option<String>,
    /// A path relative to the data partition, or the key's text.
    pub registry_key: Option<String>,
}

/// What the runtime reports once the station is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupDone {
    /// The workshop's id, as written.
    pub workshop: String,
    /// The station's id, as written.
    pub station: String,
    /// The id of the new station key, which the registry must register.
    pub key_id: String,
}

impl App {
    /// Whether the first-run setup is offered: the station is open as a demonstration, or
    /// failed on a configuration file the setup replaces; and its data partition keeps what is
    /// written.
    pub fn setup_offered(&self) -> bool {
        !self.setup.declined
            && match &self.station {
                StationState::Open(s) => s.demo && s.persistent != Some(false),
                StationState::Failed(_) => self.setup_repairs(),
                _ => false,
            }
    }

    /// The station failed on its configuration file and the setup can write a new one: the
    /// setup screen is then drawn although the station is not open.
    pub fn setup_repairs(&self) -> bool {
        matches!(&self.station, StationState::Failed(p) if p.setup_fixes())
            && self.data_persistent != Some(false)
    }

    /// Enter on the failure screen: the setup, when it can repair the station.
    pub(crate) fn setup_from_failure(&mut self) -> bool {
        if !self.setup_repairs() {
            return false;
        }
        self.setup.declined = false;
        self.setup.error = None;
        self.screen = Screen::Setup;
        true
    }

    /// After the language: the setup when offered, else the operator.
    pub(crate) fn after_language(&mut self) {
        if self.setup_offered() {
            self.screen = Screen::Setup;
        } else {
            self.screen = Screen::Operator;
            self.op_field = OpField::List;
        }
    }

    pub(crate) fn setup_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if self.setup.saving {
            return Vec::new();
        }
        let last = FIELDS.len() - 1;
        match key.code {
            KeyCode::Esc => {
                self.setup.declined = true;
                self.setup.error = None;
                self.after_language();
            }
            KeyCode::Tab | KeyCode::Down => self.setup.field = (self.setup.field + 1).min(last),
            KeyCode::BackTab | KeyCode::Up => self.setup.field = self.setup.field.saturating_sub(1),
            KeyCode::Enter if self.setup.field < last => self.setup.field += 1,
            KeyCode::Enter => return self.submit_setup(),
            KeyCode::Backspace => {
                self.setup.values[self.setup.field].pop();
            }
            KeyCode::Char(c) if !c.is_control() => {
                let v = &mut self.setup.values[self.setup.field];
                if v.chars().count() < MAX_VALUE {
                    v.push(c);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn submit_setup(&mut self) -> Vec<Command> {
        let v: Vec<String> = self
            .setup
            .values
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        if v[0].is_empty() || v[1].is_empty() || v[2].is_empty() {
            self.flash(FlashKind::Warn, self.t(T::SetupRequired));
            self.setup.field = v.iter().position(|s| s.is_empty()).unwrap_or(0);
            return Vec::new();
        }
        let opt = |s: &String| (!s.is_empty()).then(|| s.clone());
        self.setup.saving = true;
        self.setup.error = None;
        vec![Command::SetUp(SetupRequest {
            workshop_id: v[0].clone(),
            workshop_name: v[1].clone(),
            station: v[2].clone(),
            registry_url: opt(&v[3]),
            registry_key: opt(&v[4]),
        })]
    }

    pub(crate) fn setup_result(&mut self, result: Result<SetupDone, Problem>) {
        self.setup.saving = false;
        match result {
            Ok(done) => {
                let msg = self.tf(T::SetupDone, &[&done.workshop, &done.station, &done.key_id]);
                self.push_log(msg);
                let short = self.tf(
                    T::SetupDoneShort,
                    &[
                        &done.workshop,
                        &done.station,
                        &crate::fmt::short_id(&done.key_id),
                    ],
                );
                self.flash(FlashKind::Info, short);
                self.setup = SetupForm {
                    declined: true,
                    ..SetupForm::default()
                };
                self.screen = Screen::Operator;
                self.op_field = OpField::List;
            }
            Err(p) => {
                self.push_log(p.summary(self.lang));
                self.flash(FlashKind::Error, self.t(T::SetupFailed));
                self.setup.error = Some(p);
            }
        }
    }
}
