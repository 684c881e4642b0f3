//! The rules of the flow, driven key by key over the simulator's standard machine.

mod common;

use ardoise_erase::outcome::Outcome;
use ardoise_station::Language;
use ardoise_tui::app::*;
use ardoise_tui::screen_data::*;
use ardoise_upload::UploadEvent;
use common::*;
use crossterm::event::KeyCode;

fn start_jobs(cmds: &[Command]) -> Option<&Vec<JobSpec>> {
    cmds.iter().find_map(|c| match c {
        Command::StartJobs(s) => Some(s),
        _ => None,
    })
}

#[test]
fn the_protected_stick_can_never_be_selected() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    assert_eq!(app.screen, Screen::Disks);
    let stick = row(&m, "sim-boot-stick");
    tick(&mut app, &m, "sim-boot-stick");
    assert!(app.selected.is_empty());
    let (_, msg) = app.flash.clone().unwrap();
    assert!(
        msg.contains("protégé") && msg.contains("démarrage"),
        "{msg}"
    );
    // "All" takes every erasable disk but the stick.
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.selected.len(), 5);
    assert!(!app.selected.contains(&stick));
    // Pressing A again clears.
    press(&mut app, KeyCode::Char('a'));
    assert!(app.selected.is_empty());
    // Nothing selected: Enter refuses.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Disks);
}

#[test]
fn one_disk_is_confirmed_by_the_last_four_characters_of_its_serial() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-nvme");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Method);
    // The recommended method is preselected.
    let (choices, _) = app.method_page_choices();
    assert!(choices[app.method_cursor].recommended);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Confirm);
    let serial = m.disks[row(&m, "sim-nvme")].serial.clone();
    let last4: String = serial[serial.len() - 4..].to_string();
    assert!(app.confirm_by_serial());
    // The word does not confirm a single disk, nor does a wrong serial.
    assert!(start_jobs(&typ(&mut app, "EFFACER")).is_none());
    assert!(start_jobs(&press(&mut app, KeyCode::Enter)).is_none());
    assert_eq!(app.screen, Screen::Confirm);
    assert!(app.confirm_input.is_empty(), "a wrong answer is cleared");
    typ(&mut app, "0000");
    assert!(start_jobs(&press(&mut app, KeyCode::Enter)).is_none());
    typ(&mut app, &last4.to_lowercase());
    let cmds = press(&mut app, KeyCode::Enter);
    let specs = start_jobs(&cmds).expect("jobs start");
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].method, "nvme-sanitize-crypto");
    assert_eq!(specs[0].session.operator_id, "op-7f3a");
    assert_eq!(specs[0].session.asset_tag.as_deref(), Some("PC-2026-0042"));
    assert_eq!(specs[0].session.lot.as_deref(), Some("LOT-7"));
    assert_eq!(app.screen, Screen::Progress);
}

#[test]
fn the_drive_the_probe_read_before_the_confirmation_travels_with_its_job() {
    let mut m = machine();
    let nvme = row(&m, "sim-nvme");
    // What the runtime's probe read of the drive itself (summarize_probe leaves it to the
    // runtime, which has the opened disk).
    let confirmed = ardoise_erase::job::ConfirmedDrive {
        from_drive: true,
        serial: m.disks[nvme].serial.clone(),
        wwn: None,
        model: m.disks[nvme].model.clone(),
        content: None,
    };
    m.probes[nvme].as_mut().unwrap().confirmed = Some(confirmed.clone());
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-nvme");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Confirm);
    let serial = m.disks[nvme].serial.clone();
    typ(&mut app, &serial[serial.len() - 4..]);
    let cmds = press(&mut app, KeyCode::Enter);
    let specs = start_jobs(&cmds).expect("jobs start");
    assert_eq!(specs[0].confirmed, Some(confirmed));
}

#[test]
fn several_disks_are_confirmed_by_the_word_of_the_language() {
    for (lang, word, other) in [
        (Language::Fr, "EFFACER", "ERASE"),
        (Language::En, "ERASE", "EFFACER"),
    ] {
        let m = machine();
        let mut app = app_with(lang, &m, None, NetState::Unknown);
        to_disks(&mut app);
        tick(&mut app, &m, "sim-ata-hdd");
        tick(&mut app, &m, "sim-emmc");
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Confirm);
        assert!(!app.confirm_by_serial());
        typ(&mut app, other);
        assert!(start_jobs(&press(&mut app, KeyCode::Enter)).is_none());
        typ(&mut app, word);
        let cmds = press(&mut app, KeyCode::Enter);
        assert_eq!(start_jobs(&cmds).unwrap().len(), 2, "{lang:?}");
    }
}

