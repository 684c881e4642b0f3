//! The first-run setup form (its fields and keys are in `app/setup.rs`).

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{field_line, prompt, wrap};
use crate::app::setup::FIELDS;
use crate::app::App;
use crate::i18n::T;

/// The setup screen.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::SetupPrompt), area);
    let w = rest.width as usize;
    let mut lines: Vec<Line> = Vec::new();
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
