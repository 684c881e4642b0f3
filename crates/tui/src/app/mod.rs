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
    /// Step 1: choosing French or English.
    Language,
    /// First-run setup of a demonstration stick (not a step of the flow).
    Setup,
    /// Step 2: who erases, with the asset tag and lot of the machine.
    Operator,
    /// Step 3: what the station knows of this machine (inventory, controllers, boot medium).
    Machine,
    /// The machine's second page: reuse facts, destination, host reset.
    Destination,
    /// Step 4: the disk list, where the disks to erase are ticked.
    Disks,
    /// Step 5: one page per ticked disk to choose its erase method.
    Method,
    /// Step 6: the typed confirmation before anything is written.
    Confirm,
    /// Step 7: the running erase jobs.
    Progress,
    /// Step 8: verdicts and certificates, then the next machine or power-off.
    Results,
    /// Copying the certificates to a stick, reached from the machine or results screen.
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

    /// How many numbered steps the title bar counts ("step n of 8").
    pub const STEPS: usize = 8;

    /// The screen's title, as a key of the translation table.
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
    /// Not open yet (it is requested at the first key).
    Opening,
    /// Locked by another ardoise (the other console); retried by the runtime.
    Busy {
        /// How many times the lock was tried so far, shown while waiting.
        attempts: u32,
    },
    /// It cannot be opened (configuration, key, data partition): the reason is shown instead
    /// of the flow.
    Failed(Problem),
    /// Open: what the screens need to know of it.
    Open(Box<StationSummary>),
}

/// Fields of the operator screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpField {
    /// The workshop's operator list (its last entry is "Other").
    List,
    /// The name typed when "Other" is chosen (kept only as a pseudonymous id).
    Name,
    /// The machine's asset tag (optional).
    Asset,
    /// The lot the machine belongs to (optional).
    Lot,
}

/// What the technician entered on the operator screen.
#[derive(Debug, Clone, Default)]
pub struct OperatorForm {
    /// Index in the workshop's operator list; `operators.len()` means "Other".
    pub cursor: usize,
    /// The operator's name when "Other" is chosen.
    pub name: String,
    /// The asset tag, as typed.
    pub asset: String,
    /// The lot, as typed.
    pub lot: String,
}

/// What the technician asked for on the results screen, held while the gate is overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishAction {
    /// N: clear the machine's state and start again at the operator screen.
    NextMachine,
    /// P: quit and power the machine off.
    PowerOff,
}

/// Dialogs that take the keyboard until answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    /// Whether to quit the interface (F10, Ctrl+C, or Q where offered).
    Quit,
    /// Whether to stop a running erase job.
    Stop {
        /// Index into [`App::jobs`].
        job: usize,
    },
    /// Whether to suspend the machine so that a frozen disk's ATA security is unfrozen.
    Suspend {
        /// Index into [`App::disks`].
        row: usize,
    },
    /// Leaving the machine although the gate says to wait: the override word must be typed.
    Override {
        /// What goes ahead once the word is typed.
        action: FinishAction,
        /// What was typed so far.
        input: String,
    },
}

/// Views drawn over the current screen until closed.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The help of the current screen (F1 or ?).
    Help,
    /// The journal (F2 or L).
    Log {
        /// The first line shown.
        scroll: usize,
    },
    /// The QR code of a result, full screen.
    Qr {
        /// Index into [`App::jobs`].
        job: usize,
    },
}

/// How the one-line message of the status bar is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    /// Something happened as asked.
    Info,
    /// The action needs something first (a selection, a name, a wait).
    Warn,
    /// The action was refused or failed.
    Error,
}

/// What to erase on one disk, chosen on the method screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// Index into [`App::disks`].
    pub row: usize,
    /// The chosen method's id (the recommended one until changed).
    pub method_id: String,
}

/// Why "next machine" / "power off" may or may not go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Nothing to wait for.
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
    /// Index into [`App::jobs`], by which its events are reported back.
    pub job: usize,
    /// The disk as listed, checked again by the runtime before writing.
    pub info: DiskInfo,
    /// The chosen method's id.
    pub method: String,
    /// Operator, asset, lot, machine session and destination, for the certificate.
    pub session: SessionInfo,
    /// What the probe before the confirmation read of the drive (its own identity, or its
    /// content's fingerprint); the runtime refuses the job when the drive reached differs.
    pub confirmed: Option<ardoise_erase::job::ConfirmedDrive>,
}

