//! QR codes drawn with the block characters of the console font: each character cell holds two
//! modules stacked (a console cell is about twice as tall as wide, so modules come out square).
//! Light modules are drawn (the console's background is dark): `█` both, `▀` top only, `▄`
//! bottom only, space for neither. The quiet zone is drawn too, so the code reads on any
//! background.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of quiet zone around the code (the specification asks for 4; 2 is what fits an 80×25
/// screen and what phone readers and zbar accept).
pub const QUIET: usize = 2;

/// A QR code as text lines of equal width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrArt {
    /// The rows to print, two modules high each.
    pub lines: Vec<String>,
    /// Characters per line.
    pub width: usize,
    /// Modules per side, without the quiet zone.
    pub modules: usize,
}

/// The module matrix (`true` = dark) of `data`, with error correction level L (the screen is
/// clean; a small code fits the console).
pub fn matrix(data: &str) -> Result<Vec<Vec<bool>>, String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)
        .map_err(|e| e.to_string())?;
    let w = code.width();
    let colors = code.to_colors();
    Ok((0..w)
        .map(|y| (0..w).map(|x| colors[y * w + x] == Color::Dark).collect())
        .collect())
}

/// Draws `data` with a quiet zone of `quiet` modules.
pub fn render(data: &str, quiet: usize) -> Result<QrArt, String> {
    let m = matrix(data)?;
    Ok(render_matrix(&m, quiet))
}

/// Draws a module matrix (`true` = dark).
pub fn render_matrix(m: &[Vec<bool>], quiet: usize) -> QrArt {
    let n = m.len();
    let side = n + 2 * quiet;
    // Light outside the code (quiet zone, and the half row below an odd height).
    let light = |x: usize, y: usize| -> bool {
        if x < quiet || y < quiet || x >= quiet + n || y >= quiet + n {
            true
        } else {
            !m[y - quiet][x - quiet]
        }
    };
    let mut lines = Vec::with_capacity(side.div_ceil(2));
    for row in (0..side).step_by(2) {
        let line: String = (0..side)
            .map(
                |x| match (light(x, row), row + 1 >= side || light(x, row + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                },
            )
            .collect();
        lines.push(line);
    }
    QrArt {
        lines,
        width: side,
        modules: n,
    }
}

/// Reads drawn lines back into light/dark pixels (`true` = dark), two rows per line: what a
/// screen shows, for tests that decode captures.
pub fn lines_to_pixels(lines: &[String]) -> Vec<Vec<bool>> {
    let mut out = Vec::new();
    for l in lines {
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for c in l.chars() {
            let (t, b) = match c {
                '█' => (false, false),
                '▀' => (false, true),
                '▄' => (true, false),
                _ => (true, true),
            };
            top.push(t);
            bottom.push(b);
        }
        out.push(top);
        out.push(bottom);
    }
    out
}

/// A binary PGM image of pixels (`true` = dark), `scale` image pixels per module, with a white
/// margin of `margin` modules: what `zbarimg` reads in tests.
pub fn pixels_to_pgm(pixels: &[Vec<bool>], scale: usize, margin: usize) -> Vec<u8> {
    let h = pixels.len();
    let w = pixels.iter().map(|r| r.len()).max().unwrap_or(0);
    let (iw, ih) = ((w + 2 * margin) * scale, (h + 2 * margin) * scale);
    let mut out = format!("P5\n{iw} {ih}\n255\n").into_bytes();
    for py in 0..ih {
        for px in 0..iw {
            let (x, y) = (px / scale, py / scale);
            let dark = y >= margin
                && x >= margin
                && pixels
                    .get(y - margin)
                    .and_then(|r| r.get(x - margin))
                    .copied()
                    .unwrap_or(false);
            out.push(if dark { 0 } else { 255 });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str =
        "https://registre.example.org/c/5f0c6a1e9b2d4c8a7e3f1b0d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e";

    #[test]
    fn the_drawing_reads_back_as_the_same_modules() {
        let m = matrix(URL).unwrap();
        let art = render_matrix(&m, QUIET);
        assert!(art.lines.iter().all(|l| l.chars().count() == art.width));
        let px = lines_to_pixels(&art.lines);
        for (y, row) in m.iter().enumerate() {
            for (x, &dark) in row.iter().enumerate() {
                assert_eq!(px[y + QUIET][x + QUIET], dark, "module {x},{y}");
            }
        }
        // The quiet zone is light.
        assert!(px[0].iter().all(|d| !d));
        assert!(px.iter().all(|r| !r[0]));
    }

    #[test]
    fn a_registry_url_fits_the_results_screen() {
        let art = render(URL, QUIET).unwrap();
        assert!(art.width <= 41, "{}", art.width);
        assert!(art.lines.len() <= 21, "{}", art.lines.len());
    }

    /// The drawing decodes with zbar (zbar-tools, `make deps`), as a phone would read it.
    #[test]
    fn zbar_decodes_the_drawing() {
        let art = render(URL, QUIET).unwrap();
        let pgm = pixels_to_pgm(&lines_to_pixels(&art.lines), 6, 2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qr.pgm");
        std::fs::write(&path, pgm).unwrap();
        let out = std::process::Command::new("zbarimg")
            .args(["-q", "--raw"])
            .arg(&path)
            .output()
            .expect("zbarimg (package zbar-tools) is needed by this test");
        assert!(out.status.success(), "zbarimg found no code: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), URL);
    }
}
