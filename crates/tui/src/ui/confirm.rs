//! Step 6: what will be erased, and the word or serial to type.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, cursor_style, grey, prompt_style, wrap};
use crate::app::App;
use crate::fmt::{clean, cut, pad};
use crate::i18n::T;
use crate::screen_data::method_id_label;

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let w = area.width as usize;
    let mut lines: Vec<Line> = vec![Line::raw("")];
    for l in wrap(app.t(T::ConfirmWarn), w.saturating_sub(2)) {
        lines.push(Line::styled(
            format!(" {l}"),
            Style::default()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::raw(""));
    let max_disks = (area.height as usize).saturating_sub(12) / 2;
    for p in app.plan.iter().take(max_disks.max(1)) {
        let Some(d) = app.disks.get(p.row) else {
            continue;
        };
        let serial = clean(&d.info.serial);
        lines.push(Line::from(vec![
            Span::raw("   "),
            Span::styled(serial.clone(), bold()),
            Span::raw(cut(
                &format!(
                    "  {}  {}  ({})",
                    clean(&d.info.model),
                    crate::fmt::size(app.lang, d.info.size_bytes),
                    clean(&d.info.name)
                ),
                w.saturating_sub(3 + serial.chars().count()),
            )),
        ]));
        lines.push(Line::styled(
            cut(
                &format!("       {}", method_id_label(app.lang, &p.method_id)),
                w,
            ),
            grey(),
        ));
    }
    if app.plan.len() > max_disks.max(1) {
        lines.push(Line::raw(format!(
            "   (+{})",
            app.plan.len() - max_disks.max(1)
        )));
    }
    lines.push(Line::raw(""));
    let ask = if app.confirm_by_serial() {
        app.t(T::ConfirmOne).to_string()
    } else {
        app.tf(T::ConfirmMany, &[&app.t(T::ConfirmWord)])
    };
    for l in wrap(&ask, w.saturating_sub(2)) {
        lines.push(Line::styled(format!(" {l}"), prompt_style()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(format!("   {} ", app.t(T::ConfirmInput)), bold()),
        Span::raw("["),
        Span::styled(
            pad(&format!("{}_", clean(&app.confirm_input)), 18),
            cursor_style(),
        ),
        Span::raw("]"),
    ]));
    f.render_widget(Paragraph::new(lines), area);
}