/// A place certificates can be exported to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTarget {
    /// What the technician sees.
    pub label: String,
    /// Where the files go.
    pub kind: ExportKind,
}

/// How an export target is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportKind {
    /// A directory (the simulated stick).
    Directory(std::path::PathBuf),
    /// A partition to mount (`/dev/sdb1`).
    Partition(std::path::PathBuf),
}

/// Where the export screen is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportState {
    /// The targets are being listed.
    Scanning,
    /// The targets are listed; one can be chosen.
    Ready,
    /// The copy is under way (Esc is refused until it ends).
    Running,
    /// The copy ended.
    Done {
        /// How many certificates were copied.
        count: usize,
        /// Where they went, as shown to the technician.
        place: String,
    },
    /// The copy failed, with the reason.
    Failed(String),
}

/// Side effects the runtime carries out.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open the station (taking its lock): sent at the first key, so that of several consoles
    /// (screen, serial line) the one a technician uses gets the station.
    OpenStation,
    /// List the disks again and probe each; answers carry [`App::generation`].
    ScanDisks,
    /// Ask whether the registry answers its health endpoint.
    CheckRegistry,
    /// Start the confirmed erase jobs.
    StartJobs(Vec<JobSpec>),
    /// Cancel a running job.
    Stop {
        /// Index into [`App::jobs`].
        job: usize,
    },
    /// Run the suspend-cycle remedy of a frozen disk.
    Remedy {
        /// Index into [`App::disks`].
        row: usize,
        /// The disk to probe again once the machine wakes up.
        info: Box<DiskInfo>,
    },
    /// List the places the certificates can be exported to.
    ScanExportTargets,
    /// Copy the certificates (and the machine's labels) to this target.
    Export(ExportTarget),
    /// Wake the uploader so that pending certificates are sent now.
    PokeUpload,
    /// Write the first-run setup onto the data partition and open the station again.
    SetUp(SetupRequest),
    /// Keep the operator, language and lot on the stick for the next machine.
    Remember(ardoise_station::remember::Remembered),
    /// The technician quit: the loop ends.
    Quit,
    /// The technician asked to power off: the loop ends, then the machine is powered off.
    PowerOff,
}

/// What the runtime's threads report.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// The station is open.
    StationOpened(Box<StationSummary>),
    /// The station is locked by another ardoise; the runtime keeps trying.
    StationBusy {
        /// How many times the lock was tried so far.
        attempts: u32,
    },
    /// The station cannot be opened.
    StationFailed(Problem),
    /// The first-run setup was written (and the station opened again), or refused.
    SetupDone(Result<SetupDone, Problem>),
    /// A disk listing ended.
    DisksScanned {
        /// The scan it answers (an older scan's answer is dropped).
        generation: u64,
        /// The disks, or why they could not be listed.
        result: Result<Vec<DiskInfo>, String>,
    },
    /// One disk of a listing is probed.
    DiskProbed {
        /// The scan it belongs to.
        generation: u64,
        /// The disk's device path, to find its row.
        path: std::path::PathBuf,
        /// What the probe found, or why it failed.
        result: Result<ProbeSummary, String>,
    },
    /// The network changed (read from the init's lease files).
    Net(NetState),
    /// The registry's health check answered.
    Registry(RegistryState),
    /// The station cannot take certificates: the jobs were not started.
    PreflightFailed(Problem),
    /// A job was refused before writing anything (protected, busy, method refused).
    JobRefused {
        /// Index into [`App::jobs`].
        job: usize,
        /// Why, said in the interface's language when shown.
        reason: crate::problem::Refusal,
    },
    /// The disk behind the name, or the drive answering, is not the one confirmed: refused,
    /// nothing written.
    JobNotConfirmed {
        /// Index into [`App::jobs`].
        job: usize,
        /// What differed.
        detail: String,
    },
    /// A job's phase, progress, message or final report.
    Job(Box<JobEvent>),
    /// A job's certificate was stored, or could not be.
    Certified {
        /// Index into [`App::jobs`].
        job: usize,
        /// The certificate id, or why it was not stored.
        result: Result<String, Problem>,
    },
    /// What the uploader did with a certificate or a pass.
    Upload(UploadEvent),
    /// How receipts are checked, known once the station is open.
    Receipts(crate::receipts::ReceiptsView),
    /// The suspend-cycle remedy is over.
    RemedyDone {
        /// Index into [`App::disks`].
        row: usize,
        /// The disk probed again and the remedy's notes, or why it failed.
        result: Result<(ProbeSummary, Vec<String>), String>,
    },
    /// The places the certificates can be exported to.
    ExportTargets(Vec<ExportTarget>),
    /// The export ended: how many certificates and where, or why it failed.
    ExportDone(Result<(usize, String), String>),
    /// A line for the journal (captured stderr: the program's own words).
    Log(String),
    /// Something a worker has to say, written to the journal in the interface's language.
    Note(Note),
    /// The storage controllers, surveyed with every disk listing.
    StorageSurveyed(ardoise_disk::controllers::StorageSurvey),
}

