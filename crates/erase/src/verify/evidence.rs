//! What a before/after comparison proves, block by block, and whether the blocks that prove
//! something are numerous enough for the comparison to count as evidence of an erase.
//!
//! A block fingerprinted before a firmware erase (4 KiB by default) is, after the erase:
//! - **informative and changed** when it held data before (not uniform) and reads differently
//!   now, or was uniform before and reads differently now;
//! - **a mismatch** when it held data and reads the same now (the data is still there), or —
//!   after a crypto erase that kept the data — when it held data and now reads uniformly (a
//!   drive that only deallocates);
//! - **uninformative** when it could not be read before, or was uniform before and reads the
//!   same now: a trimmed block and an erased one look alike, so it proves nothing either way.
//!
//! Rule `ardoise-evidence-v1` (docs/methods.md): a comparison that found nothing wrong counts
//! as evidence of the erase only if at least [`MIN_INFORMATIVE_SHARE_PPM`] of the compared
//! blocks (and at least one) are informative. Below that the job records
//! `verification-inconclusive`: a drive over an empty or unreadable disk could have done
//! nothing at all.

use serde::{Deserialize, Serialize};

use super::fingerprint::{Fp, FpKind};

/// Identifier of the rule below, recorded in certificates.
pub const EVIDENCE_RULE: &str = "ardoise-evidence-v1";

/// Least share of informative blocks, parts per million of the blocks compared (1 %).
pub const MIN_INFORMATIVE_SHARE_PPM: u64 = 10_000;

/// Counts of one piece.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub informative: u64,
    pub uninformative: u64,
}

/// Judges one block against its fingerprint; true when it is a mismatch (the erase did not
/// reach it). `data_must_stay_random`: the erase kept the data (crypto erase with
/// No-Deallocate), so a block that held data must not read uniformly now.
pub(crate) fn judge(before: Fp, now: &[u8], data_must_stay_random: bool, c: &mut Counts) -> bool {
    match before.kind() {
        FpKind::Unknown => {
            c.uninformative += 1;
            false
        }
        FpKind::Uniform(_) => {
            if Fp::of(now) == before {
                c.uninformative += 1;
            } else {
                c.informative += 1;
            }
            false
        }
        FpKind::Digest => {
            c.informative += 1;
            let after = Fp::of(now);
            after == before || (data_must_stay_random && matches!(after.kind(), FpKind::Uniform(_)))
        }
    }
}

/// The evidence a fingerprint comparison gathered, as recorded in reports and certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// [`EVIDENCE_RULE`].
    pub rule: String,
    /// Bytes per compared block.
    pub block_bytes: u64,
    /// Blocks compared that could show a change (held data before, or read differently after).
    pub informative_blocks: u64,
    /// Blocks uniform (or unreadable) before and unchanged after, which could not show a change.
    pub uninformative_blocks: u64,
    /// The least informative share the rule asks for, ppm.
    pub min_informative_share_ppm: u64,
}

impl Evidence {
    /// The evidence of `informative` and `uninformative` blocks of `block_bytes` bytes, under
    /// [`EVIDENCE_RULE`].
    pub fn new(block_bytes: u64, informative: u64, uninformative: u64) -> Evidence {
        Evidence {
            rule: EVIDENCE_RULE.to_string(),
            block_bytes,
            informative_blocks: informative,
            uninformative_blocks: uninformative,
            min_informative_share_ppm: MIN_INFORMATIVE_SHARE_PPM,
        }
    }

    /// Informative blocks, ppm of the blocks compared (0 when nothing was compared).
    pub fn informative_share_ppm(&self) -> u64 {
        let total = self.informative_blocks + self.uninformative_blocks;
        if total == 0 {
            return 0;
        }
        (u128::from(self.informative_blocks) * 1_000_000 / u128::from(total)) as u64
    }

    /// Whether the comparison is evidence of an erase under the rule.
    pub fn sufficient(&self) -> bool {
        self.informative_blocks > 0
            && self.informative_share_ppm() >= self.min_informative_share_ppm
    }

    /// One English sentence.
    pub fn describe(&self) -> String {
        let total = self.informative_blocks + self.uninformative_blocks;
        format!(
            "{} of {} compared blocks of {} bytes could show a change ({}; the rule {} asks for {} or more)",
            self.informative_blocks,
            total,
            self.block_bytes,
            ppm_percent(self.informative_share_ppm()),
            self.rule,
            ppm_percent(self.min_informative_share_ppm),
        )
    }
}

fn ppm_percent(ppm: u64) -> String {
    format!("{}.{:02} %", ppm / 10_000, ppm % 10_000 / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(before: &[u8], now: &[u8], keep: bool) -> (bool, Counts) {
        let mut c = Counts::default();
        let bad = judge(Fp::of(before), now, keep, &mut c);
        (bad, c)
    }

    #[test]
    fn each_kind_of_block_is_judged_as_documented() {
        let data: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
        let other: Vec<u8> = (0..4096u32).map(|i| (i * 13 % 241) as u8).collect();
        let zeros = vec![0u8; 4096];
        // Data that stays: a mismatch.
        assert!(judged(&data, &data, false).0);
        // Data replaced by zeros: changed (block erase), but not after a crypto erase that kept
        // the data.
        assert!(!judged(&data, &zeros, false).0);
        assert!(judged(&data, &zeros, true).0);
        // Data replaced by other data: changed either way.
        assert!(!judged(&data, &other, true).0);
        assert_eq!(judged(&data, &other, true).1.informative, 1);
        // Zeros before and after: no evidence, no mismatch.
        let (bad, c) = judged(&zeros, &zeros, true);
        assert!(!bad);
        assert_eq!((c.informative, c.uninformative), (0, 1));
        // Zeros before, random after: evidence of a change.
        assert_eq!(judged(&zeros, &other, true).1.informative, 1);
        // Unreadable before: nothing to compare with.
        let mut c = Counts::default();
        assert!(!judge(Fp::UNKNOWN, &other, true, &mut c));
        assert_eq!(c.uninformative, 1);
    }

    #[test]
    fn the_rule_asks_for_one_percent_and_at_least_one_block() {
        assert!(!Evidence::new(4096, 0, 0).sufficient());
        assert!(!Evidence::new(4096, 0, 1000).sufficient());
        assert!(!Evidence::new(4096, 9, 991).sufficient());
        assert!(Evidence::new(4096, 10, 990).sufficient());
        assert!(Evidence::new(4096, 1, 0).sufficient());
        assert!(Evidence::new(4096, 10, 990)
            .describe()
            .starts_with("10 of 1000 compared blocks of 4096 bytes could show a change (1.00 %"));
    }
}
