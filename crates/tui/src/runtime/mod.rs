//! The terminal loop and the worker threads. The loop never blocks on I/O: it polls the keyboard
//! for at most 50 ms, drains the channels the workers report on, and redraws. Every slow thing
//! (opening the station, discovery, probing, erasing, signing, uploading, checking the network,
//! a suspend cycle, an export) runs on its own thread.
//!
//! Here: the options, the loop, and the commands handed to the workers, which live by subject
//! (`station`, `disks`, `export`, `monitor`); `terminal` sets the terminal up and gives it back.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ardoise_erase::job::JobEvent;
use ardoise_erase::overwrite::CancelToken;
use ardoise_station::config::{resolve_data_dir, Config};
use ardoise_station::{KernelOptions, Language, Station};
use ardoise_upload::BackgroundUploader;
use crossbeam_channel::{unbounded, Receiver, Sender};
use crossterm::event::{self, Event, KeyEventKind};

use crate::app::{App, AppEvent, Command, Note};
use crate::i18n::{t, T};
use crate::screen_data::StationSummary;

mod disks;
mod export;
mod monitor;
mod station;
mod terminal;

pub use disks::summarize_probe;
use monitor::{spawn_monitor, MonitorCmd};
use terminal::{install_panic_hook, restore_terminal, setup_terminal, Term};

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
    /// Survey the storage controllers under this sysfs root instead of `/sys` (a fake tree in
    /// tests, as `ardoise auto --sys-root`); with `--simulate`, the only survey made (the
    /// simulated machine has no controllers of its own).
    pub sys_root: Option<PathBuf>,
}

/// How the interface ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuiExit {
    /// The technician quit.
    Quit,
    /// The technician asked to power off (already done on the live system).
    PowerOff,
}

/// Why the interface could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal could not be set up, read or drawn on.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    /// The simulator's disks could not be prepared (`--simulate`).
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
    let (data_dir, _temp_data) = data_directory(&opts)?;
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
    app.data_persistent = station::data_persistent();
    app.remembered = ardoise_station::remember::load(&rt.data_dir);
    app.remembered_name = remembered_name(&app, &rt.data_dir);

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
        power_off(app.lang, opts.simulate)?;
    }
    Ok(exit)
}

/// The data directory: the one given, a temporary one holding the demonstration configuration
/// when simulating (kept as long as the returned guard), or the stick's.
fn data_directory(opts: &TuiOptions) -> Result<(PathBuf, Option<tempfile::TempDir>), TuiError> {
    Ok(match (&opts.data_dir, opts.simulate) {
        (Some(d), _) => (d.clone(), None),
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
            (p, Some(t))
        }
        (None, false) => (resolve_data_dir(None), None),
    })
}

/// The first screen names the remembered operator before the station is open: the name
/// from the configuration's list (read only; the station is opened at the first key).
fn remembered_name(app: &App, data_dir: &Path) -> Option<String> {
    let r = app.remembered.as_ref()?;
    r.operator_name.clone().or_else(|| {
        let c = ardoise_station::Config::load(data_dir).ok()?;
        c.operators
            .iter()
            .find(|o| o.id == r.operator_id)
            .map(|o| o.name.clone())
    })
}

/// Powers the machine off, or says why not (a simulation, or not the live system).
fn power_off(lang: Language, simulate: bool) -> Result<(), TuiError> {
    match crate::power::mode(simulate) {
        crate::power::PowerOffMode::Simulated => println!("{}", t(lang, T::SimPowerOff)),
        crate::power::PowerOffMode::NotLive => {
            println!("{}", t(lang, T::NotLivePowerOff))
        }
        crate::power::PowerOffMode::Live => {
            println!("{}", t(lang, T::PoweringOff));
            crate::power::power_off()?;
        }
    }
    Ok(())
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
                    self.send(AppEvent::Note(Note::NotRemembered(e.to_string())));
                }
            }
            Command::Quit => {}
            Command::PowerOff => self.power_off_requested = true,
        }
    }
}
