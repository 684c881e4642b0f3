//! Fixtures: the simulator's standard machine probed for real, a fixed station, an app driven
//! into each screen, and a renderer to text.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::hardware::{CpuFacts, CpuLine, HardwareFacts, MemoryModuleFacts};
use ardoise_disk::inventory::{FirmwareKind, MachineInventory, SecureBootState};
use ardoise_disk::open::describe_target;
use ardoise_disk::sim::profile::standard_machine;
use ardoise_disk::{open_disk, Access, DiskInfo};
use ardoise_erase::firmware::MemoryVault;
use ardoise_erase::job::{execute, prepare, ErasureReport, JobEvent, JobRequest, VerifyChoice};
use ardoise_erase::overwrite::CancelToken;
use ardoise_station::{Language, VerifyMode};
use ardoise_tui::app::{App, AppEvent, Command};
use ardoise_tui::screen_data::{NetState, ProbeSummary, RegistryState, StationSummary};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub const REGISTRY: &str = "https://registre.example.org";

pub fn inventory() -> MachineInventory {
    MachineInventory {
        manufacturer: Some("LENOVO".into()),
        product: Some("ThinkCentre M710q".into()),
        version: Some("ThinkCentre M710q".into()),
        serial: Some("PC0K7Z2B".into()),
        uuid: None,
        sku: None,
        family: None,
        chassis_type_code: Some(35),
        chassis_type: Some("mini pc".into()),
        chassis_serial: None,
        asset_tag: None,
        board_vendor: None,
        board_name: None,
        board_serial: None,
        bios_vendor: Some("LENOVO".into()),
        bios_version: Some("M1AKT4FA".into()),
        bios_date: None,
        cpu_model: Some("Intel(R) Core(TM) i5-7500T CPU @ 2.70GHz".into()),
        cpu_physical_cores: Some(4),
        cpu_threads: 4,
        memory_bytes: 8_000_000_000,
        firmware: FirmwareKind::Uefi,
        secure_boot: SecureBootState::Enabled,
        hardware: hardware(),
    }
}

/// The reuse facts of the fixture's mini PC: a 7th-generation Core i5 (below the Windows 11
/// list), one 8 GiB DDR4 SODIMM, TPM 2.0, no battery, no panel.
pub fn hardware() -> HardwareFacts {
    HardwareFacts {
        cpu: CpuFacts {
            model: Some("Intel(R) Core(TM) i5-7500T CPU @ 2.70GHz".into()),
            vendor: Some("GenuineIntel".into()),
            line: Some(CpuLine::IntelCore),
            generation: Some(7),
            cores: Some(4),
            threads: 4,
            max_mhz: Some(3300),
            x86_64_level: Some(3),
        },
        memory_visible_bytes: 8_000_000_000,
        memory_modules: vec![MemoryModuleFacts {
            size_bytes: 8 << 30,
            kind: Some("ddr4".into()),
            speed_mts: Some(2400),
            form_factor: Some("sodimm".into()),
        }],
        tpm_version: Some("2.0".into()),
        batteries: Vec::new(),
        displays: Vec::new(),
    }
}

pub fn station(registry: Option<&str>) -> StationSummary {
    StationSummary {
        workshop_id: "ressourcerie-caen".into(),
        workshop_name: "Ressourcerie de Caen".into(),
        station_id: "poste-2".into(),
        operators: vec![
            ("op-7f3a".into(), "Camille".into()),
            ("op-19c2".into(), "Yanis".into()),
        ],
        registry_url: registry.map(str::to_string),
        require_upload: true,
        verify: VerifyMode::Sample,
        coverage_percent: 1.0,
        inventory: inventory(),
        data_dir: PathBuf::from("/data"),
        persistent: Some(true),
        outbox: 0,
        recovered: Vec::new(),
        boot_medium: None,
        demo: false,
        reuse: Default::default(),
        default_destination: None,
    }
}

/// The standard machine with 1 MiB disks, described and probed like the runtime does.
pub struct Machine {
    pub dir: tempfile::TempDir,
    pub disks: Vec<DiskInfo>,
    pub probes: Vec<Option<ProbeSummary>>,
}

