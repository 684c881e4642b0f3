//! What opens over a screen: the help (F1), the log (F2) and the dialogs that wait for an answer.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::widgets::{centered, cursor_style, grey, prompt_style, wrap};
use crate::app::{App, Gate, Modal, Overlay, Screen};
use crate::fmt::{clean, cut, pad};
use crate::i18n::T;

fn screen_help(app: &App) -> T {
    if app.station_blocks() {
        return T::HelpBusy;
    }
    match (&app.overlay, app.screen) {
        (Some(Overlay::Log { .. }), _) => T::HelpLog,
        (_, Screen::Language) => T::HelpLanguage,
        (_, Screen::Setup) => T::HelpSetup,
        (_, Screen::Operator) => T::HelpOperator,
        (_, Screen::Machine) => T::HelpMachine,
        (_, Screen::Destination) => T::HelpDestination,
        (_, Screen::Disks) => T::HelpDisks,
        (_, Screen::Method) => T::HelpMethod,
        (_, Screen::Confirm) => T::HelpConfirm,
        (_, Screen::Progress) => T::HelpProgress,
        (_, Screen::Results) => T::HelpResults,
        (_, Screen::Export) => T::HelpExport,
    }
}

pub(super) fn draw_help(f: &mut Frame, app: &App, area: Rect) {
    let width = area.width.saturating_sub(4).max(20);
    let inner_w = width.saturating_sub(4) as usize;
    // The disk list's help also explains RAID volumes and controllers without a driver: the
    // list's notes send the technician here with "(F1)".
    let extra = (app.screen == Screen::Disks && !app.station_blocks()).then_some(T::HelpRaid);
    let needed = wrap(app.t(screen_help(app)), inner_w).len()
        + extra.map_or(0, |k| wrap(app.t(k), inner_w).len() + 1)
        + wrap(app.t(T::HelpGeneral), inner_w).len()
        + 3;
    let r = centered(area, width, needed as u16);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap(app.t(screen_help(app)), inner_w) {
        lines.push(Line::raw(format!(" {l}")));
    }
    if let Some(k) = extra {
        lines.push(Line::raw(""));
        for l in wrap(app.t(k), inner_w) {
            lines.push(Line::raw(format!(" {l}")));
        }
    }
    lines.push(Line::raw(""));
    for l in wrap(app.t(T::HelpGeneral), inner_w) {
        lines.push(Line::styled(format!(" {l}"), grey()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} (F1) ", app.t(T::TitleHelp)))
        .border_style(Style::default().fg(Color::LightCyan));
    f.render_widget(Paragraph::new(lines).block(block), r);
}

pub(super) fn draw_log(f: &mut Frame, app: &App, area: Rect, scroll: usize) {
    f.render_widget(Clear, area);
    let w = area.width as usize;
    let h = area.height.saturating_sub(1) as usize;
    let mut lines: Vec<String> = Vec::new();
    let end = scroll.min(app.log.len());
    for l in &app.log[..end] {
        let indent = l.time.chars().count() + 2;
        for (i, part) in wrap(&l.text, w.saturating_sub(indent + 1))
            .into_iter()
            .enumerate()
        {
            lines.push(if i == 0 {
                format!(" {} {part}", l.time)
            } else {
                format!("{}{part}", " ".repeat(indent))
            });
        }
    }
    let mut out: Vec<Line> = vec![Line::styled(
        format!(" {}", app.t(T::LogPrompt)),
        prompt_style(),
    )];
    if app.log.is_empty() {
        out.push(Line::raw(format!(" {}", app.t(T::LogEmpty))));
    }
    let skip = lines.len().saturating_sub(h);
    out.extend(lines.into_iter().skip(skip).map(|l| Line::raw(cut(&l, w))));
    f.render_widget(Paragraph::new(out), area);
}

pub(super) fn draw_modal(f: &mut Frame, app: &App, area: Rect, m: &Modal) {
    let yes_no = app.tf(T::YesNo, &[&app.t(T::Yes), &app.t(T::No)]);
    let (title, text, input): (T, String, Option<&str>) = match m {
        Modal::Quit => (T::TitleQuit, app.tf(T::QuitConfirm, &[&yes_no]), None),
        Modal::Stop { job } => (
            T::TitleStop,
            app.tf(
                T::StopConfirm,
                &[
                    &app.jobs
                        .get(*job)
                        .map(|j| clean(&j.info.name))
                        .unwrap_or_default(),
                    &yes_no,
                ],
            ),
            None,
        ),
        Modal::Suspend { .. } => (
            T::TitleSuspend,
            format!(
                "{}\n\n{}",
                app.t(T::RemedyExplain),
                app.tf(T::RemedyConfirm, &[&yes_no])
            ),
            None,
        ),
        Modal::Override { input, .. } => {
            let why = match app.gate() {
                Gate::StoreFailed => app.t(T::OverrideNotStored),
                _ => app.t(T::OverrideNotUploaded),
            };
            (
                T::TitleOverride,
                format!(
                    "{why}\n\n{}",
                    app.tf(T::OverrideType, &[&app.t(T::OverrideWord)])
                ),
                Some(input.as_str()),
            )
        }
    };
    let width = area.width.saturating_sub(6).min(70);
    let lines = wrap(&text, width.saturating_sub(4) as usize);
    let height = lines.len() as u16 + 2 + if input.is_some() { 2 } else { 0 };
    let r = centered(area, width, height);
    f.render_widget(Clear, r);
    let mut out: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::raw(format!(" {l}")))
        .collect();
    if let Some(i) = input {
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::raw(" ["),
            Span::styled(pad(&format!("{}_", clean(i)), 18), cursor_style()),
            Span::raw("]"),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", app.t(title)))
        .border_style(
            Style::default()
                .fg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
        );
    f.render_widget(Paragraph::new(out).block(block), r);
}