/// What the runtime's workers write to the journal, kept typed so that the line is in the
/// interface's language; the program's own words (English) follow as the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The machine's labels were written for the export: how many files.
    LabelsWritten(usize),
    /// The machine's labels could not be written (the error).
    LabelsNotWritten(String),
    /// The operator, language and lot could not be kept for the next machine (the error).
    NotRemembered(String),
    /// The jobs interrupted earlier could not be certified at start (the error).
    RecoveryFailed(String),
    /// The sticks to export to could not be listed (the error).
    ExportScanFailed(String),
}

/// One line of the log view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When it was logged, `HH:MM:SS` UTC.
    pub time: String,
    /// One line, cleaned for the console font.
    pub text: String,
}

/// How many journal lines are kept (the oldest are dropped).
pub const MAX_LOG: usize = 2000;
const MAX_FIELD: usize = 64;

/// The whole interface state.
pub struct App {
    /// The interface's language (changes every word at once).
    pub lang: Language,
    /// Running over the simulator (`--simulate`): marked on every screen.
    pub simulate: bool,
    /// Drawn at start and again for the next machine (N): the certificates of one machine's
    /// disks share this id (`host.machine_session`).
    pub machine_session: String,
    /// The screen the technician is on.
    pub screen: Screen,
    /// The help, journal or QR code drawn over it, if open.
    pub overlay: Option<Overlay>,
    /// The dialog waiting for an answer, if any.
    pub modal: Option<Modal>,
    /// The status bar's message, cleared at the next key.
    pub flash: Option<(FlashKind, String)>,
    /// The station's state.
    pub station: StationState,
    /// The network, for the status bar and the upload gate.
    pub net: NetState,
    /// The registry's health, for the status bar and the upload gate.
    pub registry: RegistryState,
    /// The highlighted language (0 French, 1 English).
    pub lang_cursor: usize,
    /// The first-run setup form.
    pub setup: SetupForm,
    /// The operator screen's form.
    pub op: OperatorForm,
    /// The operator screen's focused field.
    pub op_field: OpField,
    /// The disks of the latest listing, in the list's order.
    pub disks: Vec<DiskRow>,
    /// A listing is under way.
    pub scanning: bool,
    /// Why the latest listing failed.
    pub scan_error: Option<String>,
    /// The latest storage-controller survey (controllers whose disks cannot be seen).
    pub storage: Option<ardoise_disk::controllers::StorageSurvey>,
    /// The latest listing's number: answers of older listings are dropped.
    pub generation: u64,
    /// The highlighted row of the disk list.
    pub disk_cursor: usize,
    /// The ticked rows (indices into `disks`).
    pub selected: BTreeSet<usize>,
    /// One entry per ticked disk: its method, chosen on the method screen.
    pub plan: Vec<Planned>,
    /// The method screen's page (index into `plan`).
    pub method_page: usize,
    /// The highlighted method of that page (or the remedy item after them).
    pub method_cursor: usize,
    /// Row whose remedy is running.
    pub remedy_running: Option<usize>,
    /// What was typed on the confirmation screen.
    pub confirm_input: String,
    /// The erase jobs of this machine, in start order.
    pub jobs: Vec<JobView>,
    /// The highlighted job on the progress and results screens.
    pub job_cursor: usize,
    /// Upload state by certificate id.
    pub uploads: HashMap<String, UploadState>,
    /// Shown in red unless receipts are checked with the pinned registry key.
    pub receipts: crate::receipts::ReceiptsView,
    /// The places found to export to.
    pub export_targets: Vec<ExportTarget>,
    /// The highlighted export target.
    pub export_cursor: usize,
    /// Where the export screen is.
    pub export_state: ExportState,
    /// The screen Esc goes back to from the export screen.
    pub export_return: Screen,
    /// The journal, at most [`MAX_LOG`] lines.
    pub log: Vec<LogLine>,
    /// The technician quit or asked to power off: the loop ends.
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
    /// `ARDOISE_DATA_PERSISTENT` as the runtime read it: `Some(false)` when the data
    /// partition is in RAM (a setup written there would be lost), known before the station opens.
    pub data_persistent: Option<bool>,
}

