//! The terminal loop and the worker threads. The loop never blocks on I/O: it polls the keyboard
//! for at most 50 ms, drains the channels the workers report on, and redraws. Every slow thing
//! (opening the station, discovery, probing, erasing, signing, uploading, checking the network,
//! a suspend cycle, an export) runs on its own thread.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::open::describe_target;
use ardoise_disk::{open_disk, Access, DiskInfo, OpenDiskError};
use ardoise_erase::job::{execute, prepare, JobEvent, JobRequest, RefusedWhy, VerifyChoice};
use ardoise_erase::overwrite::CancelToken;
use ardoise_erase::plan::supported_methods;
use ardoise_erase::probe::ProbeReport;
use ardoise_station::config::{resolve_data_dir, Config};
use ardoise_station::{KernelOptions, Language, Station, StationError, StationOptions, VerifyMode};
use ardoise_upload::{spawn_background, BackgroundUploader, UploadOptions};
use crossbeam_channel::{unbounded, Receiver, Sender};
use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute as term};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::app::{
    App, AppEvent, Command, ExportKind, ExportTarget, JobSpec, Problem, SetupDone, SetupRequest,
};
use crate::i18n::{t, tf, T};
use crate::model::{NetState, ProbeSummary, RegistryState, StationSummary};
use ardoise_station::config::ConfigError;
use ardoise_station::config::Workshop;
use ardoise_station::provision::{set_up, DirVolume, ProvisionError, Setup, SetupOutcome};
use ardoise_station::SettingOrigin;

/// How the interface is started (the `tui` subcommand's flags).
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// `--lang`; otherwise `ardoise.lang=`, then the configuration, then French.
    pub lang: Option<Language>,
    /// Run over the simulator's standard machine.
    pub simulate: bool,
    /// Where the simulated disks live (created if empty); a temporary directory otherwise.
    pub sim_dir: Option<PathBuf>,
    /// Size of each simulated disk, MiB.
    pub sim_size_mib: u64,
    /// `--data-dir`; under `--simulate` a temporary directory with a demonstration workshop.
    pub data_dir: Option<PathBuf>,
    /// Station key file elsewhere than `<data>/keys/station.key`.
    pub key_file: Option<PathBuf>,
    /// Poll interval of firmware commands.
    pub firmware_poll: Duration,
    /// Where the simulated export stick is (default: `<sim dir>/export-stick`).
    pub export_dir: Option<PathBuf>,
}

/// How the interface ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuiExit {
    Quit,
    /// The technician asked to power off (already done on the live system).
    PowerOff,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("simulator: {0}")]
    Simulator(String),
}

/// Messages from the workers to the loop.
enum Msg {
    App(Box<AppEvent>),
    Station(Arc<Station>, Box<StationSummary>),
}

/// Where disks come from.
#[derive(Clone)]
enum Disks {
    Real,
    Sim(Vec<PathBuf>),
}

/// The language to start in: flag, kernel command line, configuration file, French.
pub fn initial_language(opts: &TuiOptions, kernel: &KernelOptions, data_dir: &Path) -> Language {
    opts.lang
        .or(kernel.language)
        .or_else(|| Config::load(data_dir).ok().map(|c| c.ui.language))
        .unwrap_or_default()
}

struct Runtime {
    opts: TuiOptions,
    data_dir: PathBuf,
    disks: Disks,
    export_dir: Option<PathBuf>,
    tx: Sender<Msg>,
    job_tx: Sender<JobEvent>,
    station: Option<Arc<Station>>,
    cancels: Vec<CancelToken>,
    uploader: Option<BackgroundUploader>,
    monitor: Sender<MonitorCmd>,
    generation: u64,
    power_off_requested: bool,
    /// Progress heartbeats to the registry's live page (when a registry is configured).
    heartbeats: Option<ardoise_upload::heartbeat::HeartbeatSender>,
    last_heartbeat: Option<Instant>,
}

/// What the network watcher is told.
enum MonitorCmd {
    /// The registry to check (known once the station is open).
    Registry(Option<String>),
    /// Check the registry now.
    Check,
}

