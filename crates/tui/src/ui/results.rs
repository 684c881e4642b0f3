//! Step 8: the verdicts and certificates, what still holds the technician back, and the QR code
//! of the highlighted certificate (beside the list, or full screen).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::chrome::draw_footer;
use super::widgets::{bold, grey, labelled, prompt, verdict_style, wrap};
use crate::app::{App, Gate};
use crate::fmt::{clean, cut, pad, short_id};
use crate::i18n::T;
use crate::screen_data::{exception_label, upload_label, verdict_label, CertState, Stage};

/// The registry page of a certificate.
pub fn cert_url(registry: &str, cert_id: &str) -> String {
    format!("{}/c/{cert_id}", registry.trim_end_matches('/'))
}

fn result_lines(app: &App, width: usize) -> (Vec<Line<'static>>, usize) {
    let mut lines = Vec::new();
    let mut cursor_line = 0;
    let registry = app.registry_url().is_some();
    for (i, j) in app.jobs.iter().enumerate() {
        let head = format!(
            "{}{}  {}",
            if i == app.job_cursor { ">" } else { " " },
            clean(&j.info.name),
            clean(&j.info.serial)
        );
        let mut hs = bold();
        if i == app.job_cursor {
            cursor_line = lines.len();
            hs = hs.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::styled(pad(&cut(&head, width), width), hs));
        match j.verdict() {
            Some(o) => lines.push(Line::styled(
                format!("   {}", verdict_label(app.lang, o)),
                verdict_style(o),
            )),
            None => lines.push(Line::raw(format!("   {}", app.t(T::CertPending)))),
        }
        if let Stage::Refused(e) = &j.stage {
            lines.push(Line::styled(
                cut(
                    &format!(
                        "   {}",
                        labelled(app, app.t(T::ReasonLabel), &clean(&e.text(app.lang)))
                    ),
                    width,
                ),
                grey(),
            ));
        } else if let Some((code, _)) = j
            .exceptions
            .iter()
            .find(|(c, _)| c.is_fatal())
            .or(j.exceptions.first())
        {
            lines.push(Line::styled(
                cut(
                    &format!(
                        "   {}",
                        labelled(app, app.t(T::ReasonLabel), exception_label(app.lang, *code))
                    ),
                    width,
                ),
                grey(),
            ));
        }
        let cert = match &j.cert {
            CertState::Pending => app.t(T::CertPending).to_string(),
            CertState::NotIssued => app.t(T::CertNone).to_string(),
            CertState::Failed(p) => app.tf(T::CertNotStored, &[&clean(&p.summary(app.lang))]),
            CertState::Stored { id } => format!(
                "{}  {}",
                short_id(id),
                upload_label(app.lang, app.uploads.get(id), registry)
            ),
        };
        lines.push(Line::raw(cut(
            &format!("   {} {}", app.t(T::CertLabel), cert),
            width,
        )));
    }
    (lines, cursor_line)
}

fn finish_line(app: &App) -> (String, Style) {
    match app.gate() {
        Gate::Ready => (
            app.t(T::FinishReady).to_string(),
            Style::default().fg(Color::LightGreen),
        ),
        Gate::WaitStore => (
            app.t(T::FinishWaitStore).to_string(),
            Style::default().fg(Color::LightYellow),
        ),
        Gate::StoreFailed => (
            app.tf(T::FinishStoreFailed, &[&app.t(T::OverrideWord)]),
            Style::default().fg(Color::LightRed),
        ),
        Gate::WaitUpload(n) => match app.receipts.warning(app.lang) {
            Some(w) => (
                format!(
                    "{w}. {}",
                    app.tf(T::FinishWaitUpload, &[&n, &app.t(T::OverrideWord)])
                ),
                Style::default().fg(Color::LightRed),
            ),
            None => (
                app.tf(T::FinishWaitUpload, &[&n, &app.t(T::OverrideWord)]),
                Style::default().fg(Color::LightYellow),
            ),
        },
    }
}

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let qr = app
        .jobs
        .get(app.job_cursor)
        .and_then(|j| match &j.cert {
            CertState::Stored { id } => Some(id.clone()),
            _ => None,
        })
        .zip(app.registry_url().map(str::to_string))
        .and_then(|(id, reg)| crate::qr::render(&cert_url(&reg, &id), crate::qr::QUIET).ok());
    let side = qr
        .as_ref()
        .filter(|q| (q.width as u16) + 30 <= area.width && (q.lines.len() as u16) < area.height)
        .map(|q| q.width as u16)
        .unwrap_or(0);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(side)]).areas(area);
    let rest = prompt(f, app.t(T::ResultsPrompt), left);
    let w = left.width as usize;
    let (finish, fstyle) = finish_line(app);
    let flines = wrap(&finish, w.saturating_sub(2));
    let (lines, cursor_line) = result_lines(app, w);
    let avail = (rest.height as usize).saturating_sub(flines.len() + 1);
    let start = (cursor_line + 4).saturating_sub(avail);
    let mut all: Vec<Line> = lines.into_iter().skip(start).take(avail).collect();
    let pad_n = (rest.height as usize).saturating_sub(all.len() + flines.len());
    all.extend(std::iter::repeat_n(Line::raw(""), pad_n));
    for l in flines {
        all.push(Line::styled(
            format!(" {l}"),
            fstyle.add_modifier(Modifier::BOLD),
        ));
    }
    f.render_widget(Paragraph::new(all), rest);
    if side > 0 {
        if let Some(q) = qr {
            let mut ql: Vec<Line> = vec![Line::styled(cut(app.t(T::QrTitle), q.width), bold())];
            ql.extend(
                q.lines
                    .into_iter()
                    .map(|l| Line::styled(l, Style::default().fg(Color::White))),
            );
            f.render_widget(Paragraph::new(ql), right);
        }
    }
}

pub(super) fn draw_qr_full(f: &mut Frame, app: &App, area: Rect, job: usize) {
    f.render_widget(Clear, area);
    let mut lines: Vec<Line> = Vec::new();
    let w = area.width as usize;
    let j = app.jobs.get(job);
    let cert = j.and_then(|j| match &j.cert {
        CertState::Stored { id } => Some(id.clone()),
        _ => None,
    });
    match (cert, app.registry_url()) {
        (Some(id), Some(reg)) => {
            let url = cert_url(reg, &id);
            lines.push(Line::styled(
                cut(
                    &format!(
                        " {}{}{}  {}",
                        app.t(T::QrTitle),
                        app.t(T::Colon),
                        j.map(|j| clean(&j.info.name)).unwrap_or_default(),
                        short_id(&id)
                    ),
                    w,
                ),
                bold(),
            ));
            lines.push(Line::styled(cut(&format!(" {}", clean(&url)), w), grey()));
            match crate::qr::render(&url, crate::qr::QUIET) {
                Ok(q) if q.width <= w && q.lines.len() + 3 <= area.height as usize => {
                    let left = " ".repeat((w - q.width) / 2);
                    for l in q.lines {
                        lines.push(Line::styled(
                            format!("{left}{l}"),
                            Style::default().fg(Color::White),
                        ));
                    }
                }
                _ => lines.push(Line::raw(format!(" {}", app.t(T::QrTooSmall)))),
            }
        }
        (None, _) => lines.push(Line::raw(format!(" {}", app.t(T::QrNoCert)))),
        (_, None) => lines.push(Line::raw(format!(" {}", app.t(T::QrNoRegistry)))),
    }
    let [body, foot] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    f.render_widget(Paragraph::new(lines), body);
    draw_footer(f, app, foot);
}
