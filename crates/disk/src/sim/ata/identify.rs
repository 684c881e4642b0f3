//! IDENTIFY DEVICE and SMART (READ DATA, READ THRESHOLDS, RETURN STATUS).

use super::registers::{abort, ok, ok_with, put_in, seal, Done, TaskFile};
use super::SimAtaDisk;
use crate::transport::DataDir;

/// Puts text in ATA string order: first character in the high byte of each word.
fn put_ata_string(words: &mut [u16], s: &str) {
    let mut b = s.as_bytes().to_vec();
    b.resize(words.len() * 2, b' ');
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16::from(b[2 * i]) << 8 | u16::from(b[2 * i + 1]);
    }
}

impl SimAtaDisk {
    pub(super) fn identify_block(&self) -> [u8; 512] {
        let c = &self.config;
        let s = &self.state;
        let mut w = [0u16; 256];
        w[0] = 0x0040;
        put_ata_string(&mut w[10..20], &c.serial);
        put_ata_string(&mut w[23..27], &c.firmware);
        put_ata_string(&mut w[27..47], &c.model);
        w[47] = 0x8010;
        w[49] = 0x0300;
        w[53] = 0x0006;
        if c.sanitize.any() {
            w[59] = 1 << 12
                | u16::from(c.sanitize.crypto_scramble) << 13
                | u16::from(c.sanitize.overwrite) << 14
                | u16::from(c.sanitize.block_erase) << 15
                | u16::from(c.sanitize.antifreeze) << 10;
        }
        let visible = self.visible_sectors();
        let lba28 = visible.min(0x0fff_ffff) as u32;
        w[60] = lba28 as u16;
        w[61] = (lba28 >> 16) as u16;
        if c.trim {
            w[69] = 1 << 14 | 1 << 5;
        }
        w[80] = 0x07f0; // ATA/ATAPI-4 .. ACS-3
        let smart = c.smart.is_some();
        let sec = c.security.is_some();
        w[82] = u16::from(smart) | u16::from(sec) << 1 | 1 << 5 | u16::from(c.hpa) << 10 | 1 << 14;
        w[83] = 0x4000 | 1 << 10 | u16::from(c.dco) << 11 | 1 << 12 | 1 << 13;
        w[84] = 0x4000;
        w[85] = u16::from(smart)
            | u16::from(s.security.enabled) << 1
            | 1 << 5
            | u16::from(c.hpa) << 10
            | 1 << 14;
        w[86] = 1 << 10 | u16::from(c.dco) << 11 | 1 << 12 | 1 << 13 | 1 << 15;
        w[87] = 0x4000 | u16::from(c.wwn.is_some()) << 8;
        w[88] = 0x007f;
        if let Some(caps) = &c.security {
            w[89] = caps.erase_time_normal_word;
            w[90] = caps.erase_time_enhanced_word;
            w[92] = s.security.master_revision;
            w[128] = 1
                | u16::from(s.security.enabled) << 1
                | u16::from(s.security.locked) << 2
                | u16::from(s.security.frozen) << 3
                | u16::from(s.security.count_expired()) << 4
                | u16::from(caps.enhanced_erase) << 5
                | u16::from(s.security.level_maximum) << 8;
        }
        for i in 0..4 {
            w[100 + i] = (visible >> (16 * i)) as u16;
        }
        let ss = self.media.sector_size();
        w[106] = 0x4000;
        if c.physical_sector_exponent > 0 {
            w[106] |= 1 << 13 | u16::from(c.physical_sector_exponent & 0x0f);
        }
        if ss != 512 {
            w[106] |= 1 << 12;
            let words = ss / 2;
            w[117] = words as u16;
            w[118] = (words >> 16) as u16;
        }
        if let Some(wwn) = c.wwn {
            for i in 0..4 {
                w[108 + i] = (wwn >> (48 - 16 * i)) as u16;
            }
        }
        w[119] = 0x4000 | u16::from(c.amax) << 8;
        w[120] = 0x4000;
        w[169] = u16::from(c.trim);
        w[217] = c.rotation_rate;
        seal(&w)
    }

    pub(super) fn smart(&mut self, tf: &TaskFile, data: &mut DataDir<'_>) -> Done {
        let Some(smart) = &self.config.smart else {
            return abort();
        };
        // The SMART signature: LBA(15:8) = 4Fh, LBA(23:16) = C2h.
        if (tf.lba >> 8) & 0xffff != 0xc24f {
            return abort();
        }
        match tf.features_low() {
            0xd0 | 0xd1 => {
                let thresholds = tf.features_low() == 0xd1;
                let mut b = [0u8; 512];
                b[0] = 0x10;
                for (i, a) in smart.attributes.iter().take(30).enumerate() {
                    let o = 2 + 12 * i;
                    b[o] = a.id;
                    if thresholds {
                        b[o + 1] = a.threshold;
                    } else {
                        b[o + 1..o + 3].copy_from_slice(&a.flags.to_le_bytes());
                        b[o + 3] = a.value;
                        b[o + 4] = a.worst;
                        b[o + 5..o + 11].copy_from_slice(&a.raw.to_le_bytes()[..6]);
                    }
                }
                if !thresholds {
                    b[362] = 0x82;
                    b[367] = 0x7b;
                    b[368] = 0x03;
                    b[370] = 0x01;
                }
                let sum = b[..511].iter().fold(0u8, |a, &x| a.wrapping_add(x));
                b[511] = sum.wrapping_neg();
                put_in(data, &b);
                ok()
            }
            0xda => {
                let lba = if smart.threshold_exceeded {
                    0x2c_f400
                } else {
                    0xc2_4f00
                };
                ok_with(0, lba, 0x40)
            }
            0xd8 | 0xd9 => ok(),
            _ => abort(),
        }
    }
}
