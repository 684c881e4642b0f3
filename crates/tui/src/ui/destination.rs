//! The destination screen: the machine's reuse facts, the suggested destination with its
//! reasons, the destination chosen and the host reset (its form and keys are in
//! `app/destination.rs`).

use ardoise_cert::payload::Destination;
use ardoise_disk::hardware::HardwareFacts;
use ardoise_station::reuse::{self, KeptPart, ReuseReason};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{prompt, wrap};
use crate::app::destination::ORDER;
use crate::app::App;
use crate::i18n::{Language, T};
use crate::screen_data::{cpu_line_label, os_name, requirement_list, ProbeState};

fn dest_word(lang: Language, d: Destination) -> &'static str {
    crate::i18n::t(
        lang,
        match d {
            Destination::Reuse => T::DestReuse,
            Destination::Parts => T::DestParts,
            Destination::Recycling => T::DestRecycling,
        },
    )
}

/// A reason in the interface's language.
pub fn reason_text(app: &App, r: &ReuseReason) -> String {
    let size = |b: u64| crate::fmt::memory_size(app.lang, b);
    match r {
        ReuseReason::OsMinimumUnmet { os, unmet } => app.tf(
            T::WhyOsUnmet,
            &[&os_name(app.lang, os), &requirement_list(app.lang, unmet)],
        ),
        ReuseReason::MemoryBelowPolicy {
            installed_bytes,
            min_gib,
        } => app.tf(T::WhyMemory, &[&size(*installed_bytes), min_gib]),
        ReuseReason::BatteryWorn {
            name,
            percent,
            min_percent,
        } => app.tf(T::WhyBatteryWorn, &[name, percent, min_percent]),
        ReuseReason::BatteryCycles { name, cycles, max } => {
            app.tf(T::WhyBatteryCycles, &[name, cycles, max])
        }
        ReuseReason::DiskFailing { name } => app.tf(T::WhyDiskFailing, &[name]),
        ReuseReason::MeetsPolicy => app.t(T::WhyMeets).to_string(),
        ReuseReason::PartsWorthKeeping { parts } => {
            let list: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    KeptPart::Memory { kind, bytes } => {
                        format!("{} {}", size(*bytes), kind.to_uppercase())
                    }
                    KeptPart::Disk { name } => app.tf(T::WhyKeptDisk, &[name]),
                })
                .collect();
            app.tf(T::WhyParts, &[&list.join(", ")])
        }
        ReuseReason::NothingWorthKeeping => app.t(T::WhyNothing).to_string(),
    }
}

/// The lines of facts: battery, memory, processor, screen, minimums.
fn fact_lines(
    app: &App,
    h: &HardwareFacts,
    inv: &ardoise_disk::inventory::MachineInventory,
) -> Vec<String> {
    let mut out = battery_facts(app, h);
    out.push(memory_fact(app, h, inv));
    out.push(cpu_fact(app, h, inv));
    out.extend(screen_fact(app, h));
    out.push(minimums_fact(app, h, inv));
    out
}

/// Each battery's health and cycles, or that there is none.
fn battery_facts(app: &App, h: &HardwareFacts) -> Vec<String> {
    let mut out = Vec::new();
    if h.batteries.is_empty() {
        out.push(app.t(T::HwNoBattery).to_string());
    }
    for b in &h.batteries {
        let health = b
            .health_percent()
            .map_or_else(|| app.t(T::Unknown).to_string(), |p| format!("{p} %"));
        let cycles = b
            .cycle_count
            .map_or_else(|| app.t(T::Unknown).to_string(), |c| c.to_string());
        out.push(app.tf(T::HwBattery, &[&b.name, &health, &cycles]));
    }
    out
}

/// The memory installed and its modules.
fn memory_fact(
    app: &App,
    h: &HardwareFacts,
    inv: &ardoise_disk::inventory::MachineInventory,
) -> String {
    let lang = app.lang;
    let installed = crate::screen_data::machine_memory_bytes(inv);
    let kinds: Vec<String> = h
        .memory_modules
        .iter()
        .map(|m| {
            let kind = m.kind.as_deref().unwrap_or("?").to_uppercase();
            // SMBIOS form factors are acronyms (DIMM, SODIMM), written as such in both languages.
            let form = m.form_factor.as_deref().unwrap_or("").to_uppercase();
            format!(
                "{} {kind} {form}",
                crate::fmt::memory_size(lang, m.size_bytes)
            )
            .trim_end()
            .to_string()
        })
        .collect();
    let modules = if kinds.is_empty() {
        app.t(T::HwNoModules).to_string()
    } else {
        kinds.join(" + ")
    };
    app.tf(
        T::HwMemory,
        &[&crate::fmt::memory_size(lang, installed), &modules],
    )
}

