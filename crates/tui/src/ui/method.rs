//! Step 5: the method of each selected disk, one page per disk, and the remedy of a frozen disk.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, grey, prompt, wrap};
use crate::app::App;
use crate::fmt::{clean, cut, pad};
use crate::i18n::T;
use crate::screen_data::{level_label, media_label, method_label, method_reason, MethodChoice};

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let page = app.method_page;
    let total = app.plan.len();
    let rest = prompt(f, &app.tf(T::MethodPrompt, &[&(page + 1), &total]), area);
    let w = area.width as usize;
    let Some(p) = app.plan.get(page) else { return };
    let Some(d) = app.disks.get(p.row) else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::styled(
        cut(
            &format!(
                "  {}  {}  {}  {}",
                clean(&d.info.model),
                clean(&d.info.serial),
                crate::fmt::size(app.lang, d.info.size_bytes),
                media_label(app.lang, d.info.media)
            ),
            w,
        ),
        bold(),
    ));
    lines.push(Line::raw(""));
    let (choices, remedy) = app.method_page_choices();
    let items = method_items(app, &p.method_id, &choices, remedy, w);
    // Reason of the highlighted entry and the verification policy, kept at the bottom.
    let footer = method_footer(app, &choices, remedy, w);
    let avail = (rest.height as usize).saturating_sub(lines.len() + footer.len());
    let start = (app.method_cursor + 1).saturating_sub(avail);
    lines.extend(items.into_iter().skip(start).take(avail));
    let pad_lines = (rest.height as usize).saturating_sub(lines.len() + footer.len());
    lines.extend(std::iter::repeat_n(Line::raw(""), pad_lines));
    lines.extend(footer);
    f.render_widget(Paragraph::new(lines), rest);
}

/// One line per method of the disk (the chosen one marked), then the remedy if it has one.
fn method_items(
    app: &App,
    chosen_id: &str,
    choices: &[MethodChoice],
    remedy: bool,
    w: usize,
) -> Vec<Line<'static>> {
    let label_w = w.saturating_sub(30).clamp(20, 46);
    let mut items: Vec<Line> = Vec::new();
    for (i, c) in choices.iter().enumerate() {
        let tag = if c.recommended {
            app.t(T::Recommended)
        } else if !c.supported {
            app.t(T::Unavailable)
        } else {
            ""
        };
        let chosen = chosen_id == c.id;
        let text = format!(
            "{}{} {} {} {}",
            if i == app.method_cursor { ">" } else { " " },
            if chosen { "(*)" } else { "( )" },
            pad(&method_label(app.lang, &c.method), label_w),
            pad(level_label(app.lang, c.level), 10),
            tag
        );
        let mut style = if !c.supported {
            grey()
        } else if c.recommended {
            Style::default().fg(Color::LightGreen)
        } else {
            Style::default()
        };
        if i == app.method_cursor {
            style = style.add_modifier(Modifier::REVERSED);
        }
        items.push(Line::styled(pad(&cut(&text, w), w), style));
    }
    if remedy {
        let mut style = Style::default()
            .fg(Color::LightCyan)
            .add_modifier(Modifier::BOLD);
        if app.method_cursor == choices.len() {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let mark = if app.method_cursor == choices.len() {
            ">"
        } else {
            " "
        };
        items.push(Line::styled(
            pad(&cut(&format!("{mark} >> {}", app.t(T::RemedyItem)), w), w),
            style,
        ));
    }
    items
}

/// Why the highlighted entry, and how erasures are verified.
fn method_footer(
    app: &App,
    choices: &[MethodChoice],
    remedy: bool,
    w: usize,
) -> Vec<Line<'static>> {
    let mut footer: Vec<Line> = vec![Line::raw("")];
    let reason = if app.method_cursor == choices.len() && remedy {
        app.t(T::RemedyExplain).to_string()
    } else {
        choices
            .get(app.method_cursor)
            .map(|c| method_reason(app.lang, c).to_string())
            .unwrap_or_default()
    };
    for l in wrap(&reason, w.saturating_sub(4)) {
        footer.push(Line::styled(
            format!("  {l}"),
            Style::default().fg(Color::LightCyan),
        ));
    }
    if let Some(s) = app.summary() {
        let v = match s.verify {
            ardoise_station::VerifyMode::Sample => app.tf(
                T::VerifySample,
                &[&crate::fmt::number(app.lang, s.coverage_percent)],
            ),
            ardoise_station::VerifyMode::Full => app.t(T::VerifyFull).to_string(),
            ardoise_station::VerifyMode::None => app.t(T::VerifyNone).to_string(),
        };
        footer.push(Line::styled(
            cut(&format!("  {}", app.tf(T::VerifyLine, &[&v])), w),
            grey(),
        ));
    }
    footer
}
