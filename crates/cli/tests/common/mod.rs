//! Running the `ardoise` binary from integration tests.
#![allow(dead_code)]

use std::process::{Command, Output};

/// The binary, with the live image's environment removed so that tests never act as if they ran
/// on the live system.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ardoise"));
    c.env_remove("ARDOISE_BOOT_MODE")
        .env_remove("ARDOISE_DATA_DIR")
        .env_remove("ARDOISE_DATA_PERSISTENT");
    c
}

pub fn ardoise(args: &[&str]) -> Output {
    bin().args(args).output().expect("run ardoise")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}