/// Runs the interface on the controlling terminal until the technician quits or powers off.
pub fn run(mut opts: TuiOptions) -> Result<TuiExit, TuiError> {
    if opts.sim_size_mib == 0 {
        opts.sim_size_mib = 64;
    }
    if opts.firmware_poll.is_zero() {
        opts.firmware_poll = Duration::from_millis(if opts.simulate { 100 } else { 1000 });
    }
    // Simulator and data directory first (they decide the language).
    let sim = if opts.simulate {
        Some(
            crate::sim::prepare(opts.sim_dir.as_deref(), opts.sim_size_mib)
                .map_err(TuiError::Simulator)?,
        )
    } else {
        None
    };
    let mut _temp_data = None;
    let data_dir = match (&opts.data_dir, opts.simulate) {
        (Some(d), _) => d.clone(),
        (None, true) => {
            let t = tempfile::Builder::new()
                .prefix("ardoise-data-")
                .tempdir()
                .map_err(TuiError::Terminal)?;
            std::fs::write(
                t.path().join(ardoise_station::config::CONFIG_FILE),
                crate::sim::DEMO_CONFIG,
            )?;
            let p = t.path().to_path_buf();
            _temp_data = Some(t);
            p
        }
        (None, false) => resolve_data_dir(None),
    };
    let kernel = KernelOptions::from_system();
    let lang = initial_language(&opts, &kernel, &data_dir);
    let export_dir = opts
        .export_dir
        .clone()
        .or_else(|| sim.as_ref().map(|s| s.dir.join("export-stick")));
    let disks = match &sim {
        Some(s) => Disks::Sim(s.profiles.clone()),
        None => Disks::Real,
    };

    let (tx, rx) = unbounded::<Msg>();
    let (job_tx, job_rx) = unbounded::<JobEvent>();
    let monitor = spawn_monitor(tx.clone());
    let mut rt = Runtime {
        opts: opts.clone(),
        data_dir,
        disks,
        export_dir,
        tx: tx.clone(),
        job_tx,
        station: None,
        cancels: Vec::new(),
        uploader: None,
        monitor,
        generation: 0,
        power_off_requested: false,
        heartbeats: None,
        last_heartbeat: None,
    };
    // The station (and its lock) is taken by the console someone uses: at the first key.
    let mut app = App::new(lang, opts.simulate);
    app.remembered = ardoise_station::remember::load(&rt.data_dir);
    // The first screen names the remembered operator before the station is open: the name
    // from the configuration's list (read only; the station is opened at the first key).
    if let Some(r) = &app.remembered {
        app.remembered_name = r.operator_name.clone().or_else(|| {
            let c = ardoise_station::Config::load(&rt.data_dir).ok()?;
            c.operators
                .iter()
                .find(|o| o.id == r.operator_id)
                .map(|o| o.name.clone())
        });
    }

    // The terminal: raw mode, alternate screen, stderr into the log view.
    let log_tx = tx.clone();
    let mut capture = crate::capture::StderrCapture::start(move |line| {
        let _ = log_tx.send(Msg::App(Box::new(AppEvent::Log(line))));
    })
    .ok();
    let mut terminal = setup_terminal()?;
    install_panic_hook();
    let result = event_loop(&mut terminal, &mut app, &mut rt, &rx, &job_rx);
    restore_terminal();
    if let Some(c) = capture.as_mut() {
        c.restore();
    }
    // The uploader may be inside a request: do not wait for it.
    if let Some(u) = rt.uploader.take() {
        std::mem::forget(u);
    }
    let exit = result?;
    if exit == TuiExit::PowerOff {
        match crate::power::mode(opts.simulate) {
            crate::power::PowerOffMode::Simulated => println!("{}", t(app.lang, T::SimPowerOff)),
            crate::power::PowerOffMode::NotLive => {
                println!("{}", t(app.lang, T::NotLivePowerOff))
            }
            crate::power::PowerOffMode::Live => {
                println!("{}", t(app.lang, T::PoweringOff));
                crate::power::power_off()?;
            }
        }
    }
    Ok(exit)
}

