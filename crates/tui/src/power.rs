//! Powering off, only on the live system: under `--simulate`, in tests and on any machine that
//! was not booted from the ardoise image, the program only says it would and exits.

/// What "power off" does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerOffMode {
    /// `--simulate`: print and exit.
    Simulated,
    /// Not started by the live image's init: print and exit.
    NotLive,
    /// The live image: sync, then `poweroff -f`.
    Live,
}

/// The live image's init sets `ARDOISE_TERMINAL` and runs ardoise from its initramfs, where
/// `/etc/ardoise/image-digest` exists.
pub fn mode(simulate: bool) -> PowerOffMode {
    if simulate {
        return PowerOffMode::Simulated;
    }
    let live = std::env::var_os("ARDOISE_TERMINAL").is_some_and(|v| !v.is_empty())
        && std::path::Path::new("/etc/ardoise/image-digest").exists();
    if live {
        PowerOffMode::Live
    } else {
        PowerOffMode::NotLive
    }
}

/// Flushes the file systems and powers the machine off (busybox `poweroff -f` calls reboot(2)).
pub fn power_off() -> std::io::Result<()> {
    nix::unistd::sync();
    let status = std::process::Command::new("poweroff").arg("-f").status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("poweroff -f: {status}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn simulation_never_powers_off() {
        assert_eq!(super::mode(true), super::PowerOffMode::Simulated);
        // This test machine is not the live image.
        assert_ne!(super::mode(false), super::PowerOffMode::Live);
    }
}
