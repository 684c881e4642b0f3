//! Drawing: one function per screen, all text from the translation table (or from devices,
//! cleaned for the console font). Layouts are made for 80×25 and degrade by clipping on smaller
//! screens; colours are the 16 of the Linux console, backgrounds only the 8 basic ones.

use ardoise_disk::inventory::{FirmwareKind, SecureBootState};
use ardoise_erase::outcome::Outcome;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::*;
use crate::fmt::{clean, cut, pad, short_id};
use crate::i18n::T;
use crate::model::*;

fn prompt_style() -> Style {
    Style::default()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD)
}

fn cursor_style() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

fn grey() -> Style {
    Style::default().fg(Color::DarkGray)
}

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

fn verdict_style(o: Outcome) -> Style {
    let c = match o {
        Outcome::Erased => Color::LightGreen,
        Outcome::ErasedWithExceptions => Color::LightYellow,
        Outcome::NotErased => Color::LightRed,
    };
    Style::default().fg(c).add_modifier(Modifier::BOLD)
}

/// Draws the whole interface.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, app, header);
    if app.station_blocks() {
        draw_station(f, app, body);
    } else {
        match app.screen {
            Screen::Language => draw_language(f, app, body),
            Screen::Setup => crate::setup::draw(f, app, body),
            Screen::Operator => draw_operator(f, app, body),
            Screen::Machine => draw_machine(f, app, body),
            Screen::Destination => crate::destination::draw(f, app, body),
            Screen::Disks => draw_disks(f, app, body),
            Screen::Method => draw_method(f, app, body),
            Screen::Confirm => draw_confirm(f, app, body),
            Screen::Progress => draw_progress(f, app, body),
            Screen::Results => draw_results(f, app, body),
            Screen::Export => draw_export(f, app, body),
        }
    }
    draw_status(f, app, status);
    draw_footer(f, app, footer);
    match &app.overlay {
        Some(Overlay::Help) => draw_help(f, app, body),
        Some(Overlay::Log { scroll }) => draw_log(f, app, body, *scroll),
        Some(Overlay::Qr { job }) => draw_qr_full(f, app, area, *job),
        None => {}
    }
    if let Some(m) = &app.modal {
        draw_modal(f, app, area, m);
    }
}

/// "label : value" with the language's colon.
fn labelled(app: &App, label: &str, value: &str) -> String {
    format!("{label}{}{value}", app.t(T::Colon))
}

fn draw_header(f: &mut Frame, app: &App, area: Rect) {
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

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
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
        v.push((k("Q"), app.t(T::ActQuit)));
        v.push((k("F1"), app.t(T::ActHelp)));
        return v;
    }
    match app.screen {
        Screen::Language => {
            v.push((tk(T::KeyArrows), app.t(T::ActChoose)));
            v.push((tk(T::KeyEnter), app.t(T::ActContinue)));
            v.push((k("Q"), app.t(T::ActQuit)));
        }
        Screen::Setup => {
            v.push((tk(T::KeyTab), app.t(T::ActNextField)));
            v.push((tk(T::KeyEnter), app.t(T::ActSave)));
            v.push((tk(T::KeyEsc), app.t(T::ActDemo)));
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
    v.push((k("F1"), app.t(T::ActHelp)));
    v
}

fn draw_footer(f: &mut Frame, app: &App, area: Rect) {
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

/// Greedy word wrap (character counts: every console glyph is one column).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let wl = word.chars().count();
            let ll = line.chars().count();
            if ll > 0 && ll + 1 + wl > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            if wl > width {
                // A word longer than the line (a path): cut it in pieces.
                let chars: Vec<char> = word.chars().collect();
                for chunk in chars.chunks(width) {
                    if !line.is_empty() {
                        out.push(std::mem::take(&mut line));
                    }
                    line = chunk.iter().collect();
                }
            } else {
                line.push_str(word);
            }
        }
        out.push(line);
    }
    out
}

