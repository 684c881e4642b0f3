//! Drawing: one function per screen, all text from the translation table (or from devices,
//! cleaned for the console font). Layouts are made for 80×25 and degrade by clipping on smaller
//! screens; colours are the 16 of the Linux console, backgrounds only the 8 basic ones.
//!
//! One file per screen; `widgets` holds what they share, `chrome` the title, status and key
//! bars around them, `overlays` the help, the log and the dialogs drawn over them.

use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

use crate::app::{App, Overlay, Screen};

mod chrome;
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
mod widgets;

pub use progress::bar;
pub use results::cert_url;
pub use widgets::wrap;

/// Draws the whole interface.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::draw_header(f, app, header);
    if app.station_blocks() {
        station::draw(f, app, body);
    } else {
        match app.screen {
            Screen::Language => language::draw(f, app, body),
            Screen::Setup => setup::draw(f, app, body),
            Screen::Operator => operator::draw(f, app, body),
            Screen::Machine => machine::draw(f, app, body),
            Screen::Destination => destination::draw(f, app, body),
            Screen::Disks => disks::draw(f, app, body),
            Screen::Method => method::draw(f, app, body),
            Screen::Confirm => confirm::draw(f, app, body),
            Screen::Progress => progress::draw(f, app, body),
            Screen::Results => results::draw(f, app, body),
            Screen::Export => export::draw(f, app, body),
        }
    }
    chrome::draw_status(f, app, status);
    chrome::draw_footer(f, app, footer);
    match &app.overlay {
        Some(Overlay::Help) => overlays::draw_help(f, app, body),
        Some(Overlay::Log { scroll }) => overlays::draw_log(f, app, body, *scroll),
        Some(Overlay::Qr { job }) => results::draw_qr_full(f, app, area, *job),
        None => {}
    }
    if let Some(m) = &app.modal {
        overlays::draw_modal(f, app, area, m);
    }
}
