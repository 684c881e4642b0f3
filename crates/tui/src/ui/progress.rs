//! Step 7: one block per running job (phase, figures, bar).

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, grey, prompt, verdict_style};
use crate::app::App;
use crate::fmt::{clean, cut, pad};
use crate::i18n::T;
use crate::screen_data::{phase_label, verdict_label, Stage};

/// `[████░░░░]` of `width` characters.
pub fn bar(fraction: Option<f64>, width: usize) -> String {
    let inner = width.saturating_sub(2);
    let filled = fraction
        .map(|f| ((f.clamp(0.0, 1.0)) * inner as f64).round() as usize)
        .unwrap_or(0);
    format!("[{}{}]", "█".repeat(filled), "░".repeat(inner - filled))
}

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::ProgressPrompt), area);
    let w = area.width as usize;
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    for (i, j) in app.jobs.iter().enumerate() {
        let mut b = Vec::new();
        let head = format!(
            "{}{}  {}  {}",
            if i == app.job_cursor { ">" } else { " " },
            clean(&j.info.name),
            clean(&j.info.model),
            clean(&j.info.serial)
        );
        let mut hs = bold();
        if i == app.job_cursor {
            hs = hs.add_modifier(Modifier::REVERSED);
        }
        b.push(Line::styled(pad(&cut(&head, w), w), hs));
        let phase = phase_label(app.lang, &j.stage, j.stopping);
        let mut stats = String::new();
        if let Some(fr) = j.fraction {
            stats.push_str(&format!("{:>3} %", (fr * 100.0).floor() as u64));
        }
        if j.rate > 0.0 {
            stats.push_str(&format!("  {}", crate::fmt::rate(app.lang, j.rate)));
        }
        if let Some(eta) = j.eta {
            stats.push_str(&format!(
                "  {}",
                app.tf(T::Remaining, &[&crate::fmt::duration(app.lang, eta)])
            ));
        }
        stats.push_str(&format!("  {}", app.tf(T::Errors, &[&j.bad_sectors])));
        let phase_w = w.saturating_sub(stats.chars().count() + 4).max(10);
        let style = match (&j.stage, j.verdict()) {
            (Stage::Refused(_), _) => Style::default().fg(Color::LightRed),
            (_, Some(o)) => verdict_style(o),
            _ => Style::default(),
        };
        let phase_text = match (j.verdict(), &j.stage) {
            (Some(o), Stage::Finished) => verdict_label(app.lang, o).to_string(),
            _ => phase,
        };
        b.push(Line::from(vec![
            Span::styled(format!("   {}", pad(&phase_text, phase_w)), style),
            Span::raw(stats),
        ]));
        let fraction = if j.done() { Some(1.0) } else { j.fraction };
        b.push(Line::styled(
            format!("   {}", bar(fraction, w.saturating_sub(6))),
            if j.done() {
                grey()
            } else {
                Style::default().fg(Color::LightCyan)
            },
        ));
        blocks.push(b);
    }
    let per = 3usize;
    let fit = (rest.height as usize / per).max(1);
    let start = (app.job_cursor + 1).saturating_sub(fit);
    let lines: Vec<Line> = blocks.into_iter().skip(start).take(fit).flatten().collect();
    f.render_widget(Paragraph::new(lines), rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(bar(Some(0.5), 6), "[██░░]");
        assert_eq!(bar(None, 4), "[░░]");
        assert_eq!(bar(Some(2.0), 4), "[██]");
    }
}
