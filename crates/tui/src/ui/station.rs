//! What is drawn while the station is opening, busy (the other console has it) or failed.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, prompt_style, wrap};
use crate::app::{App, StationState};
use crate::fmt::clean;
use crate::i18n::T;

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let w = area.width.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = vec![Line::raw("")];
    let mut add = |text: &str, style: Style| {
        for l in wrap(text, w) {
            lines.push(Line::styled(format!("  {l}"), style));
        }
        lines.push(Line::raw(""));
    };
    match &app.station {
        StationState::Opening | StationState::Open(_) => add(app.t(T::Opening), prompt_style()),
        StationState::Busy { attempts } => {
            add(app.t(T::BusyText), prompt_style().fg(Color::LightRed));
            add(app.t(T::BusyWhat), bold());
            add(&app.tf(T::BusyRetry, &[attempts]), Style::default());
        }
        StationState::Failed(p) => {
            let mut lines_of = p.lines(app.lang).into_iter();
            if let Some(head) = lines_of.next() {
                add(&clean(&head), prompt_style().fg(Color::LightRed));
            }
            // The detail keeps its own line breaks (a TOML error points at a column).
            let detail: Vec<String> = lines_of.map(|l| clean(&l)).collect();
            if !detail.is_empty() {
                add(&detail.join("\n"), Style::default());
            }
            add(
                app.t(if app.setup_repairs() {
                    T::StationFailedSetup
                } else {
                    T::StationFailedWhat
                }),
                bold(),
            );
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}