#[test]
fn escape_goes_back_without_erasing() {
    let m = machine();
    let mut app = app_with(Language::En, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-ata-hdd");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Confirm);
    let mut all = Vec::new();
    for s in [
        Screen::Method,
        Screen::Disks,
        Screen::Destination,
        Screen::Machine,
        Screen::Operator,
    ] {
        all.extend(press(&mut app, KeyCode::Esc));
        assert_eq!(app.screen, s);
    }
    assert!(start_jobs(&all).is_none());
}

#[test]
fn an_unsupported_method_cannot_be_chosen() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-ata-ssd-frozen");
    press(&mut app, KeyCode::Enter);
    let (choices, remedy) = app.method_page_choices();
    assert!(remedy, "the frozen drive offers the remedy");
    let blocked = choices
        .iter()
        .position(|c| c.frozen)
        .expect("a frozen method");
    assert!(!choices[blocked].supported);
    app.method_cursor = blocked;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Method);
    assert_eq!(app.flash.as_ref().unwrap().0, FlashKind::Error);
}

#[test]
fn the_frozen_drive_remedy_is_a_confirmed_step_that_updates_the_method() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-ata-ssd-frozen");
    press(&mut app, KeyCode::Enter);
    let (choices, _) = app.method_page_choices();
    let before = app.plan[0].method_id.clone();
    assert_eq!(before, "overwrite-random-zero");
    app.method_cursor = choices.len(); // the remedy item
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.modal, Some(Modal::Suspend { .. })));
    // "n" cancels.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    press(&mut app, KeyCode::Enter);
    let cmds = press(&mut app, KeyCode::Char('o'));
    let Some(Command::Remedy { row: r, info }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(*r, row(&m, "sim-ata-ssd-frozen"));
    // Keys wait while the remedy runs.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Method);
    // The runtime power-cycles the simulated drive and probes it again.
    let disk = ardoise_disk::open_disk(info, ardoise_disk::Access::ReadOnly).unwrap();
    ardoise_erase::remedy::power_cycle_drive(
        &disk,
        std::path::Path::new("/nonexistent"),
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    drop(disk);
    let mut d = ardoise_disk::open_disk(info, ardoise_disk::Access::ReadOnly).unwrap();
    let s = ardoise_tui::runtime::summarize_probe(ardoise_erase::probe::probe(&mut d));
    assert!(!s.frozen);
    app.on_event(AppEvent::RemedyDone {
        row: *r,
        result: Ok((s, vec![])),
    });
    assert_ne!(app.plan[0].method_id, before);
    assert_eq!(app.plan[0].method_id, "ata-security-erase-enhanced");
    let (choices, remedy) = app.method_page_choices();
    assert!(!remedy);
    assert_eq!(choices[app.method_cursor].id, "ata-security-erase-enhanced");
}

#[test]
fn stopping_a_job_asks_first_and_quitting_waits_for_jobs() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-ata-hdd");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let serial = m.disks[row(&m, "sim-ata-hdd")].serial.clone();
    typ(&mut app, &serial[serial.len() - 4..]);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Progress);
    // Quit is refused while a job runs.
    press(&mut app, KeyCode::F(10));
    assert!(app.modal.is_none());
    // S asks; "n" keeps going; "o" stops.
    press(&mut app, KeyCode::Char('s'));
    assert!(matches!(app.modal, Some(Modal::Stop { job: 0 })));
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(
        press(&mut app, KeyCode::Char('o')),
        vec![Command::Stop { job: 0 }]
    );
    assert!(app.jobs[0].stopping);
}

/// Runs one real erase through the app (the failing drive: its verdict must say so).
fn erased_app(registry: Option<&str>, net: NetState) -> (Machine, App) {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, registry, net);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-ata-failing");
    tick(&mut app, &m, "sim-nvme");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "EFFACER");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Progress);
    let jobs: Vec<(String, String)> = app
        .jobs
        .iter()
        .map(|j| (j.info.name.clone(), j.method_id.clone()))
        .collect();
    for (i, (name, method)) in jobs.iter().enumerate() {
        let report = erase(&m, name, method);
        app.on_event(finished(report));
        app.on_event(AppEvent::Certified {
            job: i,
            result: Ok(format!("{i}{}", "a".repeat(63))),
        });
    }
    (m, app)
}

#[test]
fn a_failed_erase_says_not_erased_and_results_follow_the_jobs() {
    let (_m, app) = erased_app(None, NetState::Unknown);
    assert_eq!(app.screen, Screen::Results);
    let verdict = |name: &str| {
        app.jobs
            .iter()
            .find(|j| j.info.name == name)
            .and_then(|j| j.verdict())
    };
    assert_eq!(verdict("sim-ata-failing"), Some(Outcome::NotErased));
    assert_eq!(verdict("sim-nvme"), Some(Outcome::Erased));
    let screen = text(&app);
    assert!(screen.contains("NON EFFACÉ"), "{screen}");
    assert!(screen.contains("l'effacement a échoué"), "{screen}");
    // No registry: nothing to wait for.
    assert_eq!(app.gate(), Gate::Ready);
}

