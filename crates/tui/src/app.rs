//! The interface's state and its rules, without a terminal: keys and events come in, screens
//! change, and [`Command`]s go out for the runtime to carry out on its threads. Nothing here does
//! I/O, so every rule (what can be selected, when an erase may start, when the machine may be
//! powered off) is tested directly.

use std::collections::{BTreeSet, HashMap};

use ardoise_disk::DiskInfo;
use ardoise_erase::job::{JobEvent, JobPhase};
use ardoise_station::{pseudonymous_operator_id, SessionInfo};
use ardoise_upload::UploadEvent;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::fmt::clean;
use crate::i18n::{t, tf, Language, T};
use crate::model::*;
pub use crate::problem::Problem;
pub use crate::setup::{SetupDone, SetupForm, SetupRequest};

/// The steps of the flow, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Language,
    /// First-run setup of a demonstration stick (not a step of the flow).
    Setup,
    Operator,
    Machine,
    /// The machine's second page: reuse facts, destination, host reset.
    Destination,
    Disks,
    Method,
    Confirm,
    Progress,
    Results,
    Export,
}

impl Screen {
    /// Step number shown in the title bar (export is not a step).
    pub fn step(self) -> Option<usize> {
        Some(match self {
            Screen::Language => 1,
            Screen::Operator => 2,
            Screen::Machine | Screen::Destination => 3,
            Screen::Disks => 4,
            Screen::Method => 5,
            Screen::Confirm => 6,
            Screen::Progress => 7,
            Screen::Results => 8,
            Screen::Export | Screen::Setup => return None,
        })
    }

    pub const STEPS: usize = 8;

    pub fn title(self) -> T {
        match self {
            Screen::Language => T::TitleLanguage,
            Screen::Setup => T::TitleSetup,
            Screen::Operator => T::TitleOperator,
            Screen::Machine => T::TitleMachine,
            Screen::Destination => T::TitleDestination,
            Screen::Disks => T::TitleDisks,
            Screen::Method => T::TitleMethod,
            Screen::Confirm => T::TitleConfirm,
            Screen::Progress => T::TitleProgress,
            Screen::Results => T::TitleResults,
            Screen::Export => T::TitleExport,
        }
    }

    fn needs_station(self) -> bool {
        self != Screen::Language
    }
}

/// The station as the app sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum StationState {
    Opening,
    /// Locked by another ardoise (the other console); retried by the runtime.
    Busy {
        attempts: u32,
    },
    Failed(Problem),
    Open(Box<StationSummary>),
}

/// Fields of the operator screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpField {
    List,
    Name,
    Asset,
    Lot,
}

#[derive(Debug, Clone, Default)]
pub struct OperatorForm {
    /// Index in the workshop's operator list; `operators.len()` means "Other".
    pub cursor: usize,
    pub name: String,
    pub asset: String,
    pub lot: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishAction {
    NextMachine,
    PowerOff,
}

/// Dialogs that take the keyboard until answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Quit,
    Stop { job: usize },
    Suspend { row: usize },
    Override { action: FinishAction, input: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Log {
        scroll: usize,
    },
    /// The QR code of a result, full screen.
    Qr {
        job: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    Info,
    Warn,
    Error,
}

/// What to erase on one disk, chosen on the method screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub row: usize,
    pub method_id: String,
}

/// Why "next machine" / "power off" may or may not go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Ready,
    /// A certificate is still being signed.
    WaitStore,
    /// A certificate could not be stored.
    StoreFailed,
    /// This many certificates are not uploaded while a network exists.
    WaitUpload(usize),
}

/// A disk to erase, as the runtime needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub job: usize,
    pub info: DiskInfo,
    pub method: String,
    pub session: SessionInfo,
}

