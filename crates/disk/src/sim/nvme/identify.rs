//! Identify: controller, namespaces, active namespace list, LBA formats.

use super::reply::{put, put_ascii, INVALID_FIELD, INVALID_NAMESPACE, NSID_ALL, SUCCESS};
use super::{NvmePersonality, SimNvmeController};
use crate::transport::{NvmeAdminCmd, TransportError};

impl SimNvmeController {
    pub(super) fn identify(
        &self,
        cmd: &NvmeAdminCmd,
        buf: &mut [u8],
    ) -> Result<u16, TransportError> {
        let cns = (cmd.cdw10 & 0xff) as u8;
        if cmd.cdw10 & 0x0000_ff00 != 0 {
            return Ok(INVALID_FIELD);
        }
        let data = &mut buf[..4096];
        data.fill(0);
        match cns {
            0x00 => match cmd.nsid {
                n if (1..=self.nn()).contains(&n) => {
                    self.identify_namespace(n, data);
                    Ok(SUCCESS)
                }
                NSID_ALL if self.config.oacs & (1 << 3) != 0 => {
                    // Capabilities common to all namespaces: formats, no size.
                    self.common_namespace(data);
                    Ok(SUCCESS)
                }
                _ => Ok(INVALID_NAMESPACE),
            },
            0x01 => {
                self.identify_controller(data);
                Ok(SUCCESS)
            }
            0x02 => {
                if cmd.nsid >= 0xFFFF_FFFE {
                    return Ok(INVALID_NAMESPACE);
                }
                let ids = (1..=self.nn()).filter(|&n| n > cmd.nsid).take(1024);
                for (i, id) in ids.enumerate() {
                    put(data, 4 * i, &id.to_le_bytes());
                }
                Ok(SUCCESS)
            }
            _ => Ok(INVALID_FIELD),
        }
    }

    pub(super) fn identify_controller(&self, d: &mut [u8]) {
        let c = &self.config;
        put(d, 0, &c.vid.to_le_bytes());
        put(d, 2, &c.ssvid.to_le_bytes());
        put_ascii(d, 4, 20, &c.serial);
        put_ascii(d, 24, 40, &c.model);
        put_ascii(d, 64, 8, &c.firmware);
        d[72] = 6; // RAB
        d[77] = 7; // MDTS: 512 KiB with 4 KiB pages
        put(d, 80, &c.version.to_le_bytes());
        put(d, 256, &c.oacs.to_le_bytes());
        d[258] = 3; // ACL
        d[259] = 3; // AERL
        d[260] = c.frmw;
        d[261] = c.lpa;
        d[262] = 63; // ELPE
        put(d, 266, &343u16.to_le_bytes()); // WCTEMP 70 °C
        put(d, 268, &373u16.to_le_bytes()); // CCTEMP 100 °C
        let total: u128 = self
            .namespaces
            .iter()
            .map(|m| u128::from(m.native_sectors()) * u128::from(m.sector_size()))
            .sum();
        put(d, 280, &total.to_le_bytes());
        put(d, 328, &c.sanicap.to_le_bytes());
        d[512] = 0x66; // SQES
        d[513] = 0x44; // CQES
        put(d, 514, &256u16.to_le_bytes());
        put(d, 516, &self.nn().to_le_bytes());
        put(d, 520, &c.oncs.to_le_bytes());
        d[524] = c.fna;
        d[525] = c.vwc;
        let nqn = match c.personality {
            NvmePersonality::Qemu => format!("nqn.2019-08.org.qemu:{}", c.serial),
            NvmePersonality::Standard => format!("nqn.2024-01.invalid.ardoise:sim:{}", c.serial),
        };
        put_ascii(d, 768, 256, &nqn);
        // The NQN field is NUL-padded, not space-padded.
        if let Some(end) = d[768..1024].iter().rposition(|&b| b != b' ') {
            d[768 + end + 1..1024].fill(0);
        }
    }

    pub(super) fn put_formats(&self, d: &mut [u8]) {
        d[25] = (self.config.lba_formats.len() - 1) as u8;
        d[27] = self.config.mc;
        d[28] = self.config.dpc;
        d[33] = 0x01; // DLFEAT: deallocated LBAs read as zeros
        for (i, f) in self.config.lba_formats.iter().enumerate() {
            let at = 128 + 4 * i;
            put(d, at, &f.ms.to_le_bytes());
            d[at + 2] = f.lbads;
            d[at + 3] = f.rp & 0x3;
        }
    }

    pub(super) fn common_namespace(&self, d: &mut [u8]) {
        self.put_formats(d);
    }

    pub(super) fn identify_namespace(&self, nsid: u32, d: &mut [u8]) {
        let idx = (nsid - 1) as usize;
        let ns = self.state.namespaces[idx];
        let media = &self.namespaces[idx];
        let bytes = u128::from(media.native_sectors()) * u128::from(media.sector_size());
        let lba = u128::from(self.lba_size(nsid).unwrap_or(512));
        let nsze = (bytes / lba) as u64;
        put(d, 0, &nsze.to_le_bytes());
        put(d, 8, &nsze.to_le_bytes());
        put(d, 16, &nsze.to_le_bytes());
        self.put_formats(d);
        d[26] = (ns.lbaf & 0xf) | (u8::from(ns.mset) << 4) | ((ns.lbaf >> 4) & 0x3) << 5;
        d[29] = (ns.pi & 0x7) | (u8::from(ns.pil) << 3);
        put(d, 48, &bytes.to_le_bytes());
        let id = blake3::hash(format!("{}:{}", self.config.serial, nsid).as_bytes());
        put(d, 104, &id.as_bytes()[..16]);
        put(d, 120, &id.as_bytes()[16..24]);
    }
}