#[test]
fn leaving_waits_for_uploads_when_a_network_exists_unless_overridden() {
    let up = NetState::Up {
        iface: "eth0".into(),
        ip: "192.168.1.20".into(),
    };
    let (_m, mut app) = erased_app(Some(REGISTRY), up);
    assert_eq!(app.gate(), Gate::WaitUpload(2));
    // N asks for the typed override; a wrong word does nothing.
    assert!(press(&mut app, KeyCode::Char('p')).is_empty());
    assert!(matches!(app.modal, Some(Modal::Override { .. })));
    typ(&mut app, "OUI");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(!app.quit);
    // Uploading one leaves one.
    app.on_event(AppEvent::Upload(UploadEvent::Uploaded {
        cert_id: format!("0{}", "a".repeat(63)),
        duplicate: false,
    }));
    assert_eq!(app.gate(), Gate::WaitUpload(1));
    typ(&mut app, "forcer");
    assert_eq!(press(&mut app, KeyCode::Enter), vec![Command::PowerOff]);
    assert!(app.quit);
}

#[test]
fn uploads_done_or_no_network_let_the_technician_go_on() {
    let up = NetState::Up {
        iface: "eth0".into(),
        ip: "10.0.0.2".into(),
    };
    let (_m, mut app) = erased_app(Some(REGISTRY), up);
    for i in 0..2 {
        app.on_event(AppEvent::Upload(UploadEvent::Uploaded {
            cert_id: format!("{i}{}", "a".repeat(63)),
            duplicate: false,
        }));
    }
    assert_eq!(app.gate(), Gate::Ready);
    let before = app.machine_session.clone();
    app.dest.host_reset.tpm_cleared = Some(true);
    let cmds = press(&mut app, KeyCode::Char('n'));
    assert_eq!(cmds, vec![Command::ScanDisks]);
    assert_eq!(app.screen, Screen::Operator);
    assert!(app.jobs.is_empty() && app.op.asset.is_empty() && app.op.lot.is_empty());
    // The next machine is another machine: its own session, nothing attested yet.
    assert_ne!(app.machine_session, before);
    assert!(app.dest.host_reset.is_empty() && app.dest.chosen.is_none());
    // Offline station with a registry configured: certificates wait on the stick.
    let (_m, app) = erased_app(Some(REGISTRY), NetState::Down);
    assert_eq!(app.gate(), Gate::Ready);
}

#[test]
fn a_certificate_that_could_not_be_stored_blocks_until_overridden() {
    let (_m, mut app) = erased_app(None, NetState::Unknown);
    app.jobs[1].cert = CertState::Failed(ardoise_tui::problem::Problem::Storage {
        detail: "no space left".into(),
    });
    assert_eq!(app.gate(), Gate::StoreFailed);
    press(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.modal, Some(Modal::Override { .. })));
    press(&mut app, KeyCode::Esc);
    assert!(app.modal.is_none());
}

#[test]
fn a_scanner_types_into_fields_even_question_marks_and_letters() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    press(&mut app, KeyCode::Enter);
    // Choose "Other" and type a name.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.op_field, OpField::Name);
    typ(&mut app, "Dominique");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.op_field, OpField::Asset);
    typ(&mut app, "L?Q-42");
    assert!(app.overlay.is_none(), "? is text here, not help");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "lot 9");
    assert_eq!(app.op.asset, "L?Q-42");
    let s = app.session().unwrap();
    assert_eq!(
        s.operator_id,
        ardoise_station::pseudonymous_operator_id("ressourcerie-caen", "Dominique")
    );
    assert_eq!(s.lot.as_deref(), Some("lot 9"));
    // Every disk of this machine gets the same machine session, drawn at start.
    let ms = s.machine_session.clone().unwrap();
    assert!(
        ms.len() == 32 && ms.bytes().all(|b| b.is_ascii_hexdigit()),
        "{ms}"
    );
    assert_eq!(app.session().unwrap().machine_session, Some(ms.clone()));
    let other = app_with(Language::Fr, &m, None, NetState::Unknown);
    assert_ne!(other.machine_session, ms, "another start, another machine");
    // An empty name is refused.
    app.op.name.clear();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Operator);
    assert_eq!(app.op_field, OpField::Name);
}