/// A place certificates can be exported to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTarget {
    /// What the technician sees.
    pub label: String,
    pub kind: ExportKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportKind {
    /// A directory (the simulated stick).
    Directory(std::path::PathBuf),
    /// A partition to mount (`/dev/sdb1`).
    Partition(std::path::PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExportState {
    Scanning,
    Ready,
    Running,
    Done { count: usize, place: String },
    Failed(String),
}

/// Side effects the runtime carries out.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open the station (taking its lock): sent at the first key, so that of several consoles
    /// (screen, serial line) the one a technician uses gets the station.
    OpenStation,
    ScanDisks,
    CheckRegistry,
    StartJobs(Vec<JobSpec>),
    Stop {
        job: usize,
    },
    Remedy {
        row: usize,
        info: Box<DiskInfo>,
    },
    ScanExportTargets,
    Export(ExportTarget),
    PokeUpload,
    /// Write the first-run setup onto the data partition and open the station again.
    SetUp(SetupRequest),
    /// Keep the operator, language and lot on the stick for the next machine.
    Remember(ardoise_station::remember::Remembered),
    Quit,
    PowerOff,
}

/// What the runtime's threads report.
#[derive(Debug, Clone)]
pub enum AppEvent {
    StationOpened(Box<StationSummary>),
    StationBusy {
        attempts: u32,
    },
    StationFailed(Problem),
    SetupDone(Result<SetupDone, Problem>),
    DisksScanned {
        generation: u64,
        result: Result<Vec<DiskInfo>, String>,
    },
    DiskProbed {
        generation: u64,
        path: std::path::PathBuf,
        result: Result<ProbeSummary, String>,
    },
    Net(NetState),
    Registry(RegistryState),
    /// The station cannot take certificates: the jobs were not started.
    PreflightFailed(Problem),
    JobRefused {
        job: usize,
        error: String,
    },
    /// The disk behind the name, or the drive answering, is not the one confirmed: refused,
    /// nothing written.
    JobNotConfirmed {
        job: usize,
        detail: String,
    },
    Job(Box<JobEvent>),
    Certified {
        job: usize,
        result: Result<String, Problem>,
    },
    Upload(UploadEvent),
    /// How receipts are checked, known once the station is open.
    Receipts(crate::receipts::ReceiptsView),
    RemedyDone {
        row: usize,
        result: Result<(ProbeSummary, Vec<String>), String>,
    },
    ExportTargets(Vec<ExportTarget>),
    ExportDone(Result<(usize, String), String>),
    Log(String),
    /// The storage controllers, surveyed with every disk listing.
    StorageSurveyed(ardoise_disk::controllers::StorageSurvey),
}

/// One line of the log view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub time: String,
    pub text: String,
}

pub const MAX_LOG: usize = 2000;
const MAX_FIELD: usize = 64;

/// The whole interface state.
pub struct App {
    pub lang: Language,
    pub simulate: bool,
    /// Drawn at start and again for the next machine (N): the certificates of one machine's
    /// disks share this id (`host.machine_session`).
    pub machine_session: String,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub modal: Option<Modal>,
    pub flash: Option<(FlashKind, String)>,
    pub station: StationState,
    pub net: NetState,
    pub registry: RegistryState,
    pub lang_cursor: usize,
    pub setup: SetupForm,
    pub op: OperatorForm,
    pub op_field: OpField,
    pub disks: Vec<DiskRow>,
    pub scanning: bool,
    pub scan_error: Option<String>,
    /// The latest storage-controller survey (controllers whose disks cannot be seen).
    pub storage: Option<ardoise_disk::controllers::StorageSurvey>,
    pub generation: u64,
    pub disk_cursor: usize,
    pub selected: BTreeSet<usize>,
    pub plan: Vec<Planned>,
    pub method_page: usize,
    pub method_cursor: usize,
    /// Row whose remedy is running.
    pub remedy_running: Option<usize>,
    pub confirm_input: String,
    pub jobs: Vec<JobView>,
    pub job_cursor: usize,
    pub uploads: HashMap<String, UploadState>,
    /// Shown in red unless receipts are checked with the pinned registry key.
    pub receipts: crate::receipts::ReceiptsView,
    pub export_targets: Vec<ExportTarget>,
    pub export_cursor: usize,
    pub export_state: ExportState,
    pub export_return: Screen,
    pub log: Vec<LogLine>,
    pub quit: bool,
    /// [`Command::OpenStation`] was sent.
    pub station_requested: bool,
    /// Clock for log lines (tests fix it).
    pub clock: fn() -> String,
    /// The previous machine's operator, language and lot, read from the stick.
    pub remembered: Option<ardoise_station::remember::Remembered>,
    /// The remembered operator's name, for the first screen (before the station is open).
    pub remembered_name: Option<String>,
    /// K was pressed before the station (and its operators) was open.
    pub keep_pending: bool,
    /// The machine's destination and host reset.
    pub dest: crate::destination::DestinationForm,
    /// The confirmation was reached with X (Esc goes back to the disk list).
    pub quick_confirm: bool,
}

