//! Step 4: the disk list, a note under a disk that needs one, and the detail of the cursor's disk.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bold, grey, labelled, prompt};
use crate::app::App;
use crate::fmt::{clean, cut, pad};
use crate::i18n::T;
use crate::screen_data::{
    health_label, media_label, method_short, protection_reasons, DiskRow, ProbeState,
};

const COL_SEL: usize = 4;
const COL_MODEL: usize = 15;
const COL_SERIAL: usize = 18;
const COL_SIZE: usize = 8;
const COL_BUS: usize = 4;
const COL_HEALTH: usize = 10;
const COL_METHOD: usize = 15;

fn disk_cells(app: &App, i: usize, d: &DiskRow) -> String {
    let mark = if i == app.disk_cursor { ">" } else { " " };
    let sel = if d.info.protected {
        " - "
    } else if app.selected.contains(&i) {
        "[x]"
    } else {
        "[ ]"
    };
    let sel = format!("{mark}{sel}");
    let (health, method) = if d.info.protected {
        (
            app.t(T::NotRecorded).to_string(),
            app.t(T::Protected).to_string(),
        )
    } else {
        match &d.probe {
            ProbeState::Pending => (String::new(), app.t(T::Probing).to_string()),
            ProbeState::Failed(_) => (
                app.t(T::Unknown).to_string(),
                app.t(T::ShortNone).to_string(),
            ),
            ProbeState::Done(s) => (
                health_label(app.lang, s.health.as_ref().map(|h| h.grade)).to_string(),
                s.recommended()
                    .map(|m| method_short(app.lang, &m.method))
                    .unwrap_or_else(|| app.t(T::ShortNone).to_string()),
            ),
        }
    };
    format!(
        "{} {} {} {} {} {} {}",
        sel,
        pad(&clean(&d.info.model), COL_MODEL),
        pad(&clean(&d.info.serial), COL_SERIAL),
        pad(&crate::fmt::size(app.lang, d.info.size_bytes), COL_SIZE),
        pad(d.info.transport.as_str(), COL_BUS),
        pad(&health, COL_HEALTH),
        cut(&method, COL_METHOD),
    )
}

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::DisksPrompt), area);
    let w = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if app.scanning {
        lines.push(Line::raw(format!("  {}", app.t(T::Scanning))));
        f.render_widget(Paragraph::new(lines), rest);
        return;
    }
    if let Some(e) = &app.scan_error {
        lines.push(Line::styled(
            format!("  {}", app.tf(T::ScanFailed, &[&clean(e)])),
            Style::default().fg(Color::LightRed),
        ));
    }
    lines.extend(crate::storage_view::disk_list_warning(
        app.lang,
        app.storage.as_ref(),
        w,
    ));
    if app.disks.is_empty() {
        lines.push(Line::raw(format!("  {}", app.t(T::NoDisks))));
        f.render_widget(Paragraph::new(lines), rest);
        return;
    }
    let head = list_header(app, w);
    // Rows (with their note line), then a detail block for the cursor row.
    let (rows, cursor_line) = disk_rows(app, w);
    let detail = cursor_detail(app, w);
    let avail = (rest.height as usize).saturating_sub(1 + lines.len() + detail.len());
    let start = (cursor_line + 2).saturating_sub(avail);
    let mut all = lines;
    all.push(head);
    all.extend(rows.into_iter().skip(start).take(avail));
    all.extend(detail);
    f.render_widget(Paragraph::new(all), rest);
}

/// The underlined column titles.
fn list_header(app: &App, w: usize) -> Line<'static> {
    let header = format!(
        "{} {} {} {} {} {} {}",
        " ".repeat(COL_SEL),
        pad(app.t(T::ColModel), COL_MODEL),
        pad(app.t(T::ColSerial), COL_SERIAL),
        pad(app.t(T::ColSize), COL_SIZE),
        pad(app.t(T::ColBus), COL_BUS),
        pad(app.t(T::ColHealth), COL_HEALTH),
        app.t(T::ColMethod),
    );
    Line::styled(cut(&header, w), bold().add_modifier(Modifier::UNDERLINED))
}

/// One line per disk, with a note line under a disk that needs one, and the index of the
/// cursor's line.
fn disk_rows(app: &App, w: usize) -> (Vec<Line<'static>>, usize) {
    let mut rows: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    for (i, d) in app.disks.iter().enumerate() {
        let text = cut(&disk_cells(app, i, d), w);
        let mut style = if d.info.protected {
            grey()
        } else if d.failing() {
            Style::default().fg(Color::LightRed)
        } else {
            Style::default()
        };
        if i == app.disk_cursor {
            cursor_line = rows.len();
            style = style.add_modifier(Modifier::REVERSED);
        }
        rows.push(Line::styled(pad(&text, w), style));
        if let Some((text, style)) = disk_note(app, d) {
            rows.push(Line::styled(cut(&format!("      {text}"), w), style));
        }
    }
    (rows, cursor_line)
}

/// Why a disk cannot be erased, or what to know before erasing it.
fn disk_note(app: &App, d: &DiskRow) -> Option<(String, Style)> {
    if d.info.protected {
        Some((
            labelled(
                app,
                app.t(T::Protected),
                &protection_reasons(app.lang, &d.info),
            ),
            grey(),
        ))
    } else if d.frozen() {
        Some((
            labelled(app, app.t(T::Frozen), app.t(T::FrozenNote)),
            Style::default().fg(Color::LightYellow),
        ))
    } else if d.failing() {
        Some((
            app.t(T::FailingNote).to_string(),
            Style::default().fg(Color::LightRed),
        ))
    } else if let ProbeState::Failed(e) = &d.probe {
        Some((app.tf(T::ProbeFailed, &[&clean(e)]), grey()))
    } else {
        crate::storage_view::raid_note(app.lang, d.info.media)
            .map(|note| (note, Style::default().fg(Color::LightYellow)))
    }
}

/// The name, kind and size of the cursor's disk, its health reasons, and the selection count.
fn cursor_detail(app: &App, w: usize) -> Vec<Line<'static>> {
    let mut detail: Vec<Line> = Vec::new();
    if let Some(d) = app.disks.get(app.disk_cursor) {
        detail.push(Line::raw(""));
        detail.push(Line::styled(
            cut(
                &format!(
                    "  {}",
                    app.tf(
                        T::DiskDetail,
                        &[
                            &clean(&d.info.name),
                            &media_label(app.lang, d.info.media),
                            &d.info.size_bytes
                        ]
                    )
                ),
                w,
            ),
            bold(),
        ));
        if let Some(h) = d.summary().and_then(|s| s.health.as_ref()) {
            if !h.reasons.is_empty() {
                detail.push(Line::styled(
                    cut(
                        &format!(
                            "  {}{}{}",
                            health_label(app.lang, Some(h.grade)),
                            app.t(T::Colon),
                            clean(&h.reasons.join("; "))
                        ),
                        w,
                    ),
                    grey(),
                ));
            }
        }
    }
    detail.push(Line::raw(format!(
        "  {}",
        app.tf(T::SelectedCount, &[&app.selected.len()])
    )));
    detail
}