#[test]
fn the_language_follows_the_cursor_and_a_busy_station_blocks() {
    let mut app = App::new(Language::Fr, true);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.lang, Language::En);
    app.on_event(AppEvent::StationBusy { attempts: 3 });
    assert!(app.station_blocks());
    let screen = text(&app);
    assert!(
        screen.contains("already in use on another console"),
        "{screen}"
    );
    assert!(screen.contains("attempt 3"), "{screen}");
    press(&mut app, KeyCode::Enter);
    assert!(app.station_blocks());
    app.on_event(AppEvent::StationOpened(Box::new(station(None))));
    assert!(!app.station_blocks());
    assert_eq!(app.screen, Screen::Language);
}

#[test]
fn job_events_drive_the_progress_view() {
    let m = machine();
    let mut app = app_with(Language::En, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-ata-hdd");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let serial = m.disks[row(&m, "sim-ata-hdd")].serial.clone();
    typ(&mut app, &serial[serial.len() - 4..]);
    press(&mut app, KeyCode::Enter);
    let disk = m.disks[row(&m, "sim-ata-hdd")].path_display();
    app.on_event(AppEvent::Job(Box::new(
        ardoise_erase::job::JobEvent::Progress {
            disk,
            phase: ardoise_erase::job::JobPhase::Overwrite { pass: 1, passes: 2 },
            fraction: Some(0.42),
            bytes_done: 42,
            bytes_total: 100,
            rate: 120e6,
            eta: Some(std::time::Duration::from_secs(200)),
            bad_sectors: 3,
        },
    )));
    let screen = text(&app);
    for s in [
        "overwriting, pass 1/2",
        " 42 %",
        "120 MB/s",
        "3 min 20 s left",
        "errors: 3",
    ] {
        assert!(screen.contains(s), "{s}\n{screen}");
    }
    // Refused jobs end the run with NOT ERASED and no certificate.
    app.on_event(AppEvent::JobRefused {
        job: 0,
        reason: ardoise_tui::problem::Refusal::Busy {
            detail: "busy".into(),
        },
    });
    assert_eq!(app.screen, Screen::Results);
    assert_eq!(app.jobs[0].cert, CertState::NotIssued);
    assert!(text(&app).contains("NOT ERASED"));
}

/// A job refused on a French screen says why in French; the program's English words follow
/// in parentheses only as the detail.
#[test]
fn a_refused_job_says_why_in_the_language_of_the_screen() {
    use ardoise_tui::problem::Refusal;
    let m = machine();
    let cases: Vec<(Refusal, &str, &str)> = vec![
        (
            Refusal::Protected {
                reasons: vec![ardoise_disk::ProtectionReason::ReadOnly],
            },
            "Pourquoi : disque protégé : en lecture seule",
            "Why: protected disk: read-only",
        ),
        (
            Refusal::Unsupported {
                method: "ata-security-erase-enhanced".into(),
                detail: "the security feature set is frozen".into(),
            },
            "ce disque n'accepte pas la méthode ATA Security Erase, renforcé (détail en anglais : the security",
            "this disk does not support the method ATA Security Erase, enhanced (the security",
        ),
        (
            Refusal::SizeMismatch {
                drive_bytes: 500_000_000,
                kernel_bytes: 1_000_000_000,
            },
            "le disque annonce 500 Mo mais le système en voit 1,0 Go",
            "the drive reports 500 MB but the system sees 1.0 GB",
        ),
    ];
    for (reason, fr, en) in cases {
        for (lang, want, other) in [(Language::Fr, fr, en), (Language::En, en, fr)] {
            let mut app = app_with(lang, &m, None, NetState::Unknown);
            to_disks(&mut app);
            tick(&mut app, &m, "sim-ata-hdd");
            press(&mut app, KeyCode::Char('x'));
            let word = app.confirm_expected();
            typ(&mut app, &word);
            press(&mut app, KeyCode::Enter);
            assert_eq!(app.screen, Screen::Progress);
            app.on_event(AppEvent::JobRefused {
                job: 0,
                reason: reason.clone(),
            });
            assert_eq!(app.screen, Screen::Results);
            let screen = render(&app, 200, 25).join("\n");
            assert!(screen.contains(want), "{lang:?}: {want}\n{screen}");
            assert!(!screen.contains(other), "{lang:?}: {other}\n{screen}");
            // The journal says it in the same words.
            let journal = &app.log.last().unwrap().text;
            assert!(journal.contains(&reason.text(lang)), "{journal}");
        }
    }
}

#[test]
fn a_job_without_a_report_is_never_erased() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    tick(&mut app, &m, "sim-nvme");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "0001");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Progress);
    // The erase thread died: no report, only the runtime's error.
    app.on_event(AppEvent::Certified {
        job: 0,
        result: Err(ardoise_tui::problem::Problem::Other {
            detail: "internal error".into(),
        }),
    });
    assert_eq!(app.screen, Screen::Results);
    assert_eq!(app.jobs[0].verdict(), Some(Outcome::NotErased));
    assert_eq!(app.gate(), Gate::StoreFailed);
    assert!(text(&app).contains("NON ENREGISTRÉ"));
}