pub fn machine() -> Machine {
    let dir = tempfile::tempdir().unwrap();
    let paths = standard_machine(dir.path(), 2048).unwrap();
    let mut disks = Vec::new();
    let mut probes = Vec::new();
    for p in paths {
        let info = describe_target(
            &DiscoveryOptions::default(),
            &PathBuf::from(format!("sim:{}", p.display())),
        )
        .unwrap();
        let probe = (!info.protected).then(|| {
            let mut d = open_disk(&info, Access::ReadOnly).unwrap();
            ardoise_tui::runtime::summarize_probe(ardoise_erase::probe::probe(&mut d))
        });
        disks.push(info);
        probes.push(probe);
    }
    Machine { dir, disks, probes }
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.on_key(key(code))
}

pub fn typ(app: &mut App, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(app.on_key(key(KeyCode::Char(c))));
    }
    out
}

fn fixed_clock() -> String {
    "10:42:07".into()
}

/// An app with the station open, the network as given, and the machine's disks probed.
pub fn app_with(lang: Language, m: &Machine, registry: Option<&str>, net: NetState) -> App {
    let mut app = App::new(lang, true);
    app.clock = fixed_clock;
    app.on_event(AppEvent::StationOpened(Box::new(station(registry))));
    app.on_event(AppEvent::Net(net));
    app.on_event(AppEvent::Registry(match registry {
        Some(_) => RegistryState::Unreachable("timeout".into()),
        None => RegistryState::NotConfigured,
    }));
    feed_disks(&mut app, m);
    app
}

pub fn feed_disks(app: &mut App, m: &Machine) {
    app.on_event(AppEvent::DisksScanned {
        generation: app.generation,
        result: Ok(m.disks.clone()),
    });
    for (d, p) in m.disks.iter().zip(&m.probes) {
        if let Some(p) = p {
            app.on_event(AppEvent::DiskProbed {
                generation: app.generation,
                path: d.path.clone(),
                result: Ok(p.clone()),
            });
        }
    }
}

/// Drives the app from the language screen to the disk list (operator Camille, a scanned asset
/// tag and lot; the destination page kept as suggested).
pub fn to_disks(app: &mut App) {
    press(app, KeyCode::Enter); // language
    press(app, KeyCode::Enter); // operator: Camille
    typ(app, "PC-2026-0042");
    press(app, KeyCode::Enter);
    typ(app, "LOT-7");
    press(app, KeyCode::Enter); // -> machine
    press(app, KeyCode::Enter); // -> destination
    press(app, KeyCode::Enter); // -> disks
}

/// Index of a disk by its simulator name.
pub fn row(m: &Machine, name: &str) -> usize {
    m.disks.iter().position(|d| d.name == name).unwrap()
}

/// Moves the disk cursor to `name` and ticks it.
pub fn tick(app: &mut App, m: &Machine, name: &str) {
    app.disk_cursor = row(m, name);
    press(app, KeyCode::Char(' '));
}

/// Runs a real erase of `name` with `method` (1 MiB disks: fast) and returns the report.
pub fn erase(m: &Machine, name: &str, method: &str) -> ErasureReport {
    let info = &m.disks[row(m, name)];
    let disk = open_disk(info, Access::ReadWrite).unwrap();
    let vault = MemoryVault::new();
    let job = prepare(
        disk,
        JobRequest {
            method: method.into(),
            verify: VerifyChoice::Sample {
                coverage_percent: 1.0,
            },
            firmware_poll: Duration::from_millis(1),
            ..Default::default()
        },
        &vault,
    )
    .unwrap_or_else(|r| panic!("{}", r.error));
    let (tx, _rx) = crossbeam_channel::unbounded();
    execute(job, &tx, &CancelToken::new(), &vault)
}

pub fn finished(report: ErasureReport) -> AppEvent {
    AppEvent::Job(Box::new(JobEvent::Finished {
        disk: report.disk.path_display(),
        report: Box::new(report),
    }))
}

/// The screen as text, one string per row (trailing spaces kept).
pub fn render(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ardoise_tui::ui::draw(f, app)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

pub fn text(app: &App) -> String {
    render(app, 80, 25).join("\n")
}

/// Every cell drawable by the Linux console font.
pub fn assert_console_glyphs(lines: &[String]) {
    for (y, l) in lines.iter().enumerate() {
        if let Some(c) = ardoise_tui::glyphs::first_unsupported(l) {
            panic!(
                "row {y}: {c:?} (U+{:04X}) is not in the console font: {l}",
                c as u32
            );
        }
    }
}