type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

fn setup_terminal() -> Result<Term, TuiError> {
    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    term!(out, EnterAlternateScreen, cursor::Hide)?;
    let backend = CrosstermBackend::new(std::io::stdout());
    // A serial console may report 0×0: draw 80×25 then.
    let size = terminal::size().unwrap_or((0, 0));
    let terminal = if size.0 == 0 || size.1 == 0 {
        Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 80, 25)),
            },
        )?
    } else {
        Terminal::new(backend)?
    };
    Ok(terminal)
}

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = term!(out, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A worker thread's panic is reported in the log (stderr is captured) and the
        // interface goes on; only the interface thread's own panic gives the terminal back.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        previous(info);
    }));
}

fn event_loop(
    terminal: &mut Term,
    app: &mut App,
    rt: &mut Runtime,
    rx: &Receiver<Msg>,
    job_rx: &Receiver<JobEvent>,
) -> Result<TuiExit, TuiError> {
    let mut dirty = true;
    let mut keyed = true;
    let mut last_draw = Instant::now();
    terminal.clear()?;
    loop {
        // Job events first: a job's report arrives before its certificate.
        while let Ok(ev) = job_rx.try_recv() {
            let cmds = app.on_event(AppEvent::Job(Box::new(ev)));
            rt.run_all(app, cmds);
            dirty = true;
        }
        while let Ok(msg) = rx.try_recv() {
            let ev = match msg {
                Msg::App(ev) => *ev,
                Msg::Station(station, summary) => {
                    rt.station_opened(station);
                    AppEvent::StationOpened(summary)
                }
            };
            let cmds = app.on_event(ev);
            rt.run_all(app, cmds);
            dirty = true;
        }
        let upload_events: Vec<_> = rt
            .uploader
            .as_ref()
            .map(|u| u.events().try_iter().collect())
            .unwrap_or_default();
        for ev in upload_events {
            let cmds = app.on_event(AppEvent::Upload(ev));
            rt.run_all(app, cmds);
            dirty = true;
        }
        rt.heartbeat(app);
        if app.quit {
            return Ok(if rt.power_off_requested {
                TuiExit::PowerOff
            } else {
                TuiExit::Quit
            });
        }
        // Events redraw at most 10 times a second (a serial console at 115200 baud carries
        // about 11 kB/s); keys redraw at once.
        let due = last_draw.elapsed() > Duration::from_millis(100);
        if (dirty && due) || keyed || last_draw.elapsed() > Duration::from_millis(500) {
            terminal.draw(|f| crate::ui::draw(f, app))?;
            dirty = false;
            keyed = false;
            last_draw = Instant::now();
        }
        if event::poll(Duration::from_millis(50))? {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    let cmds = app.on_key(k);
                    rt.run_all(app, cmds);
                    keyed = true;
                }
                Event::Resize(_, _) => {
                    terminal.autoresize()?;
                    terminal.clear()?;
                    keyed = true;
                }
                _ => {}
            }
        }
    }
}

impl Runtime {
    fn run_all(&mut self, app: &mut App, cmds: Vec<Command>) {
        for c in cmds {
            self.run(app, c);
        }
    }

    fn send(&self, ev: AppEvent) {
        let _ = self.tx.send(Msg::App(Box::new(ev)));
    }

    fn run(&mut self, app: &mut App, cmd: Command) {
        match cmd {
            Command::OpenStation => self.open_station(),
            Command::ScanDisks => {
                self.generation = app.generation;
                self.scan(app.generation);
            }
            Command::CheckRegistry => {
                let _ = self.monitor.send(MonitorCmd::Check);
            }
            Command::StartJobs(specs) => self.start_jobs(specs),
            Command::Stop { job } => {
                if let Some(c) = self.cancels.get(job) {
                    c.cancel();
                }
            }
            Command::Remedy { row, info } => self.remedy(row, *info),
            Command::ScanExportTargets => self.scan_export(app.lang),
            Command::Export(target) => {
                self.write_labels(app);
                self.export(target)
            }
            Command::PokeUpload => {
                if let Some(u) = &self.uploader {
                    u.poke();
                }
            }
            Command::SetUp(req) => self.set_up(req),
            Command::Remember(r) => {
                if let Err(e) = ardoise_station::remember::save(&self.data_dir, &r) {
                    self.send(AppEvent::Log(format!("operator not remembered: {e}")));
                }
            }
            Command::Quit => {}
            Command::PowerOff => self.power_off_requested = true,
        }
    }
}

