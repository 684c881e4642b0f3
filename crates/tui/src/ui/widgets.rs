//! What the screens share: the styles of the console, the prompt line, word wrap, form fields
//! and "label : value" lines.

pub use crate::fmt::wrap;
use ardoise_erase::outcome::Outcome;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::App;
use crate::fmt::{clean, pad};
use crate::i18n::T;

pub(super) fn prompt_style() -> Style {
    Style::default()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD)
}

pub(super) fn cursor_style() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub(super) fn grey() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub(super) fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub(super) fn verdict_style(o: Outcome) -> Style {
    let c = match o {
        Outcome::Erased => Color::LightGreen,
        Outcome::ErasedWithExceptions => Color::LightYellow,
        Outcome::NotErased => Color::LightRed,
    };
    Style::default().fg(c).add_modifier(Modifier::BOLD)
}

/// "label : value" with the language's colon.
pub(super) fn labelled(app: &App, label: &str, value: &str) -> String {
    format!("{label}{}{value}", app.t(T::Colon))
}

/// The "what to do now" line at the top of a screen, and the rest of the area.
pub(crate) fn prompt(f: &mut Frame, text: &str, area: Rect) -> Rect {
    let lines = wrap(text, area.width.saturating_sub(2) as usize);
    let h = (lines.len() as u16 + 1).min(area.height);
    let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(area);
    let para: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::styled(format!(" {l}"), prompt_style()))
        .collect();
    f.render_widget(Paragraph::new(para), top);
    rest
}

pub(crate) fn field_line(label: &str, value: &str, focused: bool, width: usize) -> Line<'static> {
    let marker = if focused { " > " } else { "   " };
    let label = pad(label, 32);
    let shown = if focused {
        format!("{}_", clean(value))
    } else {
        clean(value)
    };
    let field_w = width.saturating_sub(marker.len() + 32 + 3).clamp(8, 36);
    // While typing a long value, its end (where the cursor is) stays in view.
    let n = shown.chars().count();
    let shown = if focused && n > field_w {
        format!(
            "~{}",
            shown.chars().skip(n + 1 - field_w).collect::<String>()
        )
    } else {
        shown
    };
    let value = pad(&shown, field_w);
    let vstyle = if focused {
        cursor_style()
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::styled(marker.to_string(), bold()),
        Span::styled(label, if focused { bold() } else { Style::default() }),
        Span::raw("["),
        Span::styled(value, vstyle),
        Span::raw("]"),
    ])
}

pub(super) fn kv(label: &str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {} : ", pad(label, 16)), bold()),
        Span::styled(value, style),
    ])
}

/// [`kv`] with a value that may be long: wrapped to `width`, its next lines under its first.
pub(super) fn kv_wrapped(
    label: &str,
    value: String,
    style: Style,
    width: usize,
) -> Vec<Line<'static>> {
    let head = format!("  {} : ", pad(label, 16));
    let indent = head.chars().count();
    wrap(&value, width.saturating_sub(indent))
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 {
                Span::styled(head.clone(), bold())
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from(vec![lead, Span::styled(part, style)])
        })
        .collect()
}

pub(super) fn opt(app: &App, v: &Option<String>) -> String {
    v.as_deref()
        .map(clean)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| app.t(T::Unknown).to_string())
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("aaa bbb ccc", 8), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("x\ny", 10), vec!["x", "y"]);
        let long = "/tmp/aaaaaaaaaaaaaaaaaaaaaa";
        assert!(wrap(long, 10).iter().all(|l| l.chars().count() <= 10));
    }
}