fn wall_clock() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}

impl App {
    pub fn new(lang: Language, simulate: bool) -> App {
        App {
            lang,
            simulate,
            machine_session: ardoise_station::remember::new_machine_session(),
            screen: Screen::Language,
            overlay: None,
            modal: None,
            flash: None,
            station: StationState::Opening,
            net: NetState::Unknown,
            registry: RegistryState::NotConfigured,
            lang_cursor: match lang {
                Language::Fr => 0,
                Language::En => 1,
            },
            setup: SetupForm::default(),
            op: OperatorForm::default(),
            op_field: OpField::List,
            disks: Vec::new(),
            scanning: false,
            scan_error: None,
            storage: None,
            generation: 0,
            disk_cursor: 0,
            selected: BTreeSet::new(),
            plan: Vec::new(),
            method_page: 0,
            method_cursor: 0,
            remedy_running: None,
            confirm_input: String::new(),
            jobs: Vec::new(),
            job_cursor: 0,
            uploads: HashMap::new(),
            receipts: Default::default(),
            export_targets: Vec::new(),
            export_cursor: 0,
            export_state: ExportState::Scanning,
            export_return: Screen::Machine,
            log: Vec::new(),
            quit: false,
            station_requested: false,
            clock: wall_clock,
            remembered: None,
            remembered_name: None,
            keep_pending: false,
            dest: Default::default(),
            quick_confirm: false,
        }
    }

