//! The first-run setup form (its fields and keys are in `app/setup.rs`).

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{field_line, prompt, wrap};
use crate::app::setup::FIELDS;
use crate::app::{App, StationState};
use crate::fmt::clean;
use crate::i18n::T;

/// The setup screen.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    // Repairing a configuration the station could not use, or making a demonstration stick
    // a workshop's: the same form, said differently.
    let repair = match &app.station {
        StationState::Failed(p) if app.setup_repairs() => Some(p),
        _ => None,
    };
    let intro = if repair.is_some() {
        T::SetupPromptRepair
    } else {
        T::SetupPrompt
    };
    let rest = prompt(f, app.t(intro), area);
    let w = rest.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(p) = repair {
        if let Some(head) = p.lines(app.lang).first() {
            for l in wrap(&clean(head), w.saturating_sub(4)) {
                lines.push(Line::styled(
                    format!("   {l}"),
                    Style::default().fg(Color::LightRed),
                ));
            }
            lines.push(Line::raw(""));
        }
    }
    for (i, label) in FIELDS.iter().enumerate() {
        lines.push(field_line(
            app.t(*label),
            &app.setup.values[i],
            app.setup.field == i,
            w,
        ));
    }
    lines.push(Line::raw(""));
    for l in wrap(app.t(T::SetupHint), w.saturating_sub(4)) {
        lines.push(Line::styled(
            format!("   {l}"),
            Style::default().fg(Color::DarkGray),
        ));
    }
    if app.setup.saving {
        lines.push(Line::styled(
            format!("   {}", app.t(T::SetupSaving)),
            Style::default().fg(Color::LightCyan),
        ));
    }
    if let Some(p) = &app.setup.error {
        for l in p.lines(app.lang) {
            for part in wrap(&l, w.saturating_sub(4)) {
                lines.push(Line::styled(
                    format!("   {part}"),
                    Style::default().fg(Color::LightRed),
                ));
            }
        }
    }
    f.render_widget(Paragraph::new(lines), rest);
}