fn wall_clock() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}

impl App {
    /// The state at start: the language screen, the station still to open.
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
            data_persistent: None,
        }
    }

    /// `k` in the interface's language.
    pub fn t(&self, k: T) -> &'static str {
        t(self.lang, k)
    }

    /// `k` in the interface's language, with its placeholders filled.
    pub fn tf(&self, k: T, args: &[&dyn std::fmt::Display]) -> String {
        tf(self.lang, k, args)
    }

    /// The opened station, if it is open.
    pub fn summary(&self) -> Option<&StationSummary> {
        match &self.station {
            StationState::Open(s) => Some(s),
            _ => None,
        }
    }

    /// The registry's base URL, when the station is open and has one.
    pub fn registry_url(&self) -> Option<&str> {
        self.summary().and_then(|s| s.registry_url.as_deref())
    }

    /// The screen actually drawn: a screen that needs the station shows the station's state
    /// until it is open.
    pub fn station_blocks(&self) -> bool {
        if self.screen == Screen::Setup && self.setup_repairs() {
            return false;
        }
        self.screen.needs_station() && !matches!(self.station, StationState::Open(_))
            || matches!(self.station, StationState::Busy { .. })
    }

    /// Adds text to the journal, one entry per line, without escape sequences and with the
    /// glyphs the console lacks replaced.
    pub fn push_log(&mut self, text: impl Into<String>) {
        // Split before cleaning: `clean` turns a line break (a control character) into `?`.
        let text = crate::problem::strip_ansi(&text.into());
        for line in text.lines() {
            self.log.push(LogLine {
                time: (self.clock)(),
                text: clean(line),
            });
        }
        if self.log.len() > MAX_LOG {
            let extra = self.log.len() - MAX_LOG;
            self.log.drain(..extra);
        }
    }

    /// Writes a worker's note to the journal in the interface's language.
    pub fn note(&mut self, note: Note) {
        let text = match &note {
            Note::LabelsWritten(n) => self.tf(T::LogLabels, &[n]),
            Note::LabelsNotWritten(e) => self.tf(T::LogLabelsFailed, &[e]),
            Note::NotRemembered(e) => self.tf(T::LogNotRemembered, &[e]),
            Note::RecoveryFailed(e) => self.tf(T::LogRecoveryFailed, &[e]),
            Note::ExportScanFailed(e) => self.tf(T::LogExportScanFailed, &[e]),
        };
        self.push_log(text);
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

    /// Handles one key of the technician; the first one also asks for the station to be opened.
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
            // A configuration file the station cannot use is replaced by the setup.
            if key.code == KeyCode::Enter && self.setup_from_failure() {
                return Vec::new();
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

    /// Handles one report of the runtime's threads.
    pub fn on_event(&mut self, ev: AppEvent) -> Vec<Command> {
        match ev {
            AppEvent::StationOpened(s) => return self.station_opened(s),
            AppEvent::StationBusy { attempts } => {
                self.station = StationState::Busy { attempts };
            }
            AppEvent::StationFailed(e) => {
                self.push_log(e.summary(self.lang));
                self.station = StationState::Failed(e);
                // The language was chosen while the station was opening: offer the setup now
                // when it can repair the configuration, as for a demonstration stick.
                let untouched =
                    self.op.name.is_empty() && self.op.asset.is_empty() && self.op.lot.is_empty();
                if self.screen == Screen::Operator && untouched && self.setup_offered() {
                    self.screen = Screen::Setup;
                }
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
            AppEvent::JobRefused { job, reason } => return self.job_refused(job, reason),
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
            AppEvent::Note(note) => self.note(note),
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_clock() -> String {
        "10:42:07".into()
    }

    #[test]
    fn a_multi_line_message_is_one_journal_entry_per_line() {
        let mut app = App::new(Language::Fr, false);
        app.clock = fixed_clock;
        app.push_log(
            "TOML parse error at line 8\n  |\n8 | id = \u{2019}x\u{2019}\r\n\u{1b}[31mend\u{1b}[0m",
        );
        let lines: Vec<&str> = app.log.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            lines,
            ["TOML parse error at line 8", "  |", "8 | id = ?x?", "end"],
            "split on line breaks first, then each line cleaned for the console font"
        );
    }
}
