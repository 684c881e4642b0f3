//! What frames every screen: the title bar, the status line (flash messages) and the footer of
//! keys for the current state.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::cursor_style;
use crate::app::{App, FlashKind, Overlay, Screen, StationState};
use crate::fmt::{clean, cut};
use crate::i18n::T;

pub(super) fn draw_header(f: &mut Frame, app: &App, area: Rect) {
    let style = Style::default()
        .bg(Color::Blue)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD);
    let title = if app.station_blocks() {
        match app.station {
            StationState::Busy { .. } => app.t(T::TitleBusy),
            _ => app.t(T::TitleOpening),
        }
    } else {
        match &app.overlay {
            Some(Overlay::Help) => app.t(T::TitleHelp),
            Some(Overlay::Log { .. }) => app.t(T::TitleLog),
            _ => app.t(app.screen.title()),
        }
    };
    let mut left = format!(" {} ", app.t(T::AppName));
    if let Some(step) = app.screen.step().filter(|_| !app.station_blocks()) {
        left.push_str(&format!(
            "| {} | ",
            app.tf(T::StepOf, &[&step, &Screen::STEPS])
        ));
    } else {
        left.push_str("| ");
    }
    left.push_str(title);
    let mut right = String::new();
    let mut marks = Vec::new();
    if app.simulate {
        marks.push(app.t(T::Simulation));
    }
    if let Some(s) = app.summary() {
        if s.demo {
            marks.push(app.t(T::Demo));
            right = clean(&format!("{} ", s.station_id));
        } else {
            right = clean(&format!("{} / {} ", s.workshop_name, s.station_id));
        }
    }
    let sim = if marks.is_empty() {
        String::new()
    } else {
        format!(" {} ", marks.join(" "))
    };
    let w = area.width as usize;
    let room = w.saturating_sub(left.chars().count() + sim.chars().count() + 2);
    let right = cut(&right, room);
    let gap = w.saturating_sub(left.chars().count() + sim.chars().count() + right.chars().count());
    let line = Line::from(vec![
        Span::styled(left, style),
        Span::styled(" ".repeat(gap), style),
        Span::styled(
            sim,
            Style::default()
                .bg(Color::Blue)
                .fg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(right, style),
    ]);
    f.render_widget(Paragraph::new(line).style(style), area);
}

pub(super) fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    if let Some((kind, text)) = &app.flash {
        let style = match kind {
            FlashKind::Info => Style::default().fg(Color::LightCyan),
            FlashKind::Warn => Style::default()
                .fg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
            FlashKind::Error => Style::default()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
        };
        f.render_widget(
            Paragraph::new(Line::styled(
                format!(
                    " {}",
                    cut(&clean(text), area.width.saturating_sub(1) as usize)
                ),
                style,
            )),
            area,
        );
    }
}

/// (key, action) pairs of the footer for the current state.
fn hints(app: &App) -> Vec<(String, &'static str)> {
    let k = |s: &str| s.to_string();
    let tk = |t: T| app.t(t).to_string();
    let mut v: Vec<(String, &'static str)> = Vec::new();
    if app.modal.is_some() {
        return v;
    }
    match &app.overlay {
        Some(Overlay::Log { .. }) => {
            v.push((tk(T::KeyArrows), app.t(T::ActScroll)));
            v.push((tk(T::KeyEsc), app.t(T::ActClose)));
            return v;
        }
        Some(_) => {
            v.push((tk(T::KeyEsc), app.t(T::ActClose)));
            return v;
        }
        None => {}
    }
    if app.station_blocks() {
        if app.setup_repairs() {
            v.push((tk(T::KeyEnter), app.t(T::ActSetUp)));
        }
        v.push((k("Q"), app.t(T::ActQuit)));
        v.push((k("F1"), app.t(T::ActHelp)));
        return v;
    }
    v.extend(screen_hints(app));
    v.push((k("F1"), app.t(T::ActHelp)));
    v
}

/// The keys of the current screen.
fn screen_hints(app: &App) -> Vec<(String, &'static str)> {
    let k = |s: &str| s.to_string();
    let tk = |t: T| app.t(t).to_string();
    let mut v: Vec<(String, &'static str)> = Vec::new();
    match app.screen {
        Screen::Language => {
            v.push((tk(T::KeyArrows), app.t(T::ActChoose)));
            v.push((tk(T::KeyEnter), app.t(T::ActContinue)));
            v.push((k("Q"), app.t(T::ActQuit)));
        }
        Screen::Setup => {
            v.push((tk(T::KeyTab), app.t(T::ActNextField)));
            v.push((tk(T::KeyEnter), app.t(T::ActSave)));
            v.push((
                tk(T::KeyEsc),
                if app.setup_repairs() {
                    app.t(T::ActBack)
                } else {
                    app.t(T::ActDemo)
                },
            ));
        }
        Screen::Operator => {
            v.push((tk(T::KeyArrows), app.t(T::ActChoose)));
            v.push((tk(T::KeyTab), app.t(T::ActNextField)));
            v.push((tk(T::KeyEnter), app.t(T::ActContinue)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
        }
        Screen::Machine => {
            v.push((tk(T::KeyEnter), app.t(T::ActContinue)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
            v.push((k("E"), app.t(T::ActExport)));
            v.push((k("L"), app.t(T::ActLog)));
        }
        Screen::Destination => {
            v.push((tk(T::KeyArrows), app.t(T::ActDestination)));
            v.push((k("1-4"), app.t(T::ActAttest)));
            v.push((tk(T::KeyEnter), app.t(T::ActContinue)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
        }
        Screen::Disks => {
            v.push((tk(T::KeySpace), app.t(T::ActSelect)));
            v.push((k("A"), app.t(T::ActAll)));
            v.push((k("X"), app.t(T::ActRecommended)));
            v.push((tk(T::KeyEnter), app.t(T::ActContinue)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
        }
        Screen::Method => {
            v.push((tk(T::KeyArrows), app.t(T::ActChoose)));
            v.push((tk(T::KeyEnter), app.t(T::ActConfirm)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
        }
        Screen::Confirm => {
            v.push((tk(T::KeyEnter), app.t(T::ActConfirm)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
        }
        Screen::Progress => {
            v.push((tk(T::KeyArrows), app.t(T::ActChoose)));
            v.push((k("S"), app.t(T::ActStop)));
            v.push((k("L"), app.t(T::ActLog)));
        }
        Screen::Results => {
            v.push((tk(T::KeyEnter), app.t(T::ActQr)));
            v.push((k("N"), app.t(T::ActNext)));
            v.push((k("P"), app.t(T::ActPowerOff)));
            v.push((k("E"), app.t(T::ActExport)));
            v.push((k("L"), app.t(T::ActLog)));
        }
        Screen::Export => {
            v.push((tk(T::KeyEnter), app.t(T::ActConfirm)));
            v.push((k("R"), app.t(T::ActRescan)));
            v.push((tk(T::KeyEsc), app.t(T::ActBack)));
        }
    }
    v
}

pub(super) fn draw_footer(f: &mut Frame, app: &App, area: Rect) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    let w = area.width as usize;
    for (key, action) in hints(app) {
        let len = key.chars().count() + action.chars().count() + 3;
        if used + len > w {
            break;
        }
        used += len;
        spans.push(Span::raw(" "));
        spans.push(Span::styled(key, cursor_style()));
        spans.push(Span::raw(format!(" {action} ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
