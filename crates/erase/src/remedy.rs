//! The remedy for a drive whose BIOS froze its security commands at boot: a suspend-to-RAM
//! cycle. The drive loses power and comes back unfrozen (the BIOS does not run its boot code on
//! resume, on most machines); the state must then be read again (docs/standards.md §1.5).
//!
//! [`suspend_cycle`] arms the RTC wake alarm (`/sys/class/rtc/rtc0/wakealarm`: "0" to clear,
//! then "+N" seconds) and writes "mem" to `/sys/power/state`, which returns after the resume.
//! Everything is relative to a `sys_root` so that tests run it against a fake directory: a test
//! never suspends the machine it runs on. For simulated disks the equivalent is
//! [`ardoise_disk::sim::SimDisk::power_cycle`]; [`power_cycle_drive`] picks the right one.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ardoise_disk::OpenedDisk;
use serde::{Deserialize, Serialize};

/// The shortest wake-up delay accepted: if the alarm fires before the machine has finished
/// suspending, it sleeps until someone presses a key.
pub const MIN_WAKE_AFTER: Duration = Duration::from_secs(5);

/// Why a suspend cycle could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RemedyError {
    /// The kernel offers no suspend to RAM (`mem` is missing from `power/state` in sysfs).
    #[error("suspend to RAM is not available: {0}")]
    NotAvailable(String),
    /// No RTC wake alarm could be set: the machine would stay asleep.
    #[error("no RTC wake alarm ({0}): the machine would not wake up by itself")]
    NoWakeAlarm(String),
    /// The wake-up delay asked for is below [`MIN_WAKE_AFTER`].
    #[error("the wake-up delay must be at least {} s", MIN_WAKE_AFTER.as_secs())]
    TooShort,
    /// A sysfs file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// What the suspend cycle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspendReport {
    /// Seconds between the suspend and the RTC wake-up.
    pub wake_after_secs: u64,
    /// The suspend variant in force (`deep`, `s2idle`...), when the kernel says.
    pub mem_sleep: Option<String>,
    /// What was done and observed, step by step.
    pub notes: Vec<String>,
}