fn draw_station(f: &mut Frame, app: &App, area: Rect) {
    let w = area.width.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = vec![Line::raw("")];
    let mut add = |text: &str, style: Style| {
        for l in wrap(text, w) {
            lines.push(Line::styled(format!("  {l}"), style));
        }
        lines.push(Line::raw(""));
    };
    match &app.station {
        StationState::Opening | StationState::Open(_) => add(app.t(T::Opening), prompt_style()),
        StationState::Busy { attempts } => {
            add(app.t(T::BusyText), prompt_style().fg(Color::LightRed));
            add(app.t(T::BusyWhat), bold());
            add(&app.tf(T::BusyRetry, &[attempts]), Style::default());
        }
        StationState::Failed(p) => {
            let mut lines_of = p.lines(app.lang).into_iter();
            if let Some(head) = lines_of.next() {
                add(&clean(&head), prompt_style().fg(Color::LightRed));
            }
            // The detail keeps its own line breaks (a TOML error points at a column).
            let detail: Vec<String> = lines_of.map(|l| clean(&l)).collect();
            if !detail.is_empty() {
                add(&detail.join("\n"), Style::default());
            }
            add(app.t(T::StationFailedWhat), bold());
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_language(f: &mut Frame, app: &App, area: Rect) {
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

fn draw_operator(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::OpPrompt), area);
    let w = area.width as usize;
    let ops: Vec<String> = app
        .summary()
        .map(|s| s.operators.iter().map(|(_, n)| clean(n)).collect())
        .unwrap_or_default();
    let mut lines: Vec<Line> = Vec::new();
    let list_focused = app.op_field == OpField::List;
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

fn kv(label: &str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {} : ", pad(label, 16)), bold()),
        Span::styled(value, style),
    ])
}

fn opt(app: &App, v: &Option<String>) -> String {
    v.as_deref()
        .map(clean)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| app.t(T::Unknown).to_string())
}