impl Runtime {
    fn open_station(&self) {
        self.open_station_then(None);
    }

    /// Opens the station on its thread; `then` is sent once it is open.
    fn open_station_then(&self, then: Option<AppEvent>) {
        let tx = self.tx.clone();
        let opts = StationOptions {
            data_dir: Some(self.data_dir.clone()),
            key_file: self.opts.key_file.clone(),
            create_key: true,
            kernel_options: true,
            persistent: None,
            registry: None,
        };
        std::thread::Builder::new()
            .name("station".into())
            .spawn(move || {
                let mut attempts = 0u32;
                loop {
                    attempts += 1;
                    match Station::open(&opts) {
                        Ok(station) => {
                            let recovered = match station.recover_interrupted() {
                                Ok(v) => v
                                    .into_iter()
                                    .map(|r| (r.certificate.cert_id, r.report_kept))
                                    .collect(),
                                Err(e) => {
                                    let _ =
                                        tx.send(Msg::App(Box::new(AppEvent::Log(e.to_string()))));
                                    Vec::new()
                                }
                            };
                            let summary = summarize_station(&station, recovered);
                            let _ = tx.send(Msg::Station(Arc::new(station), Box::new(summary)));
                            if let Some(ev) = then {
                                let _ = tx.send(Msg::App(Box::new(ev)));
                            }
                            return;
                        }
                        Err(StationError::Store {
                            source: ardoise_cert::store::StoreError::Locked { .. },
                            ..
                        }) => {
                            if tx
                                .send(Msg::App(Box::new(AppEvent::StationBusy { attempts })))
                                .is_err()
                            {
                                return;
                            }
                            std::thread::sleep(Duration::from_secs(2));
                        }
                        Err(e) => {
                            let _ = tx.send(Msg::App(Box::new(AppEvent::StationFailed(
                                Problem::from_station(&e),
                            ))));
                            return;
                        }
                    }
                }
            })
            .expect("spawn the station thread");
    }

    /// The first-run setup: closes the station, writes the workshop's identity, key and
    /// registry onto the data partition (as `ardoise provision` does), opens it again.
    fn set_up(&mut self, req: SetupRequest) {
        self.station = None;
        if let Some(u) = self.uploader.take() {
            // It may be inside a request: do not wait for it.
            std::mem::forget(u);
        }
        let result = setup_station(&self.data_dir, &req);
        let then = match result {
            Ok(o) => AppEvent::SetupDone(Ok(SetupDone {
                workshop: o.workshop,
                station: o.station,
                key_id: o.key_id,
            })),
            Err(p) => AppEvent::SetupDone(Err(p)),
        };
        self.open_station_then(Some(then));
    }

    fn station_opened(&mut self, station: Arc<Station>) {
        use crate::receipts::ReceiptsView;
        use ardoise_station::receipts::ReceiptCheck;
        match station.upload_target(None) {
            Ok(None) => {}
            Ok(Some(target)) => {
                if target.receipts == ReceiptCheck::Unverified {
                    self.send(AppEvent::Receipts(ReceiptsView::Unverified));
                }
                self.uploader = Some(spawn_background(
                    station.data_dir.clone(),
                    target.url.clone(),
                    UploadOptions {
                        timeout: Duration::from_secs(15),
                        connect_timeout: Duration::from_secs(3),
                        max_attempts: 3,
                        backoff_initial: Duration::from_secs(1),
                        backoff_max: Duration::from_secs(30),
                        ..target.upload_options()
                    },
                    Duration::from_secs(30),
                ));
            }
            // No key: nothing is sent, and the technician sees why.
            Err(e) => self.send(AppEvent::Receipts(ReceiptsView::Halted(e.to_string()))),
        }
        let _ = self
            .monitor
            .send(MonitorCmd::Registry(station.config.registry.url.clone()));
        self.heartbeats = station.config.registry.url.as_deref().and_then(|url| {
            ardoise_upload::heartbeat::spawn_heartbeat_sender(url, Duration::from_secs(5)).ok()
        });
        self.station = Some(station);
    }

