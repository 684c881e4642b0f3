//! The stick's FAT32 `ARDOISE` data partition, reached inside an image file or a whole-disk
//! device without mounting it (a host may have no vfat module, and a mounted stick is one
//! `ardoise` refuses to write).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::process::{Command, Stdio};

use ardoise_station::provision::DataVolume;

/// The FAT volume label the image's data partition carries.
pub const DATA_LABEL: &str = "ARDOISE";

/// Finds the FAT partition labelled [`DATA_LABEL`] in the MBR of `file`: (offset, length).
pub fn find_data_partition(file: &mut File) -> io::Result<(u64, u64)> {
    let mut mbr = [0u8; 512];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut mbr)?;
    if mbr[510..512] != [0x55, 0xAA] {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no MBR partition table: this is not an ardoise image or stick",
        ));
    }
    for entry in mbr[446..510].chunks_exact(16) {
        let kind = entry[4];
        let start = u64::from(u32::from_le_bytes(
            entry[8..12].try_into().expect("4 bytes"),
        )) * 512;
        let len = u64::from(u32::from_le_bytes(
            entry[12..16].try_into().expect("4 bytes"),
        )) * 512;
        if !matches!(kind, 0x0b | 0x0c) || len == 0 {
            continue;
        }
        let mut boot = [0u8; 512];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut boot)?;
        // FAT32 boot sector: volume label at offset 71, 11 bytes, space padded.
        if boot[71..82].trim_ascii_end() == DATA_LABEL.as_bytes() {
            return Ok((start, len));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("no FAT32 partition labelled {DATA_LABEL}: this is not an ardoise image or stick"),
    ))
}

/// The data partition as a [`DataVolume`], written with mtools (Debian's `mtools`): the same
/// FAT writer the image build uses, which keeps `.`/`..` entries and long names the way
/// `fsck.fat`, Linux and Windows expect. mtools works on a copy of the partition (it cannot
/// take the geometry of every block device); [`FatVolume::close`] writes back the changed
/// blocks and flushes the medium.
pub struct FatVolume {
    /// The image or device, held open (exclusively for a device) until closed.
    file: File,
    start: u64,
    original: Vec<u8>,
    copy: tempfile::NamedTempFile,
    /// mtools' name for the copy.
    target: String,
}

/// Unit of the write-back: only changed blocks are written to the stick.
const WRITE_BACK_BLOCK: usize = 64 << 10;

impl FatVolume {
    /// The data partition of the image or device opened (read-write) as `file`.
    pub fn open(mut file: File) -> io::Result<FatVolume> {
        let (start, len) = find_data_partition(&mut file)?;
        let mut original = vec![0u8; len as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut original)?;
        let mut copy = tempfile::NamedTempFile::new()?;
        copy.write_all(&original)?;
        copy.flush()?;
        let target = copy.path().to_string_lossy().into_owned();
        // mtools must be there before anything is written.
        mtools("mdir", &["-b", "-i", &target, "::/"]).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{e} (install Debian's mtools package to provision sticks)"),
            )
        })?;
        Ok(FatVolume {
            file,
            start,
            original,
            copy,
            target,
        })
    }

    /// Writes the changed blocks back to the image or stick and flushes it.
    pub fn close(mut self) -> io::Result<()> {
        let mut now = Vec::with_capacity(self.original.len());
        self.copy.as_file_mut().seek(SeekFrom::Start(0))?;
        self.copy.as_file_mut().read_to_end(&mut now)?;
        if now.len() != self.original.len() {
            return Err(io::Error::other("mtools changed the partition's size"));
        }
        for (i, (new, old)) in now
            .chunks(WRITE_BACK_BLOCK)
            .zip(self.original.chunks(WRITE_BACK_BLOCK))
            .enumerate()
        {
            if new != old {
                let at = self.start + (i * WRITE_BACK_BLOCK) as u64;
                self.file.seek(SeekFrom::Start(at))?;
                self.file.write_all(new)?;
            }
        }
        self.file.sync_all()
    }

    fn name(path: &str) -> String {
        format!("::/{path}")
    }
}

/// Runs an mtools command; its stdout, or an error carrying its stderr.
fn mtools(cmd: &str, args: &[&str]) -> io::Result<Vec<u8>> {
    let out = Command::new(cmd)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .stdin(Stdio::null())
        .output()?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let kind = if err.contains("not found") {
            io::ErrorKind::NotFound
        } else {
            io::ErrorKind::Other
        };
        Err(io::Error::new(kind, format!("{cmd}: {err}")))
    }
}

impl DataVolume for FatVolume {
    fn read(&mut self, path: &str) -> io::Result<Option<Vec<u8>>> {
        match mtools("mcopy", &["-n", "-i", &self.target, &Self::name(path), "-"]) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write(&mut self, path: &str, bytes: &[u8], _secret: bool) -> io::Result<()> {
        if let Some((parent, _)) = path.rsplit_once('/') {
            let mut dir = String::new();
            for part in parent.split('/') {
                dir = if dir.is_empty() {
                    part.to_string()
                } else {
                    format!("{dir}/{part}")
                };
                if self.list_parent_has_dir(&dir)? {
                    continue;
                }
                mtools("mmd", &["-i", &self.target, &Self::name(&dir)])?;
            }
        }
        let mut tmp = tempfile::NamedTempFile::new()?;
        tmp.write_all(bytes)?;
        tmp.flush()?;
        let src = tmp.path().to_string_lossy().into_owned();
        mtools(
            "mcopy",
            &["-o", "-i", &self.target, &src, &Self::name(path)],
        )?;
        Ok(())
    }

    fn list(&mut self, dir: &str) -> io::Result<Vec<(String, bool)>> {
        let out = match mtools("mdir", &["-b", "-i", &self.target, &Self::name(dir)]) {
            Ok(o) => o,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let prefix = if dir.is_empty() {
            "::/".to_string()
        } else {
            format!("{}/", Self::name(dir))
        };
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter(|n| !n.is_empty())
            .map(|n| match n.strip_suffix('/') {
                Some(d) => (d.to_string(), true),
                None => (n.to_string(), false),
            })
            .collect())
    }

    fn remove(&mut self, path: &str) -> io::Result<()> {
        let name = Self::name(path);
        match mtools("mdel", &["-i", &self.target, &name]) {
            Ok(_) => Ok(()),
            // A directory: mdel refuses it, mrd removes it when empty.
            Err(_) => mtools("mrd", &["-i", &self.target, &name]).map(|_| ()),
        }
    }
}

impl FatVolume {
    fn list_parent_has_dir(&mut self, dir: &str) -> io::Result<bool> {
        let (parent, leaf) = dir.rsplit_once('/').unwrap_or(("", dir));
        Ok(self
            .list(parent)?
            .iter()
            .any(|(n, is_dir)| *is_dir && n.eq_ignore_ascii_case(leaf)))
    }
}