fn draw_machine(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::MachPrompt), area);
    let Some(s) = app.summary() else { return };
    let inv = &s.inventory;
    let lang = app.lang;
    let n = Style::default();
    let mut lines = Vec::new();
    lines.push(kv(
        app.t(T::MachWorkshop),
        clean(&format!("{} ({})", s.workshop_name, s.station_id)),
        n,
    ));
    let who = if app.op_other() {
        clean(app.op.name.trim())
    } else {
        s.operators
            .get(app.op.cursor)
            .map(|o| clean(&o.1))
            .unwrap_or_default()
    };
    let dash = app.t(T::NotRecorded);
    let or_dash = |v: &str| {
        if v.trim().is_empty() {
            dash.to_string()
        } else {
            clean(v.trim())
        }
    };
    lines.push(kv(
        app.t(T::MachOperator),
        format!(
            "{who}   {}   {}",
            labelled(app, app.t(T::MachAsset), &or_dash(&app.op.asset)),
            labelled(app, app.t(T::MachLot), &or_dash(&app.op.lot))
        ),
        n,
    ));
    lines.push(Line::raw(""));
    lines.push(kv(
        app.t(T::MachManufacturer),
        opt(app, &inv.manufacturer),
        n,
    ));
    let model = match (&inv.product, &inv.version) {
        (Some(p), Some(v)) if !v.trim().is_empty() && v.trim() != p.trim() => {
            Some(format!("{p} ({v})"))
        }
        (p, _) => p.clone(),
    };
    lines.push(kv(app.t(T::MachModel), opt(app, &model), n));
    lines.push(kv(app.t(T::MachSerial), opt(app, &inv.serial), n));
    lines.push(kv(app.t(T::MachCpu), opt(app, &inv.cpu_model), n));
    lines.push(kv(
        app.t(T::MachMemory),
        app.tf(
            T::MemoryValue,
            &[&crate::fmt::size(lang, inv.memory_bytes), &inv.cpu_threads],
        ),
        n,
    ));
    lines.push(kv(
        app.t(T::MachFirmware),
        app.t(match inv.firmware {
            FirmwareKind::Uefi => T::FwUefi,
            FirmwareKind::Bios => T::FwBios,
        })
        .to_string(),
        n,
    ));
    let (sb, sb_style) = match inv.secure_boot {
        SecureBootState::Enabled => (T::SbEnabled, Style::default().fg(Color::LightGreen)),
        SecureBootState::Disabled => (T::SbDisabled, Style::default().fg(Color::LightYellow)),
        SecureBootState::SetupMode => (T::SbSetup, Style::default().fg(Color::LightYellow)),
        SecureBootState::NotApplicable => (T::SbNa, n),
        SecureBootState::Unknown => (T::Unknown, n),
    };
    lines.push(kv(
        app.t(T::MachSecureBoot),
        app.t(sb).to_string(),
        sb_style,
    ));
    lines.push(Line::raw(""));
    let (net, net_style) = match &app.net {
        NetState::Up { iface, ip } => (
            app.tf(T::NetUp, &[&clean(iface), &clean(ip)]),
            Style::default().fg(Color::LightGreen),
        ),
        NetState::Down => (
            app.t(T::NetDown).to_string(),
            Style::default().fg(Color::LightYellow),
        ),
        NetState::Unknown => (app.t(T::NetUnknown).to_string(), n),
    };
    lines.push(kv(app.t(T::MachNetwork), net, net_style));
    let (reg, reg_style) = match (&app.registry, &s.registry_url) {
        (_, None) | (RegistryState::NotConfigured, _) => (app.t(T::RegNone).to_string(), n),
        (RegistryState::Checking, Some(u)) => {
            (format!("{}  {}", clean(u), app.t(T::RegChecking)), n)
        }
        (RegistryState::Reachable, Some(u)) => (
            format!("{}  {}", clean(u), app.t(T::RegOk)),
            Style::default().fg(Color::LightGreen),
        ),
        (RegistryState::Unreachable(e), Some(u)) => (
            format!("{}  {}", clean(u), app.tf(T::RegFail, &[&clean(e)])),
            Style::default().fg(Color::LightYellow),
        ),
    };
    lines.push(kv(app.t(T::MachRegistry), reg, reg_style));
    if let Some(w) = app.receipts.warning(app.lang) {
        for l in wrap(&w, area.width.saturating_sub(4) as usize) {
            lines.push(Line::styled(
                format!("  {l}"),
                Style::default()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD),
            ));
        }
    }
    let dir = clean(&s.data_dir.display().to_string());
    let (store, store_style) = match s.persistent {
        Some(true) => (app.tf(T::DataPersistent, &[&dir]), n),
        Some(false) => (
            app.t(T::DataRam).to_string(),
            Style::default()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
        ),
        None => (app.tf(T::DataDir, &[&dir]), n),
    };
    lines.push(kv(app.t(T::MachStorage), store, store_style));
    lines.push(kv(
        app.t(T::MachOutbox),
        app.tf(T::CertCount, &[&s.outbox]),
        n,
    ));
    lines.extend(crate::storage_view::machine_lines(
        app.lang,
        app.storage.as_ref(),
        kv,
    ));
    if let Some(problem) = &s.boot_medium {
        lines.push(Line::raw(""));
        for l in wrap(
            &app.tf(T::BootMediumProblem, &[&clean(problem)]),
            area.width.saturating_sub(4) as usize,
        ) {
            lines.push(Line::styled(
                format!("  {l}"),
                Style::default()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD),
            ));
        }
    }
    if !s.recovered.is_empty() {
        lines.push(Line::raw(""));
        for l in wrap(
            &app.tf(T::Interrupted, &[&s.recovered.len()]),
            area.width.saturating_sub(4) as usize,
        ) {
            lines.push(Line::styled(
                format!("  {l}"),
                Style::default().fg(Color::LightRed),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}

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

fn draw_disks(f: &mut Frame, app: &App, area: Rect) {
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
    ));
    if app.disks.is_empty() {
        lines.push(Line::raw(format!("  {}", app.t(T::NoDisks))));
        f.render_widget(Paragraph::new(lines), rest);
        return;
    }
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
    let head = Line::styled(cut(&header, w), bold().add_modifier(Modifier::UNDERLINED));
    // Rows (with their note line), then a detail block for the cursor row.
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
        let note = if d.info.protected {
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
        };
        if let Some((text, style)) = note {
            rows.push(Line::styled(cut(&format!("      {text}"), w), style));
        }
    }
    // Detail of the cursor row.
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
    let avail = (rest.height as usize).saturating_sub(1 + lines.len() + detail.len());
    let start = (cursor_line + 2).saturating_sub(avail);
    let mut all = lines;
    all.push(head);
    all.extend(rows.into_iter().skip(start).take(avail));
    all.extend(detail);
    f.render_widget(Paragraph::new(all), rest);
}