fn read(path: &Path) -> Result<String, RemedyError> {
    fs::read_to_string(path).map_err(|source| RemedyError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, value: &str) -> Result<(), RemedyError> {
    fs::write(path, value).map_err(|source| RemedyError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The selected entry of a sysfs list such as `s2idle [deep]`.
fn selected(list: &str) -> Option<String> {
    list.split_whitespace()
        .find(|w| w.starts_with('[') && w.ends_with(']'))
        .map(|w| w.trim_matches(['[', ']']).to_string())
}

/// Suspends the machine to RAM and wakes it after `wake_after` with the RTC alarm. Returns once
/// the machine is back. `sys_root` is `/sys` on a live system.
pub fn suspend_cycle(sys_root: &Path, wake_after: Duration) -> Result<SuspendReport, RemedyError> {
    if wake_after < MIN_WAKE_AFTER {
        return Err(RemedyError::TooShort);
    }
    let secs = wake_after.as_secs() + u64::from(wake_after.subsec_nanos() > 0);
    let state = sys_root.join("power/state");
    let states = read(&state)?;
    if !states.split_whitespace().any(|s| s == "mem") {
        return Err(RemedyError::NotAvailable(format!(
            "{} offers \"{}\"",
            state.display(),
            states.trim()
        )));
    }
    let mut notes = Vec::new();
    // "mem" means whatever /sys/power/mem_sleep selects; only "deep" (S3) cuts the drives' power
    // for sure, suspend-to-idle may leave them powered.
    let mem_sleep_path = sys_root.join("power/mem_sleep");
    let mut mem_sleep = None;
    if mem_sleep_path.exists() {
        let list = read(&mem_sleep_path)?;
        let offers_deep = list
            .split_whitespace()
            .any(|w| w.trim_matches(['[', ']']) == "deep");
        mem_sleep = selected(&list);
        if offers_deep && mem_sleep.as_deref() != Some("deep") {
            write(&mem_sleep_path, "deep")?;
            notes.push(format!(
                "selected deep suspend (S3) instead of {}",
                mem_sleep.as_deref().unwrap_or("the default")
            ));
            mem_sleep = Some("deep".into());
        } else if !offers_deep {
            notes.push(format!(
                "this machine only offers \"{}\": suspend-to-idle may not cut the drives' power, so they may stay frozen",
                list.trim()
            ));
        }
    }
    let alarm = sys_root.join("class/rtc/rtc0/wakealarm");
    if !alarm.exists() {
        return Err(RemedyError::NoWakeAlarm(alarm.display().to_string()));
    }
    // Clear any earlier alarm first: the kernel refuses a new one while one is set.
    write(&alarm, "0")?;
    write(&alarm, &format!("+{secs}"))?;
    notes.push(format!("RTC wake alarm set {secs} s ahead"));
    // Blocks until the machine is back (on a live system).
    write(&state, "mem")?;
    Ok(SuspendReport {
        wake_after_secs: secs,
        mem_sleep,
        notes,
    })
}

/// Power-cycles the drive of `disk`: a simulated disk is power-cycled directly, a real one by a
/// suspend cycle of the whole machine (every drive loses power). Read the drive's state again
/// afterwards.
pub fn power_cycle_drive(
    disk: &OpenedDisk,
    sys_root: &Path,
    wake_after: Duration,
) -> Result<SuspendReport, RemedyError> {
    if let Some(sim) = &disk.sim {
        sim.power_cycle();
        return Ok(SuspendReport {
            wake_after_secs: 0,
            mem_sleep: None,
            notes: vec!["simulated disk: power-cycled like a suspend and resume".into()],
        });
    }
    suspend_cycle(sys_root, wake_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_sys(states: &str, mem_sleep: Option<&str>, alarm: bool) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("power")).unwrap();
        fs::write(d.path().join("power/state"), states).unwrap();
        if let Some(m) = mem_sleep {
            fs::write(d.path().join("power/mem_sleep"), m).unwrap();
        }
        if alarm {
            fs::create_dir_all(d.path().join("class/rtc/rtc0")).unwrap();
            fs::write(d.path().join("class/rtc/rtc0/wakealarm"), "").unwrap();
        }
        d
    }

    #[test]
    fn writes_the_alarm_then_mem_and_prefers_deep() {
        let sys = fake_sys("freeze mem disk\n", Some("[s2idle] deep\n"), true);
        let r = suspend_cycle(sys.path(), Duration::from_millis(9500)).unwrap();
        assert_eq!(r.wake_after_secs, 10);
        assert_eq!(r.mem_sleep.as_deref(), Some("deep"));
        // The last values written (a fake sysfs keeps them as plain files).
        assert_eq!(
            fs::read_to_string(sys.path().join("class/rtc/rtc0/wakealarm")).unwrap(),
            "+10"
        );
        assert_eq!(
            fs::read_to_string(sys.path().join("power/state")).unwrap(),
            "mem"
        );
        assert_eq!(
            fs::read_to_string(sys.path().join("power/mem_sleep")).unwrap(),
            "deep"
        );
    }

    #[test]
    fn refuses_without_mem_or_alarm_or_with_a_short_delay() {
        let sys = fake_sys("freeze disk\n", None, true);
        assert!(matches!(
            suspend_cycle(sys.path(), Duration::from_secs(10)),
            Err(RemedyError::NotAvailable(_))
        ));
        // Nothing was written to the state file.
        assert_eq!(
            fs::read_to_string(sys.path().join("power/state")).unwrap(),
            "freeze disk\n"
        );
        let sys = fake_sys("freeze mem\n", None, false);
        assert!(matches!(
            suspend_cycle(sys.path(), Duration::from_secs(10)),
            Err(RemedyError::NoWakeAlarm(_))
        ));
        assert_eq!(
            fs::read_to_string(sys.path().join("power/state")).unwrap(),
            "freeze mem\n"
        );
        assert!(matches!(
            suspend_cycle(sys.path(), Duration::from_secs(1)),
            Err(RemedyError::TooShort)
        ));
    }

    #[test]
    fn suspend_to_idle_only_is_said() {
        let sys = fake_sys("freeze mem\n", Some("[s2idle]\n"), true);
        let r = suspend_cycle(sys.path(), Duration::from_secs(5)).unwrap();
        assert_eq!(r.mem_sleep.as_deref(), Some("s2idle"));
        assert!(r.notes[0].contains("may not cut"), "{:?}", r.notes);
    }
}
