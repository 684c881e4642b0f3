//! The SAT layer: ATA PASS-THROUGH(16) decoded into a task file, the registers returned in
//! sense data, and the SCSI commands libata answers itself (INQUIRY, READ CAPACITY(16)).

use std::time::Duration;

use super::super::scsi::{check_condition, data_in, fixed_sense, good, key};
use super::registers::{Done, Proto, TaskFile};
use super::{SenseMode, SimAtaDisk};
use crate::transport::{DataDir, ScsiReply, TransportError};

impl SimAtaDisk {
    pub(super) fn pass_through(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        let invalid = || check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None));
        if cdb.len() != 16 {
            return Ok(invalid());
        }
        let proto = match (cdb[1] >> 1) & 0x0f {
            3 => Proto::NonData,
            4 => Proto::PioIn,
            5 => Proto::PioOut,
            // DMA and the rest are not modelled; libata also refuses unknown protocols.
            _ => return Ok(invalid()),
        };
        let ext = cdb[1] & 0x01 != 0;
        let multiple_count = cdb[1] >> 5;
        let ck_cond = cdb[2] & 0x20 != 0;
        let t_dir_in = cdb[2] & 0x08 != 0;
        let byt_blok = cdb[2] & 0x04 != 0;
        let t_length = cdb[2] & 0x03;
        if multiple_count != 0 {
            return Ok(invalid());
        }
        // libata: T_LENGTH = 0 means no data; a buffer then is an invalid field.
        if t_length == 0 && !data.is_empty() {
            return Ok(invalid());
        }
        let count = if ext {
            u16::from_be_bytes([cdb[5], cdb[6]])
        } else {
            u16::from(cdb[6])
        };
        match proto {
            Proto::NonData => {
                if t_length != 0 || !matches!(data, DataDir::None) {
                    return Ok(invalid());
                }
            }
            Proto::PioIn | Proto::PioOut => {
                let dir_ok = match (&data, proto) {
                    (DataDir::FromDevice(_), Proto::PioIn) => t_dir_in,
                    (DataDir::ToDevice(_), Proto::PioOut) => !t_dir_in,
                    _ => false,
                };
                // Only "T_LENGTH in COUNT, in 512-byte blocks" is modelled.
                if !dir_ok || t_length != 2 || !byt_blok || usize::from(count) * 512 != data.len() {
                    return Ok(invalid());
                }
            }
        }
        let hi = |b: u8| if ext { u64::from(b) } else { 0 };
        let tf = TaskFile {
            command: cdb[14],
            features: if ext { u16::from(cdb[3]) << 8 } else { 0 } | u16::from(cdb[4]),
            count,
            lba: u64::from(cdb[8])
                | u64::from(cdb[10]) << 8
                | u64::from(cdb[12]) << 16
                | hi(cdb[7]) << 24
                | hi(cdb[9]) << 32
                | hi(cdb[11]) << 40,
            device: cdb[13],
            ext,
        };
        let mut data = data;
        let done = self.ata_command(&tf, proto, &mut data, timeout)?;
        self.sync_media();
        Ok(self.ata_reply(&tf, ck_cond, done))
    }

    pub(super) fn ata_reply(&self, tf: &TaskFile, ck_cond: bool, done: Done) -> ScsiReply {
        let (out, failed) = match done {
            Done::Ok(o) => (o, false),
            Done::Abort(o) => (o, true),
        };
        if !failed && !ck_cond {
            return good();
        }
        let (k, ascq) = if failed {
            (key::ABORTED_COMMAND, 0x00)
        } else {
            (key::RECOVERED_ERROR, 0x1d)
        };
        match self.config.sense {
            SenseMode::None if failed => {
                check_condition(fixed_sense(key::ABORTED_COMMAND, 0, 0, None))
            }
            SenseMode::None => good(),
            SenseMode::Descriptor => {
                let l = out.lba.to_le_bytes();
                let [c_hi, c_lo] = out.count.to_be_bytes();
                let h = |b: u8| if tf.ext { b } else { 0 };
                check_condition(vec![
                    0x72,
                    k,
                    0x00,
                    ascq,
                    0,
                    0,
                    0,
                    14,
                    0x09,
                    0x0c,
                    u8::from(tf.ext),
                    out.error,
                    h(c_hi),
                    c_lo,
                    h(l[3]),
                    l[0],
                    h(l[4]),
                    l[1],
                    h(l[5]),
                    l[2],
                    out.device,
                    out.status,
                ])
            }
            SenseMode::Fixed => {
                let l = out.lba.to_le_bytes();
                let mut flags = 0u8;
                if tf.ext {
                    flags |= 0x80;
                    if out.count >> 8 != 0 {
                        flags |= 0x40;
                    }
                    if out.lba >> 24 != 0 {
                        flags |= 0x20;
                    }
                }
                let mut s = fixed_sense(k, 0x00, ascq, None);
                s[0] |= 0x80; // VALID
                s[3..7].copy_from_slice(&[out.error, out.status, out.device, out.count as u8]);
                s[8..12].copy_from_slice(&[flags, l[0], l[1], l[2]]);
                check_condition(s)
            }
        }
    }

    pub(super) fn inquiry(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        let alloc = usize::from(u16::from_be_bytes([cdb[3], cdb[4]]));
        let invalid = || check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None));
        let pad = |s: &str, n: usize| {
            let mut v = s.as_bytes().to_vec();
            v.resize(n, b' ');
            v.truncate(n);
            v
        };
        if cdb[1] & 0x01 == 0 {
            if cdb[2] != 0 {
                return invalid();
            }
            let mut b = vec![0u8; 36];
            b[2] = 0x05;
            b[3] = 0x02;
            b[4] = 31;
            b[8..16].copy_from_slice(b"ATA     ");
            b[16..32].copy_from_slice(&pad(&self.config.model, 16));
            let fw = pad(&self.config.firmware, 8);
            b[32..36].copy_from_slice(&fw[4..8]);
            return data_in(data, &b, alloc);
        }
        let body = match cdb[2] {
            0x00 => vec![0x00, 0x80, 0x83],
            0x80 => pad(&self.config.serial, 20),
            0x83 => {
                let mut t10 = b"ATA     ".to_vec();
                t10.extend(pad(&self.config.model, 40));
                t10.extend(pad(&self.config.serial, 20));
                let mut d = vec![0x02, 0x01, 0x00, t10.len() as u8];
                d.extend(t10);
                if let Some(wwn) = self.config.wwn {
                    d.extend_from_slice(&[0x01, 0x03, 0x00, 0x08]);
                    d.extend_from_slice(&wwn.to_be_bytes());
                }
                d
            }
            _ => return invalid(),
        };
        let mut b = vec![0x00, cdb[2]];
        b.extend_from_slice(&(body.len() as u16).to_be_bytes());
        b.extend(body);
        data_in(data, &b, alloc)
    }

    pub(super) fn read_capacity16(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        if cdb[1] & 0x1f != 0x10 {
            return check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None));
        }
        let alloc = u32::from_be_bytes(cdb[10..14].try_into().expect("4")) as usize;
        let mut b = vec![0u8; 32];
        b[0..8].copy_from_slice(&(self.visible_sectors() - 1).to_be_bytes());
        b[8..12].copy_from_slice(&self.media.sector_size().to_be_bytes());
        b[13] = self.config.physical_sector_exponent & 0x0f;
        data_in(data, &b, alloc)
    }
}