    pub fn t(&self, k: T) -> &'static str {
        t(self.lang, k)
    }

    pub fn tf(&self, k: T, args: &[&dyn std::fmt::Display]) -> String {
        tf(self.lang, k, args)
    }

    pub fn summary(&self) -> Option<&StationSummary> {
        match &self.station {
            StationState::Open(s) => Some(s),
            _ => None,
        }
    }

    pub fn registry_url(&self) -> Option<&str> {
        self.summary().and_then(|s| s.registry_url.as_deref())
    }

    /// The screen actually drawn: a screen that needs the station shows the station's state
    /// until it is open.
    pub fn station_blocks(&self) -> bool {
        self.screen.needs_station() && !matches!(self.station, StationState::Open(_))
            || matches!(self.station, StationState::Busy { .. })
    }

    pub fn push_log(&mut self, text: impl Into<String>) {
        let text = clean(&crate::problem::strip_ansi(&text.into()));
        for line in text.lines() {
            self.log.push(LogLine {
                time: (self.clock)(),
                text: line.to_string(),
            });
        }
        if self.log.len() > MAX_LOG {
            let extra = self.log.len() - MAX_LOG;
            self.log.drain(..extra);
        }
    }

    pub(crate) fn flash(&mut self, kind: FlashKind, text: impl Into<String>) {
        self.flash = Some((kind, text.into()));
    }

    /// Whether a job is still running (quitting and leaving the progress screen wait for it).
    pub fn jobs_running(&self) -> bool {
        self.jobs.iter().any(|j| !j.done())
    }

    /// Whether the focused widget takes typed text (so letters are not shortcuts).
    pub fn typing(&self) -> bool {
        if matches!(self.modal, Some(Modal::Override { .. })) {
            return true;
        }
        if self.modal.is_some() || self.overlay.is_some() {
            return false;
        }
        match self.screen {
            Screen::Operator => self.op_field != OpField::List,
            Screen::Confirm | Screen::Setup => true,
            _ => false,
        }
    }

    // ---- Keys ----------------------------------------------------------------------------------

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let mut cmds = Vec::new();
        if !self.station_requested && matches!(self.station, StationState::Opening) {
            self.station_requested = true;
            cmds.push(Command::OpenStation);
        }
        cmds.extend(self.handle_key(key));
        cmds
    }

    fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
            return self.ask_quit();
        }
        if let Some(m) = self.modal.clone() {
            return self.modal_key(m, key);
        }
        if key.code == KeyCode::F(1) || (key.code == KeyCode::Char('?') && !self.typing()) {
            self.overlay = match self.overlay {
                Some(Overlay::Help) => None,
                _ => Some(Overlay::Help),
            };
            return Vec::new();
        }
        if let Some(o) = self.overlay.clone() {
            return self.overlay_key(o, key);
        }
        if matches!(key.code, KeyCode::F(2))
            || (matches!(key.code, KeyCode::Char('l') | KeyCode::Char('L')) && !self.typing())
        {
            self.overlay = Some(Overlay::Log {
                scroll: self.log.len(),
            });
            return Vec::new();
        }
        if key.code == KeyCode::F(10) {
            return self.ask_quit();
        }
        self.flash = None;
        if self.station_blocks() {
            if let (StationState::Failed(_), KeyCode::Char('q') | KeyCode::Char('Q')) =
                (&self.station, key.code)
            {
                return self.ask_quit();
            }
            if matches!(self.station, StationState::Busy { .. })
                && matches!(key.code, KeyCode::Char('q') | KeyCode::Char('Q'))
            {
                return self.ask_quit();
            }
            if key.code == KeyCode::Esc && self.screen == Screen::Operator {
                self.screen = Screen::Language;
            }
            return Vec::new();
        }
        match self.screen {
            Screen::Language => self.language_key(key),
            Screen::Setup => self.setup_key(key),
            Screen::Operator => self.operator_key(key),
            Screen::Machine => self.machine_key(key),
            Screen::Destination => self.destination_key(key),
            Screen::Disks => self.disks_key(key),
            Screen::Method => self.method_key(key),
            Screen::Confirm => self.confirm_key(key),
            Screen::Progress => self.progress_key(key),
            Screen::Results => self.results_key(key),
            Screen::Export => self.export_key(key),
        }
    }

    pub(crate) fn ask_quit(&mut self) -> Vec<Command> {
        if self.jobs_running() {
            self.flash(FlashKind::Warn, self.t(T::MustStopFirst));
        } else {
            self.modal = Some(Modal::Quit);
        }
        Vec::new()
    }

    fn is_yes(&self, key: &KeyEvent) -> bool {
        matches!(key.code, KeyCode::Char(c) if c.to_lowercase().to_string() == self.t(T::Yes))
    }

    fn modal_key(&mut self, modal: Modal, key: KeyEvent) -> Vec<Command> {
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

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Command> {
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

    fn language_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Up | KeyCode::Down | KeyCode::Left | KeyCode::Right | KeyCode::Tab => {
                self.lang_cursor = 1 - self.lang_cursor;
                self.lang = if self.lang_cursor == 0 {
                    Language::Fr
                } else {
                    Language::En
                };
            }
            KeyCode::Char('f') | KeyCode::Char('F') => {
                self.lang_cursor = 0;
                self.lang = Language::Fr;
            }
            KeyCode::Char('e') | KeyCode::Char('E') => {
                self.lang_cursor = 1;
                self.lang = Language::En;
            }
            KeyCode::Enter => self.after_language(),
            KeyCode::Char('k') | KeyCode::Char('K') => return self.keep_remembered(),
            KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }

    fn operators(&self) -> &[(String, String)] {
        self.summary().map(|s| &s.operators[..]).unwrap_or(&[])
    }

    /// "Other" is selected (or the only choice).
    pub fn op_other(&self) -> bool {
        self.op.cursor >= self.operators().len()
    }

    fn op_fields(&self) -> Vec<OpField> {
        let mut v = vec![OpField::List];
        if self.op_other() {
            v.push(OpField::Name);
        }
        v.extend([OpField::Asset, OpField::Lot]);
        v
    }

    fn op_move(&mut self, forward: bool) {
        let fields = self.op_fields();
        let i = fields.iter().position(|f| *f == self.op_field).unwrap_or(0);
        let j = if forward {
            (i + 1).min(fields.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        self.op_field = fields[j];
    }

    /// The session the technician described.
    pub fn session(&self) -> Option<SessionInfo> {
        let s = self.summary()?;
        let operator_id = if self.op_other() {
            let name = self.op.name.trim();
            if name.is_empty() {
                return None;
            }
            pseudonymous_operator_id(&s.workshop_id, name)
        } else {
            s.operators[self.op.cursor].0.clone()
        };
        let opt = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        Some(SessionInfo {
            operator_id,
            asset_tag: opt(&self.op.asset),
            lot: opt(&self.op.lot),
            ..self.machine_session_fields()
        })
    }

    fn operator_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let n = self.operators().len() + 1;
        match key.code {
            KeyCode::Esc => {
                self.screen = Screen::Language;
                return Vec::new();
            }
            KeyCode::Tab => {
                self.op_move(true);
                return Vec::new();
            }
            KeyCode::BackTab => {
                self.op_move(false);
                return Vec::new();
            }
            _ => {}
        }
        match self.op_field {
            OpField::List => match key.code {
                KeyCode::Up => self.op.cursor = self.op.cursor.saturating_sub(1),
                KeyCode::Down => self.op.cursor = (self.op.cursor + 1).min(n - 1),
                KeyCode::Enter => self.op_move(true),
                _ => {}
            },
            field => {
                let text = match field {
                    OpField::Name => &mut self.op.name,
                    OpField::Asset => &mut self.op.asset,
                    _ => &mut self.op.lot,
                };
                match key.code {
                    KeyCode::Char(c) if !c.is_control() && text.chars().count() < MAX_FIELD => {
                        text.push(c);
                    }
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Up => self.op_move(false),
                    KeyCode::Down => self.op_move(true),
                    KeyCode::Enter if field == OpField::Lot => return self.operator_done(),
                    KeyCode::Enter => self.op_move(true),
                    _ => {}
                }
            }
        }
        Vec::new()
    }

    fn operator_done(&mut self) -> Vec<Command> {
        if self.session().is_none() {
            self.flash(FlashKind::Warn, self.t(T::OpNameRequired));
            self.op_field = OpField::Name;
            return Vec::new();
        }
        self.screen = Screen::Machine;
        let mut cmds = vec![Command::CheckRegistry];
        if self.disks.is_empty() && !self.scanning {
            cmds.push(self.start_scan());
        }
        cmds
    }

    pub(crate) fn start_scan(&mut self) -> Command {
        self.generation += 1;
        self.scanning = true;
        self.scan_error = None;
        self.selected.clear();
        self.disks.clear();
        self.disk_cursor = 0;
        Command::ScanDisks
    }

    fn machine_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Enter => {
                // The destination page next; the disks are probed meanwhile.
                self.screen = Screen::Destination;
                if self.disks.is_empty() && !self.scanning {
                    return vec![self.start_scan()];
                }
            }
            KeyCode::Esc => self.screen = Screen::Operator,
            KeyCode::Char('e') | KeyCode::Char('E') => return self.open_export(),
            KeyCode::Char('r') | KeyCode::Char('R') => return vec![Command::CheckRegistry],
            KeyCode::Char('q') | KeyCode::Char('Q') => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }

    fn open_export(&mut self) -> Vec<Command> {
        self.export_return = self.screen;
        self.screen = Screen::Export;
        self.export_state = ExportState::Scanning;
        self.export_targets.clear();
        self.export_cursor = 0;
        vec![Command::ScanExportTargets]
    }

    fn disks_key(&mut self, key: KeyEvent) -> Vec<Command> {
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
                    self.plan = self
                        .selected
                        .iter()
                        .filter_map(|&row| {
                            let rec = self.disks[row].summary()?.recommended()?;
                            Some(Planned {
                                row,
                                method_id: rec.id.clone(),
                            })
                        })
                        .collect();
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

    fn enter_method_page(&mut self, page: usize) {
        self.method_page = page;
        let (choices, _) = self.method_page_choices();
        let chosen = self.plan.get(page).map(|p| p.method_id.clone());
        self.method_cursor = choices
            .iter()
            .position(|c| Some(&c.id) == chosen.as_ref())
            .or_else(|| choices.iter().position(|c| c.recommended))
            .unwrap_or(0);
    }

    fn method_key(&mut self, key: KeyEvent) -> Vec<Command> {
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

    fn confirm_key(&mut self, key: KeyEvent) -> Vec<Command> {
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
        let specs = self
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| JobSpec {
                job: i,
                info: j.info.clone(),
                method: j.method_id.clone(),
                session: session.clone(),
            })
            .collect();
        self.job_cursor = 0;
        self.confirm_input.clear();
        self.screen = Screen::Progress;
        let mut cmds = vec![Command::StartJobs(specs)];
        cmds.extend(self.to_remember().map(Command::Remember));
        cmds
    }

    fn progress_key(&mut self, key: KeyEvent) -> Vec<Command> {
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

    fn enter_results(&mut self) {
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

    fn results_key(&mut self, key: KeyEvent) -> Vec<Command> {
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

    fn finish(&mut self, action: FinishAction) -> Vec<Command> {
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

    fn export_key(&mut self, key: KeyEvent) -> Vec<Command> {
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

    // ---- Events --------------------------------------------------------------------------------

    pub fn on_event(&mut self, ev: AppEvent) -> Vec<Command> {
        match ev {
            AppEvent::StationOpened(s) => {
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
                return cmds;
            }
            AppEvent::StationBusy { attempts } => {
                self.station = StationState::Busy { attempts };
            }
            AppEvent::StationFailed(e) => {
                self.push_log(e.summary(self.lang));
                self.station = StationState::Failed(e);
            }
            AppEvent::StorageSurveyed(survey) => {
                if self.storage.as_ref() != Some(&survey) {
                    for line in crate::storage_view::storage_problems(self.lang, &survey) {
                        self.push_log(line);
                    }
                }
                self.storage = Some(survey);
            }
            AppEvent::SetupDone(r) => self.setup_result(r),
            AppEvent::DisksScanned { generation, result } => {
                if generation != self.generation {
                    return Vec::new();
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
            AppEvent::DiskProbed {
                generation,
                path,
                result,
            } => {
                if generation != self.generation {
                    return Vec::new();
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
            AppEvent::Net(n) => {
                let changed = self.net != n;
                self.net = n;
                if changed && matches!(self.net, NetState::Up { .. }) {
                    return vec![Command::CheckRegistry, Command::PokeUpload];
                }
            }
            AppEvent::Registry(r) => self.registry = r,
            AppEvent::PreflightFailed(e) => {
                self.jobs.clear();
                self.screen = Screen::Confirm;
                self.confirm_input.clear();
                let msg = e.summary(self.lang);
                self.push_log(msg.clone());
                self.flash(FlashKind::Error, msg);
            }
            AppEvent::JobRefused { job, error } => {
                if let Some(j) = self.jobs.get_mut(job) {
                    j.stage = Stage::Refused(error.clone());
                    j.cert = CertState::NotIssued;
                    let name = j.info.name.clone();
                    self.push_log(format!("{name}: {error}"));
                }
                return self.after_job_change();
            }
            AppEvent::JobNotConfirmed { job, detail } => {
                let msg = self.tf(T::NotConfirmedDisk, &[&detail]);
                if let Some(j) = self.jobs.get_mut(job) {
                    j.stage = Stage::Refused(msg.clone());
                    j.cert = CertState::NotIssued;
                    let name = j.info.name.clone();
                    self.push_log(format!("{name}: {msg}"));
                }
                self.flash(FlashKind::Error, msg);
                // The list shows the disks as they are now.
                let mut cmds = vec![self.start_scan()];
                cmds.extend(self.after_job_change());
                return cmds;
            }
            AppEvent::Job(ev) => return self.job_event(*ev),
            AppEvent::Certified { job, result } => {
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
                return cmds;
            }
            AppEvent::Upload(u) => self.upload_event(u),
            AppEvent::Receipts(r) => self.receipts = r,
            AppEvent::RemedyDone { row, result } => {
                self.remedy_running = None;
                match result {
                    Ok((summary, notes)) => {
                        let name = self.disks.get(row).map(|d| d.info.name.clone());
                        for n in notes {
                            self.push_log(
                                self.tf(T::LogRemedy, &[&name.clone().unwrap_or_default(), &n]),
                            );
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
            AppEvent::ExportTargets(list) => {
                self.export_targets = list;
                self.export_cursor = 0;
                if self.export_state == ExportState::Scanning {
                    self.export_state = ExportState::Ready;
                }
            }
            AppEvent::ExportDone(r) => {
                self.export_state = match r {
                    Ok((count, place)) => {
                        self.push_log(
                            self.tf(T::LogExport, &[&self.tf(T::ExportDone, &[&count, &place])]),
                        );
                        ExportState::Done { count, place }
                    }
                    Err(e) => {
                        self.push_log(self.tf(T::LogExport, &[&e]));
                        ExportState::Failed(e)
                    }
                }
            }
            AppEvent::Log(line) => self.push_log(line),
        }
        Vec::new()
    }

    fn job_index(&self, disk: &str) -> Option<usize> {
        self.jobs.iter().position(|j| j.info.path_display() == disk)
    }

    fn job_event(&mut self, ev: JobEvent) -> Vec<Command> {
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
                        let label = crate::model::exception_label(self.lang, e.code);
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

    fn after_job_change(&mut self) -> Vec<Command> {
        if self.screen == Screen::Progress && !self.jobs.is_empty() && !self.jobs_running() {
            self.modal = None;
            self.enter_results();
        }
        Vec::new()
    }

    fn upload_event(&mut self, u: UploadEvent) {
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
