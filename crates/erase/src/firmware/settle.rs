//! Waiting for a sanitize that was already running when the job started (an interrupted job, a
//! power cut), before anything is read from the disk.
//!
//! A drive refuses host reads while it sanitizes (ACS SANITIZE Device state SD2, NVMe Sanitize
//! In Progress), and the fingerprints the verification compares with would then be unreadable,
//! proving nothing. So the job waits here, polling the drive's own status, until the operation
//! has ended one way or the other; what it ended with is a note (the executor that follows
//! decides what to do with a failed state).

use ardoise_disk::ata::SanitizeState;
use ardoise_disk::nvme::SanitizeStatusValue;
use ardoise_disk::Commands;

use super::{ata, nvme, poll_until, FirmwareContext, FirmwareOutcome};
use crate::outcome::{Exception, ExceptionCode};

/// How the wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Nothing was running.
    Idle,
    /// An operation was running and has ended; the notes say how.
    Waited(Vec<String>),
    /// The device vanished or the technician cancelled meanwhile.
    Stopped(Exception),
}

/// Waits for a sanitize already running on the drive (ATA and NVMe, whose status can be read
/// without touching the medium). Other command sets have nothing to wait for here.
pub fn wait_for_running_sanitize(
    commands: &mut Commands,
    ctx: &mut FirmwareContext<'_>,
) -> Settled {
    let what = "the sanitize that was already running";
    let (mut notes, ended) = match commands {
        Commands::Ata(dev) => match dev.sanitize_status(false) {
            Ok(st) if st.state == SanitizeState::InProgress => {
                let mut notes = vec![format!(
                    "a sanitize started earlier was running ({}); ardoise waited for it to end before reading the disk",
                    ata::describe_sanitize_status(&st)
                )];
                let mut ambiguous = false;
                let out = poll_until(ctx, what, None, &mut notes, |_| {
                    ata::poll_sanitize(dev, what, true, &mut ambiguous)
                });
                (notes, out)
            }
            _ => return Settled::Idle,
        },
        Commands::Nvme { controller, .. } => match controller.sanitize_status() {
            Ok(log) if log.status() == SanitizeStatusValue::InProgress => {
                let mut notes = vec![format!(
                    "a sanitize started earlier was running ({}); ardoise waited for it to end before reading the disk",
                    nvme::describe_sanitize_log(&log)
                )];
                let budget = nvme::estimate(&log);
                let out = poll_until(ctx, what, budget, &mut notes, |_| {
                    nvme::poll_log(controller, what, None, true, &mut false)
                });
                (notes, out)
            }
            _ => return Settled::Idle,
        },
        _ => return Settled::Idle,
    };
    finish(&mut notes, ended)
}

fn finish(notes: &mut Vec<String>, ended: FirmwareOutcome) -> Settled {
    if let Some(stop) = ended
        .exceptions
        .iter()
        .find(|e| matches!(e.code, ExceptionCode::DeviceGone | ExceptionCode::Cancelled))
    {
        return Settled::Stopped(stop.clone());
    }
    notes.extend(ended.notes);
    notes.push(format!(
        "the earlier operation ended: {}",
        ended.device_status
    ));
    for e in ended.exceptions {
        notes.push(format!("the earlier operation: {}", e.detail));
    }
    Settled::Waited(std::mem::take(notes))
}
