//! Exit codes, stable for scripts (documented in `ardoise --help`).

/// An error stopped the command (I/O, internal).
pub const FAILURE: u8 = 1;
/// Invalid usage (unknown option, missing argument).
pub const USAGE: u8 = 2;
/// Refused: the device is protected, is not the disk that was described (it changed between
/// the description and the exclusive open), or the requested method is not supported by it.
pub const REFUSED: u8 = 3;
/// `erase`: finished with exceptions (`erased_with_exceptions`).
pub const WITH_EXCEPTIONS: u8 = 4;
/// `erase`: not erased (the erase or its verification failed).
pub const NOT_ERASED: u8 = 5;
/// `verify`: at least one certificate failed a check; `log check`: the log is not consistent
/// with the state.
pub const INVALID_CERTIFICATE: u8 = 6;
/// The certificate could not be stored or would be refused (data directory missing, read-only
/// or full; a setting or key identity a certificate cannot carry).
pub const CANNOT_STORE: u8 = 7;
/// `auto`: every disk it saw is erased, but some disks of the machine are not visible (a
/// storage controller without driver, or in RAID mode).
pub const DISKS_NOT_VISIBLE: u8 = 8;

pub const EXIT_CODES_HELP: &str = "\
Exit status:
  0  success (erase: the disk is erased)
  1  an error stopped the command
  2  invalid usage
  3  refused: the device is protected, is not the disk described, or the method is not supported by it
  4  erase finished with exceptions (erased_with_exceptions)
  5  not erased: the erase or its verification failed
  6  verify: at least one certificate failed a check; log check: the log is not consistent
  7  the certificate could not be stored or would be refused (data directory missing,
     read-only or full; a setting or the key's identity a certificate cannot carry)
  8  auto: some disks of the machine are not visible (controller without driver, or in RAID mode)";

#[cfg(test)]
mod tests {
    #[test]
    fn help_lists_every_code() {
        for code in [
            0,
            super::FAILURE,
            super::USAGE,
            super::REFUSED,
            super::WITH_EXCEPTIONS,
            super::NOT_ERASED,
            super::INVALID_CERTIFICATE,
            super::DISKS_NOT_VISIBLE,
            super::CANNOT_STORE,
        ] {
            assert!(
                super::EXIT_CODES_HELP.contains(&format!("\n  {code}  ")),
                "{code}"
            );
        }
    }
}
