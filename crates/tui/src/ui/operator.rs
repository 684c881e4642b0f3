//! Step 2: the operator (from the workshop's list, or another name), asset tag and lot.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, cursor_style, field_line, grey, prompt, wrap};
use crate::app::{App, OpField};
use crate::fmt::{clean, pad};
use crate::i18n::T;

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::OpPrompt), area);
    let w = area.width as usize;
    let list_focused = app.op_field == OpField::List;
    let mut lines = operator_list(app, list_focused);
    lines.push(Line::raw(""));
    if app.op_other() {
        lines.push(field_line(
            app.t(T::OpName),
            &app.op.name,
            app.op_field == OpField::Name,
            w,
        ));
    }
    lines.push(field_line(
        app.t(T::OpAsset),
        &app.op.asset,
        app.op_field == OpField::Asset,
        w,
    ));
    lines.push(field_line(
        app.t(T::OpLot),
        &app.op.lot,
        app.op_field == OpField::Lot,
        w,
    ));
    lines.push(Line::raw(""));
    let hint = if list_focused {
        app.t(T::OpScanHint)
    } else {
        app.t(T::OpFieldHint)
    };
    for l in wrap(hint, w.saturating_sub(4)) {
        lines.push(Line::styled(format!("   {l}"), grey()));
    }
    if let Some(s) = app.session() {
        lines.push(Line::styled(
            format!("   {}", app.tf(T::OpIdNote, &[&clean(&s.operator_id)])),
            grey(),
        ));
    }
    f.render_widget(Paragraph::new(lines), rest);
}

/// The workshop's operators and "Other", at most 7 around the cursor.
fn operator_list(app: &App, list_focused: bool) -> Vec<Line<'static>> {
    let ops: Vec<String> = app
        .summary()
        .map(|s| s.operators.iter().map(|(_, n)| clean(n)).collect())
        .unwrap_or_default();
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::styled(
        format!(
            "{}{}",
            if list_focused { " > " } else { "   " },
            app.t(T::OpList)
        ),
        bold(),
    ));
    if ops.is_empty() {
        lines.push(Line::styled(
            format!("     {}", app.t(T::OpNoOperators)),
            grey(),
        ));
    }
    let mut items = ops.clone();
    items.push(app.t(T::OpOther).to_string());
    // Show at most 7 entries around the cursor.
    let max = 7usize;
    let start = app
        .op
        .cursor
        .saturating_sub(max - 1)
        .min(items.len().saturating_sub(max));
    for (i, item) in items.iter().enumerate().skip(start).take(max) {
        let chosen = i == app.op.cursor;
        let mark = if chosen { "(*)" } else { "( )" };
        let text = format!("     {mark} {}", pad(item, 40));
        let style = if chosen && list_focused {
            cursor_style()
        } else if chosen {
            bold()
        } else {
            Style::default()
        };
        lines.push(Line::styled(text, style));
    }
    lines
}
