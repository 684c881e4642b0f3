//! Step 1: the language.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, cursor_style, prompt, wrap};
use crate::app::App;
use crate::i18n::T;

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::LangPrompt), area);
    let mut lines = vec![Line::raw("")];
    for (i, k) in [T::LangFrench, T::LangEnglish].iter().enumerate() {
        let text = format!("      {}      ", app.t(*k));
        if i == app.lang_cursor {
            lines.push(Line::from(vec![
                Span::styled("   > ", bold()),
                Span::styled(text, cursor_style()),
            ]));
        } else {
            lines.push(Line::raw(format!("     {text}")));
        }
    }
    if let Some(keep) = app.remembered_line() {
        lines.push(Line::raw(""));
        for l in wrap(&keep, rest.width.saturating_sub(6) as usize) {
            lines.push(Line::styled(format!("   {l}"), bold()));
        }
    }
    f.render_widget(Paragraph::new(lines), rest);
}
