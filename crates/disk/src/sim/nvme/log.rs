//! Get Log Page: SMART / health information and the sanitize status log.

use super::reply::{put, INVALID_FIELD, INVALID_LOG_PAGE, INVALID_NAMESPACE, NSID_ALL, SUCCESS};
use super::{SanitizeProgress, SimNvmeController};
use crate::transport::{NvmeAdminCmd, TransportError};

impl SimNvmeController {
    pub(super) fn get_log_page(
        &mut self,
        cmd: &NvmeAdminCmd,
        buf: &mut [u8],
    ) -> Result<u16, TransportError> {
        let lid = (cmd.cdw10 & 0xff) as u8;
        let lsp = (cmd.cdw10 >> 8) & 0x7f;
        let numd = (u64::from(cmd.cdw11 & 0xffff) << 16 | u64::from(cmd.cdw10 >> 16)) + 1;
        let len = numd * 4;
        let offset = u64::from(cmd.cdw13) << 32 | u64::from(cmd.cdw12);
        if len > buf.len() as u64 {
            // The controller would DMA past the host's buffer: on real hardware memory
            // corruption or an IOMMU fault. Never a valid request.
            return Err(TransportError::InvalidRequest(format!(
                "Get Log Page NUMD asks for {len} bytes but the host buffer holds {}",
                buf.len()
            )));
        }
        let log: Vec<u8> = match lid {
            0x02 => {
                if lsp != 0 || cmd.cdw11 >> 16 != 0 {
                    return Ok(INVALID_FIELD);
                }
                match cmd.nsid {
                    0 | NSID_ALL => {}
                    n if (1..=self.nn()).contains(&n) => {
                        if self.config.lpa & 1 == 0 {
                            return Ok(INVALID_FIELD);
                        }
                    }
                    _ => return Ok(INVALID_NAMESPACE),
                }
                self.smart_log()
            }
            0x81 if self.sanitize_supported() => {
                if lsp != 0 || cmd.cdw11 >> 16 != 0 || !matches!(cmd.nsid, 0 | NSID_ALL) {
                    return Ok(INVALID_FIELD);
                }
                if let Some(op) = self.state.sanitize.operation.as_mut() {
                    op.polls = op.polls.saturating_add(1);
                }
                if matches!(
                    self.config.sanitize_progress,
                    SanitizeProgress::Polls { .. }
                ) {
                    self.advance_sanitize()?;
                }
                self.sanitize_log()
            }
            _ if self.is_qemu() => return Ok(INVALID_FIELD),
            _ => return Ok(INVALID_LOG_PAGE),
        };
        if offset % 4 != 0 || offset >= log.len() as u64 {
            return Ok(INVALID_FIELD);
        }
        // Bytes past the end of the log read as zeros.
        let out = &mut buf[..len as usize];
        out.fill(0);
        let start = offset as usize;
        let n = (log.len() - start).min(out.len());
        out[..n].copy_from_slice(&log[start..start + n]);
        Ok(SUCCESS)
    }

    pub(super) fn smart_log(&self) -> Vec<u8> {
        let h = &self.config.health;
        let mut d = vec![0u8; 512];
        d[0] = h.critical_warning;
        put(&mut d, 1, &h.temperature_kelvin.to_le_bytes());
        d[3] = h.available_spare;
        d[4] = h.available_spare_threshold;
        d[5] = h.percentage_used;
        put(&mut d, 32, &h.data_units_read.to_le_bytes());
        put(&mut d, 48, &h.data_units_written.to_le_bytes());
        put(&mut d, 64, &(h.data_units_read * 8).to_le_bytes());
        put(&mut d, 80, &(h.data_units_written * 8).to_le_bytes());
        put(&mut d, 96, &(h.power_on_hours / 10).to_le_bytes());
        put(&mut d, 112, &h.power_cycles.to_le_bytes());
        put(&mut d, 128, &h.power_on_hours.to_le_bytes());
        put(&mut d, 144, &h.unsafe_shutdowns.to_le_bytes());
        put(&mut d, 160, &h.media_errors.to_le_bytes());
        put(&mut d, 176, &h.error_log_entries.to_le_bytes());
        put(&mut d, 200, &h.temperature_kelvin.to_le_bytes());
        d
    }

    pub(super) fn sanitize_log(&self) -> Vec<u8> {
        let s = &self.state.sanitize;
        let mut d = vec![0u8; 512];
        let (sprog, status) = match &s.operation {
            Some(op) => {
                let f = self.progress_of(op).min(1.0);
                (((f * 65536.0) as u32).min(0xFFFE) as u16, 2u8)
            }
            None => (0xFFFF, s.status),
        };
        let sstat = u16::from(status & 0x7)
            | u16::from(s.passes_completed & 0x1f) << 3
            | u16::from(s.global_data_erased) << 8;
        put(&mut d, 0, &sprog.to_le_bytes());
        put(&mut d, 2, &sstat.to_le_bytes());
        put(&mut d, 4, &s.scdw10.to_le_bytes());
        let e = &self.config.estimates;
        for (i, v) in [
            e.overwrite,
            e.block_erase,
            e.crypto_erase,
            e.overwrite_no_dealloc,
            e.block_erase_no_dealloc,
            e.crypto_erase_no_dealloc,
            None,
        ]
        .iter()
        .enumerate()
        {
            put(&mut d, 8 + 4 * i, &v.unwrap_or(u32::MAX).to_le_bytes());
        }
        d
    }
}
