//! Snapshot of every screen at 80×25 with ratatui's TestBackend, in French and English, over
//! the simulator's standard machine. `ARDOISE_UPDATE_SNAPSHOTS=1 cargo test -p ardoise-tui
//! --test snapshots` rewrites them (review the diff). Every state is also drawn at smaller and
//! larger sizes: nothing may panic and every cell must be a glyph of the console font.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use ardoise_erase::job::{JobEvent, JobPhase};
use ardoise_station::Language;
use ardoise_tui::app::*;
use ardoise_tui::screen_data::*;
use ardoise_upload::UploadEvent;
use common::*;
use crossterm::event::KeyCode;

fn cert(i: usize) -> String {
    format!("{i}f0c6a1e9b2d4c8a7e3f1b0d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0")
}

fn up() -> NetState {
    NetState::Up {
        iface: "enp1s0".into(),
        ip: "192.168.1.23".into(),
    }
}

/// Each state: (snapshot name, app). The machine must outlive the apps.
fn states(m: &Machine) -> Vec<(&'static str, App)> {
    let mut v = Vec::new();

    let app = app_with(Language::Fr, m, None, NetState::Unknown);
    v.push(("01-language-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Unknown);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "PC-2026-0042");
    v.push(("02-operator-en", app));

    let mut app = app_with(Language::Fr, m, Some(REGISTRY), up());
    app.on_event(AppEvent::Registry(RegistryState::Reachable));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "Dominique");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "PC-2026-0042");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "LOT-7");
    v.push(("03-operator-other-fr", app));

    let mut app = app_with(Language::Fr, m, Some(REGISTRY), up());
    app.on_event(AppEvent::Registry(RegistryState::Reachable));
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc); // destination
    press(&mut app, KeyCode::Esc); // machine
    v.push(("04-machine-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Down);
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc); // destination
    press(&mut app, KeyCode::Esc); // machine
    v.push(("05-machine-offline-en", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, m, "sim-ata-hdd");
    tick(&mut app, m, "sim-nvme");
    tick(&mut app, m, "sim-boot-stick");
    v.push(("06-disks-protected-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Unknown);
    to_disks(&mut app);
    press(&mut app, KeyCode::Char('a'));
    app.disk_cursor = row(m, "sim-ata-failing");
    v.push(("07-disks-all-en", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, m, "sim-ata-hdd");
    press(&mut app, KeyCode::Enter);
    v.push(("08-method-hdd-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, m, "sim-ata-ssd-frozen");
    press(&mut app, KeyCode::Enter);
    let (choices, _) = app.method_page_choices();
    app.method_cursor = choices.len();
    v.push(("09-method-frozen-remedy-en", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, m, "sim-ata-ssd-frozen");
    press(&mut app, KeyCode::Enter);
    let (choices, _) = app.method_page_choices();
    app.method_cursor = choices.len();
    press(&mut app, KeyCode::Enter);
    v.push(("10-suspend-confirm-fr", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, m, "sim-nvme");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "00");
    v.push(("11-confirm-one-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Unknown);
    to_disks(&mut app);
    for n in ["sim-ata-hdd", "sim-ata-ssd-frozen", "sim-ata-failing"] {
        tick(&mut app, m, n);
    }
    for _ in 0..4 {
        press(&mut app, KeyCode::Enter);
    }
    typ(&mut app, "ERA");
    v.push(("12-confirm-many-en", app));

    let progress = |lang: Language| {
        let mut app = app_with(lang, m, None, NetState::Unknown);
        to_disks(&mut app);
        for n in [
            "sim-ata-hdd",
            "sim-ata-ssd-frozen",
            "sim-nvme",
            "sim-ata-failing",
        ] {
            tick(&mut app, m, n);
        }
        for _ in 0..5 {
            press(&mut app, KeyCode::Enter);
        }
        let word = app.t(ardoise_tui::i18n::T::ConfirmWord);
        typ(&mut app, word);
        press(&mut app, KeyCode::Enter);
        let path = |n: &str| m.disks[row(m, n)].path_display();
        let ev = |e: JobEvent| AppEvent::Job(Box::new(e));
        app.on_event(ev(JobEvent::Progress {
            disk: path("sim-ata-ssd-frozen"),
            phase: JobPhase::Overwrite { pass: 1, passes: 2 },
            fraction: Some(0.37),
            bytes_done: 0,
            bytes_total: 0,
            rate: 142e6,
            eta: Some(Duration::from_secs(1310)),
            bad_sectors: 0,
        }));
        app.on_event(ev(JobEvent::Progress {
            disk: path("sim-nvme"),
            phase: JobPhase::Firmware {
                method: "nvme-sanitize-crypto".into(),
            },
            fraction: Some(0.66),
            bytes_done: 0,
            bytes_total: 0,
            rate: 0.0,
            eta: None,
            bad_sectors: 0,
        }));
        app.on_event(ev(JobEvent::Phase {
            disk: path("sim-ata-failing"),
            phase: JobPhase::Fingerprint,
        }));
        app.on_event(ev(JobEvent::Progress {
            disk: path("sim-ata-failing"),
            phase: JobPhase::Fingerprint,
            fraction: Some(0.9),
            bytes_done: 0,
            bytes_total: 0,
            rate: 80e6,
            eta: Some(Duration::from_secs(2)),
            bad_sectors: 12,
        }));
        app.job_cursor = 1;
        app
    };
    v.push(("13-progress-en", progress(Language::En)));
    let mut app = progress(Language::Fr);
    press(&mut app, KeyCode::Char('s'));
    v.push(("14-stop-confirm-fr", app));

    let results = |lang: Language, registry: Option<&str>, net: NetState| {
        let mut app = app_with(lang, m, registry, net);
        to_disks(&mut app);
        for n in ["sim-ata-hdd", "sim-nvme", "sim-ata-failing"] {
            tick(&mut app, m, n);
        }
        for _ in 0..4 {
            press(&mut app, KeyCode::Enter);
        }
        let word = app.t(ardoise_tui::i18n::T::ConfirmWord);
        typ(&mut app, word);
        press(&mut app, KeyCode::Enter);
        let jobs: Vec<(String, String)> = app
            .jobs
            .iter()
            .map(|j| (j.info.name.clone(), j.method_id.clone()))
            .collect();
        for (i, (name, method)) in jobs.iter().enumerate() {
            app.on_event(finished(erase(m, name, method)));
            app.on_event(AppEvent::Certified {
                job: i,
                result: Ok(cert(i)),
            });
        }
        app
    };
    let mut app = results(Language::Fr, Some(REGISTRY), up());
    app.on_event(AppEvent::Upload(UploadEvent::Uploaded {
        cert_id: cert(0),
        duplicate: false,
    }));
    v.push(("15-results-fr", app));
    let mut app = results(Language::En, None, NetState::Unknown);
    app.job_cursor = 2;
    v.push(("16-results-offline-en", app));
    let mut app = results(Language::Fr, Some(REGISTRY), up());
    press(&mut app, KeyCode::Char('p'));
    typ(&mut app, "FOR");
    v.push(("17-override-fr", app));
    let mut app = results(Language::En, Some(REGISTRY), up());
    press(&mut app, KeyCode::Enter);
    v.push(("18-qr-full-en", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    press(&mut app, KeyCode::F(1));
    v.push(("19-help-disks-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Unknown);
    app.log.clear();
    for l in [
        "sim-ata-hdd: ATA SANITIZE CRYPTO SCRAMBLE: starting",
        "sim-ata-hdd: SANITIZE STATUS EXT: sanitize operation completed without error",
        "sim-ata-hdd: verdict ERASED",
        "certificate 0f0c6a1e9b2d4c8a7e3f1b0d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0: upload attempt 1: connection refused",
    ] {
        app.push_log(l);
    }
    press(&mut app, KeyCode::Char('l'));
    v.push(("20-log-en", app));

    let mut app = App::new(Language::Fr, true);
    app.on_event(AppEvent::StationBusy { attempts: 4 });
    v.push(("21-station-busy-fr", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc); // destination
    press(&mut app, KeyCode::Esc); // machine
    press(&mut app, KeyCode::Char('e'));
    app.on_event(AppEvent::ExportTargets(vec![ExportTarget {
        label: "/dev/sdc1 (Kingston DataTraveler, 16 Go)".into(),
        kind: ExportKind::Partition(PathBuf::from("/dev/sdc1")),
    }]));
    press(&mut app, KeyCode::Enter);
    app.on_event(AppEvent::ExportDone(Ok((
        3,
        "/dev/sdc1/ardoise-certificats/ressourcerie-caen-poste-2".into(),
    ))));
    v.push(("22-export-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Down);
    if let StationState::Open(s) = &mut app.station {
        s.boot_medium = Some("the medium the system booted from (/dev/sdb, serial 4C530001BOOTSTICK) is no longer among the disks (unplugged, or re-enumerating): nothing is erased unattended until it is back".into());
    }
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc); // destination
    press(&mut app, KeyCode::Esc); // machine
    v.push(("23-machine-boot-medium-en", app));

    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, m, "sim-ata-hdd");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let serial = m.disks[row(m, "sim-ata-hdd")].serial.clone();
    typ(&mut app, &serial[serial.len() - 4..]);
    press(&mut app, KeyCode::Enter);
    app.on_event(AppEvent::JobNotConfirmed {
        job: 0,
        detail: "serial: confirmed \"WD-WCC4N1234567\", now \"S3YJNX0K912345\"".into(),
    });
    v.push(("24-results-not-confirmed-fr", app));

    // The destination page, as suggested, then changed and with two attestations ticked.
    let mut app = app_with(Language::Fr, m, None, NetState::Unknown);
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc);
    v.push(("25-destination-fr", app));

    let mut app = app_with(Language::En, m, None, NetState::Unknown);
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('4'));
    v.push(("26-destination-changed-en", app));

    v
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

#[test]
fn every_screen_matches_its_snapshot_at_80x25() {
    let m = machine();
    let update = std::env::var_os("ARDOISE_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for (name, app) in states(&m) {
        let lines = render(&app, 80, 25);
        assert_console_glyphs(&lines);
        let text = lines
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        let path = snapshot_dir().join(format!("{name}.txt"));
        if update {
            std::fs::create_dir_all(snapshot_dir()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == text => {}
            Ok(expected) => failures.push(format!(
                "{name} differs:\n--- expected\n{expected}\n--- got\n{text}"
            )),
            Err(e) => failures.push(format!("{name}: {e} (run with ARDOISE_UPDATE_SNAPSHOTS=1)")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_screen_draws_at_other_sizes() {
    let m = machine();
    for (name, app) in states(&m) {
        for (w, h) in [(40, 12), (60, 20), (79, 24), (100, 30), (132, 43), (20, 5)] {
            let lines = render(&app, w, h);
            assert_console_glyphs(&lines);
            assert_eq!(lines.len(), h as usize, "{name} at {w}x{h}");
        }
        // A larger screen shows at least what 80×25 shows at the top.
        let big = render(&app, 100, 30);
        let small = render(&app, 80, 25);
        assert_eq!(
            big[0].split_whitespace().next(),
            small[0].split_whitespace().next(),
            "{name}"
        );
    }
}

#[test]
fn the_results_qr_code_decodes_to_the_registry_page() {
    let m = machine();
    let (_, app) = states(&m)
        .into_iter()
        .find(|(n, _)| *n == "15-results-fr")
        .unwrap();
    let lines = render(&app, 80, 25);
    // The QR code is the block of block characters on the right.
    let qr: Vec<String> = lines
        .iter()
        .filter(|l| l.contains("█▀") || l.contains("▀█") || l.contains("██"))
        .map(|l| {
            let start = l.chars().position(|c| "█▀▄".contains(c)).unwrap();
            l.chars()
                .skip(start)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    assert!(qr.len() >= 15, "{lines:#?}");
    let width = qr.iter().map(|l| l.chars().count()).max().unwrap();
    let qr: Vec<String> = qr.into_iter().map(|l| format!("{l:<width$}")).collect();
    let pgm = ardoise_tui::qr::pixels_to_pgm(&ardoise_tui::qr::lines_to_pixels(&qr), 6, 2);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("qr.pgm"), pgm).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(dir.path().join("qr.pgm"))
        .output()
        .expect("zbarimg (zbar-tools)");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{REGISTRY}/c/{}", cert(0))
    );
}