/// The processor and its generation.
fn cpu_fact(
    app: &App,
    h: &HardwareFacts,
    inv: &ardoise_disk::inventory::MachineInventory,
) -> String {
    let generation = match (h.cpu.line, h.cpu.generation) {
        (Some(l), Some(g)) => app.tf(T::HwGeneration, &[&cpu_line_label(app.lang, l), &g]),
        (Some(l), None) => cpu_line_label(app.lang, l).to_string(),
        _ => app.t(T::Unknown).to_string(),
    };
    let model = h
        .cpu
        .model
        .clone()
        .or_else(|| inv.cpu_model.clone())
        .unwrap_or_else(|| app.t(T::Unknown).to_string());
    app.tf(T::HwCpu, &[&crate::fmt::clean(&model), &generation])
}

/// The internal screen's diagonal and resolution, if there is one.
fn screen_fact(app: &App, h: &HardwareFacts) -> Option<String> {
    let d = h.displays.iter().find(|d| d.internal)?;
    let inches = d
        .width_mm
        .zip(d.height_mm)
        .map(|(w, hh)| ardoise_cert::host_hardware::diagonal_tenths_inch(w, hh));
    let inches = inches.map_or_else(
        || app.t(T::Unknown).to_string(),
        |t| format!("{}.{}", t / 10, t % 10),
    );
    let px = d
        .width_px
        .zip(d.height_px)
        .map_or_else(String::new, |(w, hh)| format!(", {w}x{hh}"));
    Some(app.tf(T::HwScreen, &[&inches, &px]))
}

/// Whether the machine meets the minimums of Windows 11 and Ubuntu Desktop.
fn minimums_fact(
    app: &App,
    h: &HardwareFacts,
    inv: &ardoise_disk::inventory::MachineInventory,
) -> String {
    let word = |m: &ardoise_cert::payload::HostHardware, os: &str| {
        let min = m.os_minimums.iter().find(|o| o.id == os);
        match min.and_then(|o| o.met) {
            Some(true) => app.t(T::HwMet).to_string(),
            Some(false) => app.tf(
                T::HwUnmet,
                &[&min
                    .map(|o| requirement_list(app.lang, &o.unmet))
                    .unwrap_or_default()],
            ),
            None => app.t(T::Unknown).to_string(),
        }
    };
    let facts = reuse::host_hardware(h, inv);
    app.tf(
        T::HwMinimums,
        &[
            &os_name(app.lang, reuse::WINDOWS_11),
            &word(&facts, reuse::WINDOWS_11),
            &os_name(app.lang, reuse::UBUNTU_DESKTOP),
            &word(&facts, reuse::UBUNTU_DESKTOP),
        ],
    )
}

/// The destination screen.
pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let rest = prompt(f, app.t(T::DestPrompt), area);
    let Some(s) = app.summary() else { return };
    let w = rest.width.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for l in fact_lines(app, &s.inventory.hardware, &s.inventory) {
        for part in wrap(&l, w) {
            lines.push(Line::raw(format!("  {part}")));
        }
    }
    lines.push(Line::raw(""));
    if let Some(g) = app.grade() {
        lines.push(Line::from(vec![
            Span::raw(format!("  {}", app.tf(T::DestSuggested, &[&g.policy.id]))),
            Span::styled(
                dest_word(app.lang, g.destination).to_string(),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        ]));
        for r in &g.reasons {
            for (k, part) in wrap(&reason_text(app, r), w.saturating_sub(4))
                .iter()
                .enumerate()
            {
                let bullet = if k == 0 { "-" } else { " " };
                lines.push(Line::styled(
                    format!("    {bullet} {part}"),
                    Style::default().fg(Color::Gray),
                ));
            }
        }
    }
    if app
        .disks
        .iter()
        .any(|d| matches!(d.probe, ProbeState::Pending))
        || app.scanning
    {
        lines.push(Line::styled(
            format!("  {}", app.t(T::DestProbing)),
            Style::default().fg(Color::LightCyan),
        ));
    }
    let chosen = app.destination().unwrap_or(Destination::Reuse);
    let mut spans = vec![Span::raw(format!("  {} ", app.t(T::DestChosen)))];
    for d in ORDER {
        // Brackets as well as reverse video: the choice stays readable without colours.
        spans.push(if d == chosen {
            Span::styled(
                format!("[{}]", dest_word(app.lang, d)),
                Style::default().add_modifier(Modifier::REVERSED),
            )
        } else {
            Span::raw(format!(" {} ", dest_word(app.lang, d)))
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(spans));
    lines.push(Line::raw(""));
    lines.push(Line::raw(format!("  {}", app.t(T::HrTitle))));
    let h = &app.dest.host_reset;
    for (n, (k, v)) in [
        (T::HrFirmware, h.firmware_settings_reset),
        (T::HrTpm, h.tpm_cleared),
        (T::HrBiometrics, h.biometric_templates_cleared),
        (T::HrLabels, h.labels_removed),
    ]
    .iter()
    .enumerate()
    {
        let mark = if *v == Some(true) { "[x]" } else { "[ ]" };
        lines.push(Line::raw(format!("   {} {mark} {}", n + 1, app.t(*k))));
    }
    f.render_widget(Paragraph::new(lines), rest);
}