    /// Every few seconds, the machine's progress to the registry's live page.
    fn heartbeat(&mut self, app: &App) {
        let (Some(station), Some(sender)) = (&self.station, &self.heartbeats) else {
            return;
        };
        let interval = ardoise_station::live::HEARTBEAT_INTERVAL;
        if self.last_heartbeat.is_some_and(|t| t.elapsed() < interval) {
            return;
        }
        self.last_heartbeat = Some(Instant::now());
        let destination = app.dest.confirmed.then(|| app.destination()).flatten();
        let hb = station.heartbeat(crate::quick::heartbeat_disks(app), destination);
        if let Ok(bytes) = station.sign_heartbeat(&hb) {
            sender.send(bytes);
        }
    }

    fn scan(&self, generation: u64) {
        let tx = self.tx.clone();
        let disks = self.disks.clone();
        let station = self.station.clone();
        std::thread::Builder::new()
            .name("discovery".into())
            .spawn(move || {
                let result: Result<Vec<DiskInfo>, String> = match &disks {
                    Disks::Real => {
                        // Controllers with every listing: a driver may have loaded since.
                        if let Some(station) = &station {
                            let survey = station.survey_storage();
                            let _ = tx.send(Msg::App(Box::new(AppEvent::StorageSurveyed(survey))));
                        }
                        discover(&DiscoveryOptions::default()).map_err(|e| e.to_string())
                    }
                    Disks::Sim(paths) => paths
                        .iter()
                        .map(|p| {
                            describe_target(
                                &DiscoveryOptions::default(),
                                &PathBuf::from(format!("sim:{}", p.display())),
                            )
                            .map_err(|e| e.to_string())
                        })
                        .collect(),
                };
                let list = result.clone().unwrap_or_default();
                let _ = tx.send(Msg::App(Box::new(AppEvent::DisksScanned {
                    generation,
                    result,
                })));
                for info in list.into_iter().filter(|d| !d.protected) {
                    let tx = tx.clone();
                    let _ = std::thread::Builder::new()
                        .name(format!("probe {}", info.name))
                        .spawn(move || {
                            let result = probe_disk(&info);
                            let _ = tx.send(Msg::App(Box::new(AppEvent::DiskProbed {
                                generation,
                                path: info.path.clone(),
                                result,
                            })));
                        });
                }
            })
            .expect("spawn the discovery thread");
    }

    fn verify_choice(station: &Station) -> VerifyChoice {
        let p = &station.config.policy;
        match p.verify {
            VerifyMode::Sample => VerifyChoice::Sample {
                coverage_percent: p.sample_coverage_percent,
            },
            VerifyMode::Full => VerifyChoice::Full,
            VerifyMode::None => VerifyChoice::None,
        }
    }