#[test]
fn a_disk_that_is_not_the_one_confirmed_is_refused_and_the_list_read_again() {
    let m = machine();
    for (lang, words) in [
        (
            Language::Fr,
            "ce n'est pas le disque que vous avez confirmé",
        ),
        (Language::En, "this is not the disk you confirmed"),
    ] {
        let mut app = app_with(lang, &m, None, NetState::Unknown);
        to_disks(&mut app);
        tick(&mut app, &m, "sim-ata-hdd");
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Enter);
        // One disk: the last four characters of its serial confirm it.
        let serial = m.disks[row(&m, "sim-ata-hdd")].serial.clone();
        typ(&mut app, &serial[serial.len() - 4..]);
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Progress);
        let cmds = app.on_event(AppEvent::JobNotConfirmed {
            job: 0,
            detail: "serial: confirmed \"WD-1\", now \"WD-2\"".into(),
        });
        assert!(cmds.contains(&Command::ScanDisks), "{cmds:?}");
        assert!(app.scanning);
        assert_eq!(app.screen, Screen::Results);
        assert_eq!(app.jobs[0].cert, CertState::NotIssued);
        assert_eq!(app.jobs[0].verdict(), Some(Outcome::NotErased));
        let (kind, msg) = app.flash.clone().unwrap();
        assert_eq!(kind, FlashKind::Error);
        assert!(msg.contains(words) && msg.contains("WD-2"), "{msg}");
        assert!(app.log.iter().any(|l| l.text.contains(words)));
    }
}

#[test]
fn the_machine_screen_shows_a_boot_medium_that_cannot_be_found() {
    let m = machine();
    let mut app = app_with(Language::En, &m, None, NetState::Unknown);
    if let StationState::Open(s) = &mut app.station {
        s.boot_medium = Some("the medium the system booted from (/dev/sdb, serial STICK-1) is no longer among the disks".into());
    }
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Destination);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Machine);
    let screen = text(&app);
    assert!(screen.contains("BOOT MEDIUM NOT FOUND"), "{screen}");
    assert!(screen.contains("STICK-1"), "{screen}");
}

fn demo_app(persistent: Option<bool>) -> App {
    let mut app = App::new(Language::Fr, false);
    let mut s = station(None);
    s.demo = true;
    s.persistent = persistent;
    s.operators.clear();
    app.on_event(AppEvent::StationOpened(Box::new(s)));
    app
}

#[test]
fn a_demonstration_stick_offers_the_setup_after_the_language() {
    let mut app = demo_app(Some(true));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Setup);
    assert!(app.typing(), "letters are typed, not shortcuts");
    // The three identity fields are required.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.setup.field, 0);
    typ(&mut app, "ressourcerie-caen");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "Ressourcerie de Caen");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "poste-1");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "https://registre.example.org/");
    press(&mut app, KeyCode::Enter);
    typ(&mut app, "registry.vkey");
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![Command::SetUp(SetupRequest {
            workshop_id: "ressourcerie-caen".into(),
            workshop_name: "Ressourcerie de Caen".into(),
            station: "poste-1".into(),
            registry_url: Some("https://registre.example.org/".into()),
            registry_key: Some("registry.vkey".into()),
        })]
    );
    assert!(app.setup.saving);
    // A refusal keeps the form and says why; success goes on to the operator.
    app.on_event(AppEvent::SetupDone(Err(Problem::Other {
        detail: "disk full".into(),
    })));
    assert_eq!(app.screen, Screen::Setup);
    assert!(!app.setup.saving && app.setup.error.is_some());
    app.on_event(AppEvent::SetupDone(Ok(SetupDone {
        workshop: "ressourcerie-caen".into(),
        station: "poste-1".into(),
        key_id: "ab".repeat(32),
    })));
    assert_eq!(app.screen, Screen::Operator);
}

#[test]
fn escape_keeps_the_demonstration_and_a_ram_data_directory_offers_no_setup() {
    let mut app = demo_app(Some(true));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Operator);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.screen,
        Screen::Operator,
        "declined once: not asked again"
    );
    let mut pxe = demo_app(Some(false));
    press(&mut pxe, KeyCode::Enter);
    assert_eq!(pxe.screen, Screen::Operator, "nothing to write a setup on");
    // A configured station never shows it.
    let m = machine();
    let mut configured = app_with(Language::Fr, &m, None, NetState::Unknown);
    press(&mut configured, KeyCode::Enter);
    assert_eq!(configured.screen, Screen::Operator);
}

