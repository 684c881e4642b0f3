//! Copying the certificates to a stick (not a step of the flow).

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{cursor_style, prompt, wrap};
use crate::app::{App, ExportState};
use crate::fmt::{clean, cut, pad};
use crate::i18n::T;

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::ExportPrompt), area);
    let w = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if app.export_state == ExportState::Scanning {
        lines.push(Line::raw(format!("  {}", app.t(T::ExportScanning))));
    } else if app.export_targets.is_empty() {
        lines.push(Line::raw(format!("  {}", app.t(T::ExportNone))));
    }
    for (i, tg) in app.export_targets.iter().enumerate() {
        let mark = if i == app.export_cursor { " > " } else { "   " };
        let text = cut(&format!("{mark}{}", clean(&tg.label)), w);
        let style = if i == app.export_cursor {
            cursor_style()
        } else {
            Style::default()
        };
        lines.push(Line::styled(pad(&text, w), style));
    }
    lines.push(Line::raw(""));
    let (msg, style) = match &app.export_state {
        ExportState::Running => (
            app.t(T::ExportRunning).to_string(),
            Style::default().fg(Color::LightCyan),
        ),
        ExportState::Done { count, place } => (
            app.tf(T::ExportDone, &[count, &clean(place)]),
            Style::default().fg(Color::LightGreen),
        ),
        ExportState::Failed(e) => (
            app.tf(T::ExportFailed, &[&clean(e)]),
            Style::default().fg(Color::LightRed),
        ),
        _ => (String::new(), Style::default()),
    };
    for l in wrap(&msg, w.saturating_sub(4)) {
        lines.push(Line::styled(format!("  {l}"), style));
    }
    f.render_widget(Paragraph::new(lines), rest);
}