    fn start_jobs(&mut self, specs: Vec<JobSpec>) {
        let Some(station) = self.station.clone() else {
            self.send(AppEvent::PreflightFailed(Problem::Other {
                detail: "the station is not open".into(),
            }));
            return;
        };
        self.cancels = specs.iter().map(|_| CancelToken::new()).collect();
        let cancels = self.cancels.clone();
        let tx = self.tx.clone();
        let job_tx = self.job_tx.clone();
        let poll = self.opts.firmware_poll;
        std::thread::Builder::new()
            .name("start jobs".into())
            .spawn(move || {
                // A full or read-only data partition must stop the erase, not the certificate.
                // A full or read-only data partition, or a session whose certificate the
                // validator would refuse, stops the erase before any disk is touched.
                let checked = station.preflight().and_then(|()| {
                    specs
                        .iter()
                        .try_for_each(|s| station.check_session(&s.session))
                });
                if let Err(e) = checked {
                    let _ = tx.send(Msg::App(Box::new(AppEvent::PreflightFailed(
                        Problem::from_station(&e),
                    ))));
                    return;
                }
                for (spec, cancel) in specs.into_iter().zip(cancels) {
                    let (station, tx, job_tx) = (station.clone(), tx.clone(), job_tx.clone());
                    let _ = std::thread::Builder::new()
                        .name(format!("erase {}", spec.info.name))
                        .spawn(move || {
                            let job = spec.job;
                            let run = std::panic::AssertUnwindSafe(|| {
                                run_job(spec, &station, &tx, &job_tx, &cancel, poll)
                            });
                            if std::panic::catch_unwind(run).is_err() {
                                // No report: never a verdict. The job's marker stays on the
                                // data partition and becomes a not_erased certificate at the
                                // next start.
                                let _ = tx.send(Msg::App(Box::new(AppEvent::Certified {
                                    job,
                                    result: Err(Problem::Other {
                                        detail: "internal error: the erase thread stopped (see the log); the disk is not erased".into(),
                                    }),
                                })));
                            }
                        });
                }
            })
            .expect("spawn the job starter");
    }

    fn remedy(&self, row: usize, info: DiskInfo) {
        let tx = self.tx.clone();
        std::thread::Builder::new()
            .name("remedy".into())
            .spawn(move || {
                let result = (|| {
                    let disk = open_disk(&info, Access::ReadOnly).map_err(|e| e.to_string())?;
                    let report = ardoise_erase::remedy::power_cycle_drive(
                        &disk,
                        Path::new("/sys"),
                        Duration::from_secs(10),
                    )
                    .map_err(|e| e.to_string())?;
                    drop(disk);
                    let summary = probe_disk(&info)?;
                    Ok((summary, report.notes))
                })();
                let _ = tx.send(Msg::App(Box::new(AppEvent::RemedyDone { row, result })));
            })
            .expect("spawn the remedy thread");
    }

    fn scan_export(&self, lang: Language) {
        let tx = self.tx.clone();
        let dir = self.export_dir.clone();
        std::thread::Builder::new()
            .name("export scan".into())
            .spawn(move || {
                let targets = match dir {
                    Some(d) => vec![ExportTarget {
                        label: tf(lang, T::ExportSimTarget, &[&d.display()]),
                        kind: ExportKind::Directory(d),
                    }],
                    None => match crate::export::find_partitions(lang) {
                        Ok(v) => v,
                        Err(e) => {
                            let _ = tx.send(Msg::App(Box::new(AppEvent::Log(e))));
                            Vec::new()
                        }
                    },
                };
                let _ = tx.send(Msg::App(Box::new(AppEvent::ExportTargets(targets))));
            })
            .expect("spawn the export scan");
    }

    /// The labels of the machine on the results screen, for the export to carry.
    fn write_labels(&self, app: &App) {
        if app.export_return != crate::app::Screen::Results {
            return;
        }
        let ids: Vec<String> = app
            .jobs
            .iter()
            .filter_map(|j| match &j.cert {
                crate::model::CertState::Stored { id } => Some(id.clone()),
                _ => None,
            })
            .collect();
        let name = Some(app.op.asset.trim())
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| app.machine_session[..8].to_string());
        match crate::labels::write_machine_labels(&self.data_dir, &ids, app.lang, &name) {
            Ok(files) if !files.is_empty() => {
                self.send(AppEvent::Log(format!("labels: {}", files.len())))
            }
            Ok(_) => {}
            Err(e) => self.send(AppEvent::Log(format!("labels not written: {e}"))),
        }
    }

    fn export(&self, target: ExportTarget) {
        let tx = self.tx.clone();
        let data_dir = self.data_dir.clone();
        let sub = self
            .station
            .as_ref()
            .map(|s| format!("{}-{}", s.config.workshop.id, s.config.workshop.station))
            .unwrap_or_else(|| "station".into());
        std::thread::Builder::new()
            .name("export".into())
            .spawn(move || {
                let r = match &target.kind {
                    ExportKind::Directory(d) => std::fs::create_dir_all(d)
                        .map_err(|e| format!("{}: {e}", d.display()))
                        .and_then(|_| crate::export::export_to_dir(&data_dir, d, &sub)),
                    ExportKind::Partition(p) => crate::export::export_to_partition(
                        p,
                        Path::new(crate::export::MOUNT_POINT),
                        &data_dir,
                        &sub,
                    ),
                };
                let r = r.map(|(n, dir)| (n, dir.display().to_string()));
                let _ = tx.send(Msg::App(Box::new(AppEvent::ExportDone(r))));
            })
            .expect("spawn the export");
    }
}