#[test]
fn x_erases_the_ticked_disks_with_their_recommended_methods_after_the_typed_word() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    to_disks(&mut app);
    // Nothing ticked: X refuses.
    assert!(press(&mut app, KeyCode::Char('x')).is_empty());
    assert_eq!(app.screen, Screen::Disks);
    // The protected stick stays out, even with X.
    tick(&mut app, &m, "sim-boot-stick");
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.selected.len(), 5);
    let cmds = press(&mut app, KeyCode::Char('x'));
    assert!(
        start_jobs(&cmds).is_none(),
        "X never starts an erase by itself"
    );
    assert_eq!(app.screen, Screen::Confirm);
    assert_eq!(app.plan.len(), 5);
    assert!(!app.plan.iter().any(|p| p.row == row(&m, "sim-boot-stick")));
    for p in &app.plan {
        let rec = app.disks[p.row].summary().unwrap().recommended().unwrap();
        assert_eq!(p.method_id, rec.id);
    }
    // Esc goes back to the list, not to the method screens it skipped.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Disks);
    press(&mut app, KeyCode::Char('x'));
    // The word of the language is still typed; a wrong one starts nothing.
    typ(&mut app, "ERASE");
    assert!(start_jobs(&press(&mut app, KeyCode::Enter)).is_none());
    assert_eq!(app.screen, Screen::Confirm);
    typ(&mut app, "EFFACER");
    let cmds = press(&mut app, KeyCode::Enter);
    assert_eq!(start_jobs(&cmds).unwrap().len(), 5);
    assert_eq!(app.screen, Screen::Progress);
    // The operator, language and lot are remembered for the next machine.
    let r = cmds
        .iter()
        .find_map(|c| match c {
            Command::Remember(r) => Some(r.clone()),
            _ => None,
        })
        .expect("remembered");
    assert_eq!(r.operator_id, "op-7f3a");
    assert_eq!(r.lot.as_deref(), Some("LOT-7"));
    assert_eq!(r.language, Language::Fr);
}

#[test]
fn k_keeps_the_previous_operator_language_and_lot() {
    let m = machine();
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    // Nothing remembered: K does nothing.
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.screen, Screen::Language);
    app.remembered = Some(ardoise_station::remember::Remembered {
        language: Language::En,
        operator_id: "op-19c2".into(),
        operator_name: None,
        lot: Some("LOT-8".into()),
    });
    assert!(text(&app).contains("K"), "the first screen offers K");
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.screen, Screen::Operator);
    assert_eq!(app.lang, Language::En);
    assert_eq!(
        app.op_field,
        OpField::Asset,
        "the scanner types the tag next"
    );
    assert_eq!(app.op.lot, "LOT-8");
    typ(&mut app, "PC-9");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Machine);
    let s = app.session().unwrap();
    assert_eq!(s.operator_id, "op-19c2");
    assert_eq!(s.asset_tag.as_deref(), Some("PC-9"));
    assert_eq!(s.lot.as_deref(), Some("LOT-8"));
}

#[test]
fn the_destination_page_records_the_choice_and_only_the_ticked_attestations() {
    use ardoise_cert::payload::Destination;
    let m = machine();
    let mut app = app_with(Language::En, &m, None, NetState::Unknown);
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Destination);
    let s = app.session().unwrap();
    assert!(s.host_reset.is_none(), "nothing is attested unless ticked");
    let suggested = app.grade().unwrap().destination;
    assert_eq!(
        s.disposition.as_ref().map(|d| d.destination),
        Some(suggested)
    );
    assert!(s.suggestion.is_some());
    press(&mut app, KeyCode::Right);
    assert_ne!(app.destination(), Some(suggested));
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('4'));
    let s = app.session().unwrap();
    let h = s.host_reset.unwrap();
    assert_eq!(h.tpm_cleared, Some(true));
    assert_eq!(h.labels_removed, None, "ticked twice is not ticked");
    assert_eq!(h.firmware_settings_reset, None);
    assert_eq!(
        s.disposition.map(|d| d.destination),
        app.destination(),
        "the destination chosen goes into the certificate"
    );
    assert!(matches!(
        app.destination(),
        Some(Destination::Reuse | Destination::Parts | Destination::Recycling)
    ));
    let ms = s.machine_session.clone().unwrap();
    // Every certificate of the machine carries it: the jobs' sessions.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Disks);
    tick(&mut app, &m, "sim-emmc");
    press(&mut app, KeyCode::Char('x'));
    let word = app.confirm_expected();
    typ(&mut app, &word);
    let cmds = press(&mut app, KeyCode::Enter);
    let spec = &start_jobs(&cmds).unwrap()[0];
    assert_eq!(spec.session.machine_session.as_deref(), Some(ms.as_str()));
    assert_eq!(spec.session.host_reset.unwrap().tpm_cleared, Some(true));
}