fn draw_method(f: &mut Frame, app: &App, area: Rect) {
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
        let chosen = p.method_id == c.id;
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
    // Reason of the highlighted entry and the verification policy, kept at the bottom.
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
    let avail = (rest.height as usize).saturating_sub(lines.len() + footer.len());
    let start = (app.method_cursor + 1).saturating_sub(avail);
    lines.extend(items.into_iter().skip(start).take(avail));
    let pad_lines = (rest.height as usize).saturating_sub(lines.len() + footer.len());
    lines.extend(std::iter::repeat_n(Line::raw(""), pad_lines));
    lines.extend(footer);
    f.render_widget(Paragraph::new(lines), rest);
}

fn draw_confirm(f: &mut Frame, app: &App, area: Rect) {
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

/// `[████░░░░]` of `width` characters.
pub fn bar(fraction: Option<f64>, width: usize) -> String {
    let inner = width.saturating_sub(2);
    let filled = fraction
        .map(|f| ((f.clamp(0.0, 1.0)) * inner as f64).round() as usize)
        .unwrap_or(0);
    format!("[{}{}]", "█".repeat(filled), "░".repeat(inner - filled))
}

fn draw_progress(f: &mut Frame, app: &App, area: Rect) {
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
                    &format!("   {}", labelled(app, app.t(T::ReasonLabel), &clean(e))),
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

fn draw_results(f: &mut Frame, app: &App, area: Rect) {
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

fn draw_qr_full(f: &mut Frame, app: &App, area: Rect, job: usize) {
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

fn draw_export(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::ExportPrompt), area);
    let w = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if app.export_state == ExportState::Scanning {
        lines.push(Line::raw(format!("  {}", app.t(T::ExportScanning))));
    } else if app.export_targets.is_empty() {
        lines.push(Line::raw(format!("  {}", app.t(T::ExportNone))));
    }
    for (i, tg) in app.export_targets.iter().enumerate() {
        let mark = if i == app.export_cursor { " > " } else { "   " };
        let text = cut(&format!("{mark}{}", clean(&tg.label)), w);
        let style = if i == app.export_cursor {
            cursor_style()
        } else {
            Style::default()
        };
        lines.push(Line::styled(pad(&text, w), style));
    }
    lines.push(Line::raw(""));
    let (msg, style) = match &app.export_state {
        ExportState::Running => (
            app.t(T::ExportRunning).to_string(),
            Style::default().fg(Color::LightCyan),
        ),
        ExportState::Done { count, place } => (
            app.tf(T::ExportDone, &[count, &clean(place)]),
            Style::default().fg(Color::LightGreen),
        ),
        ExportState::Failed(e) => (
            app.tf(T::ExportFailed, &[&clean(e)]),
            Style::default().fg(Color::LightRed),
        ),
        _ => (String::new(), Style::default()),
    };
    for l in wrap(&msg, w.saturating_sub(4)) {
        lines.push(Line::styled(format!("  {l}"), style));
    }
    f.render_widget(Paragraph::new(lines), rest);
}

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

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(f: &mut Frame, app: &App, area: Rect) {
    let width = area.width.saturating_sub(4).max(20);
    let inner_w = width.saturating_sub(4) as usize;
    let extra = (app.screen == Screen::Disks && app.overlay.is_none() && !app.station_blocks())
        .then_some(T::HelpRaid);
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

fn draw_log(f: &mut Frame, app: &App, area: Rect, scroll: usize) {
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

fn draw_modal(f: &mut Frame, app: &App, area: Rect, m: &Modal) {
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

    #[test]
    fn bars() {
        assert_eq!(bar(Some(0.5), 6), "[██░░]");
        assert_eq!(bar(None, 4), "[░░]");
        assert_eq!(bar(Some(2.0), 4), "[██]");
    }
}
