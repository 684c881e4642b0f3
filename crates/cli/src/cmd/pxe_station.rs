//! `ardoise provision --pxe DIR`: a PXE station. Machines booted over the network keep nothing
//! between boots, so the station's files (configuration, key, registry key) travel as a second
//! initramfs, `station.img`, that the boot configurations load after ardoise's own; the init
//! copies it into the RAM `/data`. Each boot is a station of its own (`<station>-<boot id>`, a
//! per-boot trust entry `<station>-*`), so that machines booting at the same time never share a
//! journal.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};

/// The second initramfs's name in the PXE folder.
pub const STATION_IMAGE: &str = "station.img";
/// Where the init finds the station's files inside the initramfs.
const SEED_DIR: &str = "etc/ardoise/station";

/// Packs the data directory `src` into `DIR/station.img` (cpio newc, the kernel's initramfs
/// format), under [`SEED_DIR`].
pub fn write_station_image(src: &Path, pxe_dir: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    collect(src, Path::new(""), &mut files)?;
    let mut out = Vec::new();
    let mut ino = 1u32;
    let mut dirs: Vec<String> = Vec::new();
    for part in ["etc", "etc/ardoise", SEED_DIR] {
        dirs.push(part.to_string());
    }
    for (rel, _) in &files {
        let mut p = rel.parent();
        let mut chain = Vec::new();
        while let Some(d) = p.filter(|d| !d.as_os_str().is_empty()) {
            chain.push(format!("{SEED_DIR}/{}", d.display()));
            p = d.parent();
        }
        for d in chain.into_iter().rev() {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    for d in &dirs {
        cpio_entry(&mut out, ino, 0o040755, d, &[]);
        ino += 1;
    }
    for (rel, bytes) in &files {
        let secret = rel.file_name().is_some_and(|n| n == "station.key");
        let mode = if secret { 0o100600 } else { 0o100644 };
        cpio_entry(
            &mut out,
            ino,
            mode,
            &format!("{SEED_DIR}/{}", rel.display()),
            bytes,
        );
        ino += 1;
    }
    cpio_entry(&mut out, 0, 0, "TRAILER!!!", &[]);
    let path = pxe_dir.join(STATION_IMAGE);
    let mut f = std::fs::File::create(&path).with_context(|| format!("{}", path.display()))?;
    f.write_all(&out)?;
    f.sync_all()?;
    Ok(())
}

fn collect(
    base: &Path,
    rel: &Path,
    out: &mut Vec<(std::path::PathBuf, Vec<u8>)>,
) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(base.join(rel))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        if e.file_type()?.is_dir() {
            collect(base, &r, out)?;
        } else {
            out.push((r.clone(), std::fs::read(base.join(&r))?));
        }
    }
    Ok(())
}

/// One cpio "newc" entry: the 110-byte ASCII header, the name, the data, each padded to 4.
fn cpio_entry(out: &mut Vec<u8>, ino: u32, mode: u32, name: &str, data: &[u8]) {
    let nlink = if mode & 0o040000 != 0 { 2 } else { 1 };
    let fields = [
        ino,
        mode,
        0,
        0,
        nlink,
        0,
        data.len() as u32,
        0,
        0,
        0,
        0,
        name.len() as u32 + 1,
        0,
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08x}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad4(out);
    out.extend_from_slice(data);
    pad4(out);
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// Makes the three boot configurations of the PXE folder load `station.img` after the
/// initramfs. Idempotent.
pub fn load_station_image(pxe_dir: &Path) -> anyhow::Result<()> {
    edit(&pxe_dir.join("boot.ipxe"), |t| {
        if t.contains(STATION_IMAGE) {
            return Ok(t.to_string());
        }
        if !t.contains("initrd initrd.img") {
            bail!("no `initrd initrd.img` line");
        }
        Ok(t.replace(
            "initrd=initrd.img",
            &format!("initrd=initrd.img initrd={STATION_IMAGE}"),
        )
        .replace(
            "initrd initrd.img\n",
            &format!("initrd initrd.img\ninitrd {STATION_IMAGE}\n"),
        ))
    })?;
    edit(&pxe_dir.join("pxelinux.cfg/default"), |t| {
        if t.contains(STATION_IMAGE) {
            return Ok(t.to_string());
        }
        if !t.contains("INITRD initrd.img") {
            bail!("no `INITRD initrd.img` line");
        }
        Ok(t.replace(
            "INITRD initrd.img",
            &format!("INITRD initrd.img,{STATION_IMAGE}"),
        ))
    })?;
    edit(&pxe_dir.join("grub/grub.cfg"), |t| {
        if t.contains(STATION_IMAGE) {
            return Ok(t.to_string());
        }
        if !t.contains("initrd /initrd.img") {
            bail!("no `initrd /initrd.img` line");
        }
        Ok(t.replace(
            "initrd /initrd.img",
            &format!("initrd /initrd.img /{STATION_IMAGE}"),
        ))
    })
}

fn edit(path: &Path, f: impl FnOnce(&str) -> anyhow::Result<String>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: not a PXE folder made by `make pxe`", path.display()))?;
    let new = f(&text).with_context(|| format!("{}", path.display()))?;
    if new != text {
        std::fs::write(path, new).with_context(|| format!("{}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newc_entries_are_what_cpio_reads() {
        let mut out = Vec::new();
        cpio_entry(&mut out, 1, 0o100644, "a", b"xyz");
        assert_eq!(&out[..6], b"070701");
        assert!(out.len().is_multiple_of(4));
        // header 110 + "a\0" (2) padded to 112, data 3 padded to 4
        assert_eq!(out.len(), 112 + 4);
        assert_eq!(&out[110..112], b"a\0");
        assert_eq!(&out[112..115], b"xyz");
    }
}
