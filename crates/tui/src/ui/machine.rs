//! Step 3: the machine, the station and its connections.

use ardoise_disk::inventory::{FirmwareKind, MachineInventory, SecureBootState};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::widgets::{kv, kv_wrapped, labelled, opt, prompt, wrap};
use crate::app::App;
use crate::fmt::clean;
use crate::i18n::T;
use crate::screen_data::{NetState, RegistryState, StationSummary};

pub(super) fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::MachPrompt), area);
    let Some(s) = app.summary() else { return };
    let width = area.width.saturating_sub(4) as usize;
    let mut connection = connection_lines(app, s, width);
    connection.extend(station_lines(app, s, width));
    let sections = [
        who_lines(app, s),
        hardware_lines(app, &s.inventory),
        connection,
    ];
    let warnings = warning_lines(app, s, width);
    // Warnings (hidden disks, a lost boot medium) must be read whole: on a small screen the
    // blank lines between the sections go before anything is cut.
    let rows = |lines: &[Line]| -> usize {
        let w = (rest.width as usize).max(1);
        lines.iter().map(|l| l.width().max(1).div_ceil(w)).sum()
    };
    let needed = sections.iter().map(|s| rows(s)).sum::<usize>() + rows(&warnings);
    let mut spare = (rest.height as usize).saturating_sub(needed);
    let mut lines = Vec::new();
    for (i, section) in sections.into_iter().enumerate() {
        if i > 0 && spare > 0 {
            lines.push(Line::raw(""));
            spare -= 1;
        }
        lines.extend(section);
    }
    lines.extend(warnings);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}

/// The workshop and station, the operator, asset tag and lot.
fn who_lines(app: &App, s: &StationSummary) -> Vec<Line<'static>> {
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
    lines
}

/// What the machine is: maker, model, serial, processor, memory, firmware, secure boot.
fn hardware_lines(app: &App, inv: &MachineInventory) -> Vec<Line<'static>> {
    let lang = app.lang;
    let n = Style::default();
    let mut lines = Vec::new();
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
            // Memory is counted in binary units, as it is sold (and as the destination
            // screen shows it): one formatter, one figure.
            &[
                &crate::fmt::memory_size(lang, crate::screen_data::machine_memory_bytes(inv)),
                &inv.cpu_threads,
            ],
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
    lines
}

/// The network, the registry, and whether receipts are checked.
fn connection_lines(app: &App, s: &StationSummary, width: usize) -> Vec<Line<'static>> {
    let n = Style::default();
    let mut lines = Vec::new();
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
        for l in wrap(&w, width) {
            lines.push(Line::styled(
                format!("  {l}"),
                Style::default()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD),
            ));
        }
    }
    lines
}

/// Where the certificates are kept, how many wait to be uploaded, and the storage controllers.
fn station_lines(app: &App, s: &StationSummary, width: usize) -> Vec<Line<'static>> {
    let n = Style::default();
    let mut lines = Vec::new();
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
        width,
        |label, value, style| kv_wrapped(label, value, style, width),
    ));
    lines
}

/// A boot medium that cannot be found, and erasures interrupted earlier.
fn warning_lines(app: &App, s: &StationSummary, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(problem) = &s.boot_medium {
        lines.push(Line::raw(""));
        for l in wrap(&app.tf(T::BootMediumProblem, &[&clean(problem)]), width) {
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
        for l in wrap(&app.tf(T::Interrupted, &[&s.recovered.len()]), width) {
            lines.push(Line::styled(
                format!("  {l}"),
                Style::default().fg(Color::LightRed),
            ));
        }
    }
    lines
}
