//! How receipts are checked shows in red on the machine screen: not checked at all
//! (`allow_unverified_receipts`), uploads refused (no registry key), the registry log alarm.

mod common;

use ardoise_tui::app::AppEvent;
use ardoise_tui::receipts::ReceiptsView;
use ardoise_tui::screen_data::NetState;
use ardoise_upload::UploadEvent;
use common::*;
use crossterm::event::KeyCode;

const REGISTRY: &str = "https://registre.example.org";

fn machine_screen(view: Option<AppEvent>) -> String {
    let m = machine();
    let mut app = app_with(
        ardoise_station::Language::En,
        &m,
        Some(REGISTRY),
        NetState::Unknown,
    );
    if let Some(ev) = view {
        app.on_event(ev);
    }
    to_disks(&mut app);
    press(&mut app, KeyCode::Esc); // the destination page
    press(&mut app, KeyCode::Esc); // the machine screen
    assert_eq!(app.screen, ardoise_tui::app::Screen::Machine);
    let lines = render(&app, 80, 25);
    assert_console_glyphs(&lines);
    lines.join("\n")
}

#[test]
fn unchecked_receipts_refused_uploads_and_the_log_alarm_are_shown() {
    let plain = machine_screen(None);
    assert!(
        !plain.contains("NOT checked") && !plain.contains("ALARM"),
        "{plain}"
    );
    let s = machine_screen(Some(AppEvent::Receipts(ReceiptsView::Unverified)));
    assert!(s.contains("REGISTRY RECEIPTS NOT checked"), "{s}");
    let s = machine_screen(Some(AppEvent::Upload(UploadEvent::Halted {
        message: "no registry key".into(),
        alarm: false,
    })));
    assert!(s.contains("UPLOADS REFUSED: no registry key"), "{s}");
    let s = machine_screen(Some(AppEvent::Upload(UploadEvent::Halted {
        message: "the log forked".into(),
        alarm: true,
    })));
    assert!(s.contains("REGISTRY LOG ALARM"), "{s}");
}
