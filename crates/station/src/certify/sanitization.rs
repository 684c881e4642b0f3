//! The certificate's `sanitization` record: the level asked for and reached, each step the
//! drive or the host ran, and the sectors that could not be written or read.

use ardoise_cert::payload as cm;
use ardoise_erase::job::ErasureReport;
use ardoise_erase::method::Level;

use super::exception_code;
use super::media::or_none;

fn level(l: Level) -> cm::Level {
    match l {
        Level::Clear => cm::Level::Clear,
        Level::Purge => cm::Level::Purge,
    }
}

pub(super) fn sanitization(report: &ErasureReport, lss: u32) -> cm::Sanitization {
    let mut steps = hidden_area_and_firmware_steps(report);
    let OverwriteRecord {
        steps: overwrite_steps,
        passes_requested,
        passes_completed,
        pattern,
        io_errors,
        unwritable,
        unwritable_lbas,
    } = OverwriteRecord::of(report, lss);
    steps.extend(overwrite_steps);
    let (unreadable_sectors, unreadable_lbas) =
        unreadable_sectors(report, lss, unwritable, unwritable_lbas);
    let achieved = report.level_achieved.map(level);
    cm::Sanitization {
        level_requested: level(report.level_requested),
        level_achieved: achieved,
        technique: report.plan.method.id(),
        reason: report.plan.reason.clone(),
        standard_claimed: achieved.map(|l| standard_claimed(l, report)),
        steps,
        passes_requested,
        passes_completed,
        pattern,
        started_at: report.started,
        ended_at: report.ended.max(report.started),
        bytes_written: report.bytes_written,
        errors: cm::ErrorCounts {
            io_errors,
            retries: 0,
            unreadable_sectors,
            unreadable_lbas,
        },
        device_status: report
            .firmware
            .last()
            .and_then(|f| or_none(&f.device_status))
            .map(|summary| cm::DeviceStatus { summary, raw: None }),
    }
}

fn step_status(completed: bool) -> cm::StepStatus {
    if completed {
        cm::StepStatus::Completed
    } else {
        cm::StepStatus::Failed
    }
}

/// The hidden-area removal, then each firmware command, in the order they ran.
fn hidden_area_and_firmware_steps(report: &ErasureReport) -> Vec<cm::SanitizationStep> {
    let mut steps = Vec::new();
    if let Some(h) = &report.hidden {
        steps.push(cm::SanitizationStep {
            technique: "hidden-area-removal".into(),
            started_at: report.started,
            ended_at: report.started,
            status: step_status(h.removed),
            device_status: h.notes.first().cloned(),
        });
    }
    for f in &report.firmware {
        steps.push(cm::SanitizationStep {
            technique: f.method.clone(),
            started_at: f.started.max(report.started),
            ended_at: f.ended.min(report.ended).max(f.started.max(report.started)),
            status: step_status(f.completed),
            device_status: or_none(&f.device_status),
        });
    }
    steps
}

/// What the host's overwrite (if any) adds: one step per pass, the pass counts, the pattern and
/// the sectors it could not write.
#[derive(Default)]
struct OverwriteRecord {
    steps: Vec<cm::SanitizationStep>,
    passes_requested: Option<u32>,
    passes_completed: Option<u32>,
    pattern: Option<String>,
    io_errors: u64,
    unwritable: u64,
    /// The first unwritable LBAs (about 100 at most).
    unwritable_lbas: Vec<u64>,
}

impl OverwriteRecord {
    fn of(report: &ErasureReport, lss: u32) -> Self {
        let Some(o) = &report.overwrite else {
            return OverwriteRecord {
                pattern: report
                    .plan
                    .method
                    .is_firmware_overwrite()
                    .then(|| "zeros (firmware overwrite, 1 pass)".into()),
                ..Default::default()
            };
        };
        let mut steps = Vec::new();
        let mut t = o.started.max(report.started);
        for p in &o.passes {
            let end = (t + time::Duration::seconds_f64(p.seconds))
                .min(report.ended)
                .max(t);
            steps.push(cm::SanitizationStep {
                technique: "overwrite".into(),
                started_at: t,
                ended_at: end,
                status: match p.status {
                    ardoise_erase::overwrite::PassStatus::Written => cm::StepStatus::Completed,
                    ardoise_erase::overwrite::PassStatus::WrittenExceptUnwritable => {
                        cm::StepStatus::Completed
                    }
                    ardoise_erase::overwrite::PassStatus::Interrupted => cm::StepStatus::Aborted,
                },
                device_status: Some(format!(
                    "pass {} of {}: {}, {} bytes written, {} unwritable sectors",
                    p.pass,
                    o.scheme.passes.len(),
                    p.pattern.describe(),
                    p.bytes_written,
                    p.unwritable_sectors
                )),
            });
            t = end;
        }
        let mut unwritable_lbas = Vec::new();
        for r in &o.unwritable {
            let first = r.offset / u64::from(lss);
            let last = (r.offset + r.len).div_ceil(u64::from(lss));
            unwritable_lbas.extend(first..last);
            if unwritable_lbas.len() >= 100 {
                break;
            }
        }
        OverwriteRecord {
            steps,
            passes_requested: Some(o.scheme.passes.len() as u32),
            passes_completed: Some(o.passes_completed),
            pattern: o.passes.last().map(|p| p.pattern.describe()),
            io_errors: o.error_count,
            unwritable: o.unwritable_sectors,
            unwritable_lbas,
        }
    }
}

/// Sectors that could not be written or read back, counted, and the first 100 LBAs among them.
fn unreadable_sectors(
    report: &ErasureReport,
    lss: u32,
    unwritable: u64,
    mut lbas: Vec<u64>,
) -> (u64, Vec<u64>) {
    let unreadable_in_verify = report
        .verification
        .as_ref()
        .map(|v| v.unreadable_bytes / u64::from(lss))
        .unwrap_or(0);
    if let Some(v) = &report.verification {
        for r in &v.unreadable {
            let first = r.offset / u64::from(lss);
            lbas.extend(first..(r.offset + r.len).div_ceil(u64::from(lss)));
        }
    }
    lbas.sort_unstable();
    lbas.dedup();
    lbas.truncate(100);
    let count = (unwritable + unreadable_in_verify).max(lbas.len() as u64);
    (count, lbas)
}

/// The NIST level reached, qualified by every exception that leaves part of the disk unshown
/// (hidden sectors, sectors out of reach, no or too little read-back evidence, sectors that
/// could not be written or read): such a certificate never claims the plain level for the whole
/// disk.
fn standard_claimed(l: cm::Level, report: &ErasureReport) -> String {
    let base = format!(
        "NIST SP 800-88 Rev. 1 {}",
        if l == cm::Level::Purge {
            "purge"
        } else {
            "clear"
        }
    );
    let mut limits: Vec<String> = Vec::new();
    for e in report
        .exceptions
        .iter()
        .filter(|e| e.code.limits_coverage())
    {
        let code = exception_code(e.code);
        if !limits.contains(&code) {
            limits.push(code);
        }
    }
    if limits.is_empty() {
        base
    } else {
        format!(
            "{base}, except what these exceptions leave out: {}",
            limits.join(", ")
        )
    }
}
