//! Hidden areas: HPA (READ NATIVE MAX / SET MAX), Accessible Max Address and DCO.

use super::registers::{
    abort, ok, ok_with, put_in, seal, Done, Out, TaskFile, ERROR_ABRT, READ_NATIVE_MAX,
    READ_NATIVE_MAX_EXT, SET_MAX, STATUS_ERR,
};
use super::SimAtaDisk;
use crate::transport::DataDir;

impl SimAtaDisk {
    pub(super) fn read_native_max(&self, tf: &TaskFile) -> Done {
        if !self.config.hpa || self.config.refuse_read_native_max {
            return abort();
        }
        let max = self.native_sectors() - 1;
        if tf.command == READ_NATIVE_MAX {
            let m = max.min(0x0fff_ffff);
            ok_with(0, m & 0x00ff_ffff, 0x40 | ((m >> 24) & 0x0f) as u8)
        } else {
            ok_with(0, max, 0x40)
        }
    }

    /// Sets the visible size; refuses addresses past the native max, and (knob) growth.
    pub(super) fn set_visible(&mut self, new_max_lba: u64, persistent: bool) -> Done {
        let native = self.native_sectors();
        if new_max_lba >= native {
            return Done::Abort(Out {
                status: STATUS_ERR,
                error: ERROR_ABRT | 0x10, // IDNF
                device: 0x40,
                ..Out::default()
            });
        }
        let sectors = new_max_lba + 1;
        if self.config.refuse_hpa_removal && sectors > self.visible_sectors() {
            return abort();
        }
        let value = (sectors < native).then_some(sectors);
        self.state.max_sectors = value;
        if persistent {
            self.state.max_sectors_at_power_on = value;
        }
        ok()
    }

    pub(super) fn set_max(&mut self, tf: &TaskFile, previous: Option<u8>) -> Done {
        if !self.config.hpa {
            return abort();
        }
        let (needed, lba) = if tf.command == SET_MAX {
            (READ_NATIVE_MAX, tf.lba28())
        } else {
            (READ_NATIVE_MAX_EXT, tf.lba)
        };
        if previous != Some(needed) {
            return abort();
        }
        self.set_visible(lba, tf.count & 1 != 0)
    }

    pub(super) fn amax(&mut self, tf: &TaskFile) -> Done {
        if !self.config.amax {
            return abort();
        }
        match tf.features {
            0x0000 if self.config.refuse_read_native_max => abort(),
            0x0000 => ok_with(0, self.native_sectors() - 1, 0x40),
            0x0001 => {
                if self.state.amax_frozen {
                    return abort();
                }
                self.set_visible(tf.lba, true)
            }
            0x0002 => {
                self.state.amax_frozen = true;
                ok()
            }
            _ => abort(),
        }
    }

    pub(super) fn dco(&mut self, tf: &TaskFile, data: &mut DataDir<'_>) -> Done {
        if !self.config.dco {
            return abort();
        }
        match tf.features_low() {
            0xc2 => {
                let mut w = [0u16; 256];
                w[0] = 0x0002;
                let max = self.media.native_sectors() - 1;
                for i in 0..4 {
                    w[3 + i] = (max >> (16 * i)) as u16;
                }
                w[7] = 1 | u16::from(self.config.security.is_some()) << 3 | 1 << 7 | 1 << 8;
                put_in(data, &seal(&w));
                ok()
            }
            0xc0 => {
                let hpa_set = self.visible_sectors() < self.native_sectors();
                let restricted = self.native_sectors() < self.media.native_sectors();
                if self.state.dco_frozen
                    || hpa_set
                    || (self.config.refuse_hpa_removal && restricted)
                {
                    return abort();
                }
                self.state.dco_sectors = None;
                self.state.max_sectors = None;
                self.state.max_sectors_at_power_on = None;
                ok()
            }
            0xc1 => {
                self.state.dco_frozen = true;
                ok()
            }
            _ => abort(),
        }
    }
}