/// Writes the setup with the station's own provisioning code.
fn setup_station(data_dir: &Path, req: &SetupRequest) -> Result<SetupOutcome, Problem> {
    let registry_key = match &req.registry_key {
        None => None,
        Some(v) => {
            let file = data_dir.join(v);
            if file.is_file() {
                Some(std::fs::read_to_string(&file).map_err(|e| Problem::Other {
                    detail: format!("{}: {e}", file.display()),
                })?)
            } else {
                Some(v.clone())
            }
        }
    };
    let setup = Setup {
        workshop: Workshop {
            id: req.workshop_id.clone(),
            name: req.workshop_name.clone(),
            siret: None,
            station: req.station.clone(),
        },
        registry_url: req.registry_url.clone(),
        registry_key,
        ..Default::default()
    };
    set_up(&mut DirVolume(data_dir.to_path_buf()), &setup).map_err(|e| match e {
        ProvisionError::Config(ConfigError::Setting(s)) => Problem::Setting {
            setting: s.setting,
            origin: SettingOrigin::SetupForm,
            detail: s.message,
        },
        other => Problem::Other {
            detail: other.to_string(),
        },
    })
}

fn summarize_station(s: &Station, recovered: Vec<(String, bool)>) -> StationSummary {
    let c = &s.config;
    StationSummary {
        workshop_id: c.workshop.id.clone(),
        workshop_name: c.workshop.name.clone(),
        station_id: c.workshop.station.clone(),
        operators: c
            .operators
            .iter()
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect(),
        registry_url: c.registry.url.clone(),
        require_upload: c.policy.require_upload,
        verify: c.policy.verify,
        coverage_percent: c.policy.sample_coverage_percent,
        inventory: s.inventory.clone(),
        data_dir: s.data_dir.clone(),
        demo: c.is_demo(),
        persistent: match std::env::var("ARDOISE_DATA_PERSISTENT").as_deref() {
            Ok("1") => Some(true),
            Ok("0") => Some(false),
            _ => None,
        },
        outbox: s.outbox_len(),
        recovered,
        boot_medium: ardoise_disk::bootmedium::check(&DiscoveryOptions::default(), || {
            discover(&DiscoveryOptions::default())
        })
        .unwrap_or_else(|e| Some(e.to_string())),
        reuse: c.reuse.clone(),
        default_destination: c.policy.disposition,
    }
}

/// What the list and the method screen need from a probe.
pub fn summarize_probe(r: ProbeReport) -> ProbeSummary {
    let frozen = r
        .capabilities
        .ata_security
        .as_ref()
        .is_some_and(|s| s.supported && s.frozen);
    ProbeSummary {
        methods: supported_methods(&r.capabilities),
        health: r.health,
        frozen,
        notes: r.notes,
    }
}

fn probe_disk(info: &DiskInfo) -> Result<ProbeSummary, String> {
    let mut disk = open_disk(info, Access::ReadOnly).map_err(|e| e.to_string())?;
    let mut report = ardoise_erase::probe::probe(&mut disk);
    // The method screen offers what the job will accept: no security erase with /data in RAM.
    if std::env::var("ARDOISE_DATA_PERSISTENT").as_deref() == Ok("0") {
        report.capabilities.limits.password_vault =
            Some(ardoise_erase::limits::VAULT_NOT_DURABLE.into());
    }
    Ok(summarize_probe(report))
}

