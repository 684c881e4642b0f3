//! Displays from the EDID of each connected DRM connector (`/sys/class/drm/card*-*/edid`),
//! VESA E-EDID 1.3/1.4 base block: the image size in mm from the first detailed timing
//! descriptor (bytes 66-68 of the block), else the screen size in cm (bytes 21-22), and the
//! native resolution from that descriptor.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::system::read_attr;

/// One display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayFacts {
    /// DRM connector name (`eDP-1`, `HDMI-A-1`).
    pub connector: String,
    /// A built-in panel (eDP, LVDS or DSI connector).
    pub internal: bool,
    /// Image width in mm (from the first detailed timing, else the screen size in cm × 10).
    pub width_mm: Option<u32>,
    /// Image height in mm, as the width.
    pub height_mm: Option<u32>,
    /// Native horizontal resolution in pixels.
    pub width_px: Option<u32>,
    /// Native vertical resolution in pixels.
    pub height_px: Option<u32>,
}

const HEADER: [u8; 8] = [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00];

/// Every connected display with a readable EDID, by connector.
pub fn read_displays(sys_root: &Path) -> Vec<DisplayFacts> {
    let dir = sys_root.join("class/drm");
    let mut out: Vec<DisplayFacts> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let path = e.path();
                    let name = e.file_name().to_string_lossy().into_owned();
                    // `card0-eDP-1`: a connector (`card0` alone is the device).
                    let connector = name.split_once('-')?.1.to_string();
                    if read_attr(&path.join("status")).as_deref() != Some("connected") {
                        return None;
                    }
                    let edid = std::fs::read(path.join("edid")).ok()?;
                    display(&connector, &edid)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| (!a.internal, &a.connector).cmp(&(!b.internal, &b.connector)));
    out
}

/// The facts of one EDID; None when the base block is missing or corrupt (header, checksum).
pub fn display(connector: &str, edid: &[u8]) -> Option<DisplayFacts> {
    let block = edid.get(..128)?;
    if block[..8] != HEADER || block.iter().fold(0u8, |s, b| s.wrapping_add(*b)) != 0 {
        return None;
    }
    let dtd = &block[54..72];
    let pixel_clock = u16::from_le_bytes([dtd[0], dtd[1]]);
    let (mut width_mm, mut height_mm, mut width_px, mut height_px) = (None, None, None, None);
    if pixel_clock != 0 {
        width_px = Some(dtd[2] as u32 | ((dtd[4] as u32 & 0xF0) << 4));
        height_px = Some(dtd[5] as u32 | ((dtd[7] as u32 & 0xF0) << 4));
        let w = dtd[12] as u32 | ((dtd[14] as u32 & 0xF0) << 4);
        let h = dtd[13] as u32 | ((dtd[14] as u32 & 0x0F) << 8);
        if w > 0 && h > 0 {
            (width_mm, height_mm) = (Some(w), Some(h));
        }
    }
    // Screen size in cm (0 means unknown or a projector).
    if width_mm.is_none() && block[21] > 0 && block[22] > 0 {
        (width_mm, height_mm) = (Some(block[21] as u32 * 10), Some(block[22] as u32 * 10));
    }
    let upper = connector.to_ascii_uppercase();
    Some(DisplayFacts {
        connector: connector.to_string(),
        internal: ["EDP", "LVDS", "DSI"].iter().any(|k| upper.starts_with(k)),
        width_mm,
        height_mm,
        width_px,
        height_px,
    })
}

/// Test support: an EDID base block for a `w_px`×`h_px` panel of `w_mm`×`h_mm`, checksum set.
#[doc(hidden)]
pub fn edid_bytes(w_px: u32, h_px: u32, w_mm: u32, h_mm: u32) -> Vec<u8> {
    let mut b = vec![0u8; 128];
    b[..8].copy_from_slice(&HEADER);
    b[18] = 1;
    b[19] = 4;
    b[21] = (w_mm / 10) as u8;
    b[22] = (h_mm / 10) as u8;
    let d = &mut b[54..72];
    d[0..2].copy_from_slice(&14_850u16.to_le_bytes());
    d[2] = (w_px & 0xFF) as u8;
    d[4] = ((w_px >> 4) & 0xF0) as u8;
    d[5] = (h_px & 0xFF) as u8;
    d[7] = ((h_px >> 4) & 0xF0) as u8;
    d[12] = (w_mm & 0xFF) as u8;
    d[13] = (h_mm & 0xFF) as u8;
    d[14] = (((w_mm >> 4) & 0xF0) | ((h_mm >> 8) & 0x0F)) as u8;
    let sum = b[..127].iter().fold(0u8, |s, x| s.wrapping_add(*x));
    b[127] = 0u8.wrapping_sub(sum);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_laptop_panel_and_a_monitor() {
        let d = display("eDP-1", &edid_bytes(1920, 1080, 309, 174)).unwrap();
        assert!(d.internal);
        assert_eq!((d.width_mm, d.height_mm), (Some(309), Some(174)));
        assert_eq!((d.width_px, d.height_px), (Some(1920), Some(1080)));
        let m = display("HDMI-A-1", &edid_bytes(2560, 1440, 597, 336)).unwrap();
        assert!(!m.internal);
        assert_eq!(m.width_mm, Some(597));
        assert_eq!(m.width_px, Some(2560));
    }

    #[test]
    fn corrupt_blocks_are_ignored_and_cm_is_the_fallback() {
        let mut e = edid_bytes(1366, 768, 344, 194);
        e[127] ^= 1;
        assert_eq!(display("eDP-1", &e), None, "bad checksum");
        assert_eq!(display("eDP-1", &e[..100]), None, "short");
        // No detailed timing: the size in cm.
        let mut e = edid_bytes(1366, 768, 344, 194);
        for b in &mut e[54..72] {
            *b = 0;
        }
        let sum = e[..127].iter().fold(0u8, |s, x| s.wrapping_add(*x));
        e[127] = 0u8.wrapping_sub(sum);
        let d = display("LVDS-1", &e).unwrap();
        assert_eq!((d.width_mm, d.height_mm), (Some(340), Some(190)));
        assert_eq!(d.width_px, None);
    }
}
