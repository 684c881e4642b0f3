//! The interface's state and its rules, without a terminal: keys and events come in, screens
//! change, and [`Command`]s go out for the runtime to carry out on its threads. Nothing here does
//! I/O, so every rule (what can be selected, when an erase may start, when the machine may be
//! powered off) is tested directly.
//!
//! [`App::on_key`] and [`App::on_event`] hand each key and event to the file of its screen
//! (`app/<screen>.rs`, named as its drawing in `ui/`); the quick path lives in [`crate::quick`].

use std::collections::{BTreeSet, HashMap};

use ardoise_disk::DiskInfo;
use ardoise_erase::job::JobEvent;
use ardoise_station::SessionInfo;
use ardoise_upload::UploadEvent;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::fmt::clean;
use crate::i18n::{t, tf, Language, T};
pub use crate::problem::Problem;
use crate::screen_data::*;
pub use setup::{SetupDone, SetupForm, SetupRequest};

// The keys and events of each screen, and of the dialogs and overlays.
mod confirm;
pub(crate) mod destination;
mod disks;
mod export;
mod language;
mod machine;
mod method;
mod operator;
mod overlays;
mod progress;
mod results;
pub(crate) mod setup;
mod station;

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
    pub dest: destination::DestinationForm,
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

    // ---- Events --------------------------------------------------------------------------------

    pub fn on_event(&mut self, ev: AppEvent) -> Vec<Command> {
        match ev {
            AppEvent::StationOpened(s) => return self.station_opened(s),
            AppEvent::StationBusy { attempts } => {
                self.station = StationState::Busy { attempts };
            }
            AppEvent::StationFailed(e) => {
                self.push_log(e.summary(self.lang));
                self.station = StationState::Failed(e);
            }
            AppEvent::StorageSurveyed(survey) => self.storage_surveyed(survey),
            AppEvent::SetupDone(r) => self.setup_result(r),
            AppEvent::DisksScanned { generation, result } => self.disks_scanned(generation, result),
            AppEvent::DiskProbed {
                generation,
                path,
                result,
            } => self.disk_probed(generation, path, result),
            AppEvent::Net(n) => {
                let changed = self.net != n;
                self.net = n;
                if changed && matches!(self.net, NetState::Up { .. }) {
                    return vec![Command::CheckRegistry, Command::PokeUpload];
                }
            }
            AppEvent::Registry(r) => self.registry = r,
            AppEvent::PreflightFailed(e) => self.preflight_failed(e),
            AppEvent::JobRefused { job, error } => return self.job_refused(job, error),
            AppEvent::JobNotConfirmed { job, detail } => {
                return self.job_not_confirmed(job, detail)
            }
            AppEvent::Job(ev) => return self.job_event(*ev),
            AppEvent::Certified { job, result } => return self.certified(job, result),
            AppEvent::Upload(u) => self.upload_event(u),
            AppEvent::Receipts(r) => self.receipts = r,
            AppEvent::RemedyDone { row, result } => self.remedy_done(row, result),
            AppEvent::ExportTargets(list) => self.export_targets_found(list),
            AppEvent::ExportDone(r) => self.export_done(r),
            AppEvent::Log(line) => self.push_log(line),
        }
        Vec::new()
    }
}