/// One disk: open → prepare (probe, plan) → marker → erase → certificate. The order of
/// `ardoise erase`, so that an interrupted job is found at the next start.
fn run_job(
    spec: JobSpec,
    station: &Station,
    tx: &Sender<Msg>,
    job_tx: &Sender<JobEvent>,
    cancel: &CancelToken,
    poll: Duration,
) {
    let refused = |error: String| {
        let _ = tx.send(Msg::App(Box::new(AppEvent::JobRefused {
            job: spec.job,
            error,
        })));
    };
    let not_confirmed = |detail: String| {
        let _ = tx.send(Msg::App(Box::new(AppEvent::JobNotConfirmed {
            job: spec.job,
            detail,
        })));
    };
    // One job at a time per NVMe controller: a sanitize reaches every namespace.
    let _controller = ardoise_disk::siblings::ControllerLock::acquire(&spec.info);
    let disk = match open_disk(&spec.info, Access::ReadWrite) {
        Ok(d) => d,
        Err(OpenDiskError::NotConfirmed { differences, .. }) => {
            return not_confirmed(differences.join("; "))
        }
        Err(e) => return refused(e.to_string()),
    };
    let request = JobRequest {
        method: spec.method.clone(),
        verify: Runtime::verify_choice(station),
        firmware_poll: poll,
        ..Default::default()
    };
    let vault = station.vault();
    let mut job = match prepare(disk, request, vault.as_ref()) {
        Ok(j) => j,
        Err(r) => match r.error {
            RefusedWhy::NotConfirmed(d) => return not_confirmed(d.join("; ")),
            other => return refused(other.to_string()),
        },
    };
    let marker = match station.begin_erase(&mut job, &spec.session) {
        Ok(m) => m,
        Err(e) => return refused(e.to_string()),
    };
    let report = execute(job, job_tx, cancel, vault.as_ref());
    let result = station
        .certify(&report, &spec.session, Some(&marker))
        .map(|s| s.cert_id)
        .map_err(|e| Problem::from_station(&e));
    let _ = tx.send(Msg::App(Box::new(AppEvent::Certified {
        job: spec.job,
        result,
    })));
}

/// The network and registry watcher: leases every 2 s, the registry's health every 30 s and
/// whenever asked.
fn spawn_monitor(tx: Sender<Msg>) -> Sender<MonitorCmd> {
    let (cmd_tx, cmd_rx) = unbounded::<MonitorCmd>();
    std::thread::Builder::new()
        .name("monitor".into())
        .spawn(move || {
            let net_dir = std::env::var_os("ARDOISE_NET_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
            let mut registry: Option<String> = None;
            let mut last_net = None;
            let mut last_check: Option<Instant> = None;
            loop {
                let mut check = false;
                match cmd_rx.recv_timeout(Duration::from_secs(2)) {
                    Ok(MonitorCmd::Registry(r)) => {
                        registry = r;
                        check = true;
                    }
                    Ok(MonitorCmd::Check) => check = true,
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                    Err(_) => return,
                }
                let net = crate::net::read_leases(net_dir.as_deref());
                if last_net.as_ref() != Some(&net) {
                    if tx
                        .send(Msg::App(Box::new(AppEvent::Net(net.clone()))))
                        .is_err()
                    {
                        return;
                    }
                    // A network that just came up: look at the registry again.
                    check |= matches!(net, NetState::Up { .. });
                    last_net = Some(net);
                }
                let due = last_check.is_some_and(|t| t.elapsed() > Duration::from_secs(30));
                if (check || due) && registry.is_some() {
                    let state = match &registry {
                        None => RegistryState::NotConfigured,
                        Some(u) => crate::net::check_registry(u, Duration::from_secs(3)),
                    };
                    last_check = Some(Instant::now());
                    if tx
                        .send(Msg::App(Box::new(AppEvent::Registry(state))))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        })
        .expect("spawn the monitor");
    cmd_tx
}