fn unreadable_config() -> ardoise_tui::problem::Problem {
    ardoise_tui::problem::Problem::ConfigUnreadable {
        path: "/data/ardoise.toml".into(),
        detail:
            "TOML parse error at line 1, column 1\n  |\n1 | [workshop\n  | ^\ninvalid table header"
                .into(),
    }
}

/// A stick whose ardoise.toml the station cannot read is not a dead end: the setup (which
/// replaces such a file) is offered after the language and from the failure screen.
#[test]
fn an_unreadable_configuration_offers_the_setup_that_replaces_it() {
    // The failure arrives while the technician is still on the language screen.
    let mut app = App::new(Language::Fr, true);
    let cmds = press(&mut app, KeyCode::Down);
    assert_eq!(cmds, vec![Command::OpenStation]);
    press(&mut app, KeyCode::Up);
    app.on_event(AppEvent::StationFailed(unreadable_config()));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Setup);
    assert!(!app.station_blocks(), "the form is drawn, not the failure");
    let screen = text(&app);
    assert!(screen.contains("ardoise.toml"), "{screen}");
    assert!(
        screen.contains("retour"),
        "Esc goes back, not to a demonstration:\n{screen}"
    );
    assert!(!screen.contains("démonstration"), "{screen}");
    // Esc: the failure screen, which offers the setup again with Enter.
    press(&mut app, KeyCode::Esc);
    assert!(app.station_blocks());
    let screen = text(&app);
    assert!(
        screen.contains("Entrée : assistant de configuration"),
        "{screen}"
    );
    assert!(screen.contains("configurer la station"), "{screen}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Setup);
    typ(&mut app, "ressourcerie-caen");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "Ressourcerie de Caen");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "poste-1");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&cmds[..], [Command::SetUp(r)] if r.workshop_id == "ressourcerie-caen"),
        "{cmds:?}"
    );
    // The station opens with the new file, then the setup's answer arrives.
    app.on_event(AppEvent::StationOpened(Box::new(station(None))));
    app.on_event(AppEvent::SetupDone(Ok(SetupDone {
        workshop: "ressourcerie-caen".into(),
        station: "poste-1".into(),
        key_id: "ab".repeat(32),
    })));
    assert_eq!(app.screen, Screen::Operator);
    assert!(!app.station_blocks());

    // The failure arrives after the language was chosen: the setup replaces the failure.
    let mut app = App::new(Language::En, true);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Operator);
    app.on_event(AppEvent::StationFailed(unreadable_config()));
    assert_eq!(app.screen, Screen::Setup);
    assert!(text(&app).contains("cannot use this stick's configuration file"));
    // A refused setup that leaves the station failed answers the form all the same.
    press(&mut app, KeyCode::Char('x'));
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Char('x'));
    }
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert!(!press(&mut app, KeyCode::Enter).is_empty());
    app.on_event(AppEvent::StationFailed(unreadable_config()));
    app.on_event(AppEvent::SetupDone(Err(
        ardoise_tui::problem::Problem::RegistryKeyMissing,
    )));
    assert_eq!(app.screen, Screen::Setup);
    assert!(!app.setup.saving);
    assert!(text(&app).contains("also needs the registry's key"));
}

#[test]
fn failures_the_setup_cannot_fix_and_ram_data_keep_the_failure_screen() {
    use ardoise_tui::problem::Problem;
    // A setting from the kernel command line, the storage: the setup would not help.
    for p in [
        Problem::Setting {
            setting: "registry.url".into(),
            origin: ardoise_station::SettingOrigin::KernelCommandLine,
            detail: "not a URL".into(),
        },
        Problem::Storage {
            detail: "read-only".into(),
        },
    ] {
        let mut app = App::new(Language::Fr, true);
        app.on_event(AppEvent::StationFailed(p));
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::Operator);
        assert!(app.station_blocks());
        press(&mut app, KeyCode::Enter);
        assert_ne!(app.screen, Screen::Setup);
        assert!(text(&app).contains("Appelez un responsable"));
    }
    // A setting refused in the file is fixed by a new file.
    let mut app = App::new(Language::Fr, true);
    app.on_event(AppEvent::StationFailed(Problem::Setting {
        setting: "workshop.id".into(),
        origin: ardoise_station::SettingOrigin::File("/data/ardoise.toml".into()),
        detail: "must be kebab-case".into(),
    }));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Setup);
    // A data partition in RAM would lose what the setup writes.
    let mut app = App::new(Language::Fr, true);
    app.data_persistent = Some(false);
    app.on_event(AppEvent::StationFailed(unreadable_config()));
    press(&mut app, KeyCode::Enter);
    assert_ne!(app.screen, Screen::Setup);
    assert!(app.station_blocks());
}

