//! Finds the Unicode fonts the donor PDF embeds (subsets of them) and copies them into
//! OUT_DIR: DejaVu Sans (Latin, Greek, Cyrillic, Arabic; Debian `fonts-dejavu-core`, free
//! licence) and Droid Sans Fallback (CJK; `fonts-droid-fallback`, Apache-2.0). Override the
//! paths with ARDOISE_FONT_SANS and ARDOISE_FONT_CJK. A missing font gives an empty file and
//! a build warning: the report then prints `?` for what it cannot draw, and the tests that
//! need the fonts fail (`make deps` installs them).

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for (var, default, name) in [
        (
            "ARDOISE_FONT_SANS",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "sans.ttf",
        ),
        (
            "ARDOISE_FONT_CJK",
            "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
            "cjk.ttf",
        ),
    ] {
        println!("cargo:rerun-if-env-changed={var}");
        let path = std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(default).to_path_buf());
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            println!(
                "cargo:warning=PDF font {} not found ({e}): the donor PDF will print ? for the characters it covers; apt-get install fonts-dejavu-core fonts-droid-fallback",
                path.display()
            );
            Vec::new()
        });
        std::fs::write(out.join(name), bytes).expect("write the font into OUT_DIR");
    }
}