/// F1 on the disk list explains RAID volumes and controllers without a driver (the list's
/// notes say "(F1)"), in both languages, with the general help still in the box.
#[test]
fn f1_on_the_disk_list_explains_raid_volumes_and_jbod() {
    let m = machine();
    for (lang, words, general) in [
        (Language::Fr, ["VOLUME RAID", "HBA ou JBOD"], "F1 ou ?"),
        (Language::En, ["RAID VOLUME", "HBA or JBOD"], "F1 or ?"),
    ] {
        let mut app = app_with(lang, &m, None, NetState::Unknown);
        to_disks(&mut app);
        press(&mut app, KeyCode::F(1));
        let screen = render(&app, 80, 25);
        // Joined without line ends: the words may be wrapped.
        let flat = screen
            .iter()
            .map(|l| l.trim_matches(|c| c == ' ' || c == '│'))
            .collect::<Vec<_>>()
            .join(" ");
        for w in words {
            assert!(flat.contains(w), "{w}\n{}", screen.join("\n"));
        }
        assert!(flat.contains(general), "{}", screen.join("\n"));
        // Another screen's help does not carry it.
        press(&mut app, KeyCode::F(1));
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::F(1));
        assert!(!text(&app).contains("JBOD"));
    }
}

/// The destination screen states the operating-system minimums and the processor line in
/// words, and the machine and destination screens give the same memory figure.
#[test]
fn the_destination_screen_says_its_facts_in_words_and_memory_is_one_figure() {
    let m = machine();
    for (lang, words, ids) in [
        (
            Language::Fr,
            vec![
                "Windows 11 : non (génération du processeur, puce TPM 2.0)",
                "Intel Core, génération 7",
                "ne remplit pas les minimums de Windows 11 : génération du processeur, puce",
            ],
            ["tpm-2.0", "cpu-generation", "intel-core", "windows-11"],
        ),
        (
            Language::En,
            vec![
                "Windows 11: no (processor generation, TPM 2.0 chip)",
                "Intel Core, generation 7",
                "does not meet the Windows 11 minimums: processor generation, TPM 2.0 chip",
            ],
            ["tpm-2.0", "cpu-generation", "intel-core", "windows-11"],
        ),
    ] {
        let mut app = app_with(lang, &m, None, NetState::Unknown);
        if let StationState::Open(s) = &mut app.station {
            s.inventory.hardware.tpm_version = None;
            s.reuse.os = "windows-11".into();
        }
        to_disks(&mut app);
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::Destination);
        let screen = render(&app, 120, 30).join("\n");
        for w in &words {
            assert!(screen.contains(w), "{w}\n{screen}");
        }
        for id in ids {
            assert!(!screen.contains(id), "{id}\n{screen}");
        }
    }

    // No module described: both screens show what the system sees, in binary units.
    let mut app = app_with(Language::Fr, &m, None, NetState::Unknown);
    if let StationState::Open(s) = &mut app.station {
        s.inventory.memory_bytes = 25_300_000_000;
        s.inventory.hardware.memory_visible_bytes = 25_300_000_000;
        s.inventory.hardware.memory_modules.clear();
    }
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc);
    let dest = text(&app);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Machine);
    let machine = text(&app);
    for s in [&dest, &machine] {
        assert!(s.contains("23,6 Go"), "{s}");
        assert!(!s.contains("25,3 Go"), "{s}");
    }
}

/// The settings a refused certificate names are said in the screen's language; those of
/// ardoise.toml keep the name written in the file.
#[test]
fn settings_at_fault_are_named_in_the_language_of_the_screen() {
    use ardoise_tui::problem::{setting_name, Problem};
    let paths = [
        "issuer.workshop_id",
        "issuer.key_id",
        "operator.id",
        "host.asset_tag",
        "disposition.detail",
        "policy.id",
        "provenance.lot",
        "tool.version",
        "host.cpu_model",
        "disks[0].serial",
    ];
    for p in paths {
        let name = ardoise_station::certify::setting_for_field(p);
        let fr = setting_name(Language::Fr, name);
        if name.contains('.') {
            assert_eq!(fr, name, "a setting of ardoise.toml keeps its name");
        } else {
            assert_ne!(fr, name, "{p}: {name:?} is not said in French");
        }
    }
    let p = Problem::NotCertifiable {
        settings: vec!["asset tag".into(), "donor / lot".into()],
        detail: "host.asset_tag: too long".into(),
    };
    let fr = p.lines(Language::Fr);
    assert!(
        fr[0].contains("réglages en cause : n° d'inventaire, donateur / lot"),
        "{fr:?}"
    );
    assert!(p.lines(Language::En)[0].contains("settings at fault: asset tag, donor / lot"));
}
