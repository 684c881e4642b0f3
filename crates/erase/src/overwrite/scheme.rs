//! Overwrite schemes as data: a named list of passes, each a pattern and whether to verify it.
//!
//! The engine has no code per scheme; adding one is adding a table entry. Every host overwrite is
//! NIST SP 800-88 "Clear" whatever its number of passes (Rev.1 §2.5, Appendix A): passes beyond
//! the first are kept for people and procedures that ask for them by name.

use serde::{Deserialize, Serialize};

use crate::pattern::{Pattern, PatternError, PatternSpec, Seed};

/// NIST SP 800-88 sanitization category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NistCategory {
    /// SP 800-88 Rev. 1 Clear: protects against simple, non-invasive recovery.
    Clear,
    /// SP 800-88 Rev. 1 Purge: makes recovery infeasible with state-of-the-art laboratory
    /// techniques.
    Purge,
}

/// One pass of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pass {
    /// What the pass writes.
    pub pattern: PatternSpec,
    /// Read the pass back after writing it (with [`crate::OverwriteOptions::pass_verify`]).
    pub verify: bool,
}

impl Pass {
    /// A pass that writes `pattern` and is not read back.
    pub fn write(pattern: PatternSpec) -> Pass {
        Pass {
            pattern,
            verify: false,
        }
    }

    /// A pass that writes `pattern` and is read back.
    pub fn write_and_verify(pattern: PatternSpec) -> Pass {
        Pass {
            pattern,
            verify: true,
        }
    }
}

/// A named overwrite scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    /// Stable identifier (CLI, configuration, certificate): `zero`, `random`, `three-pass`,
    /// `dod-5220.22-m`, `hmg-is5-enhanced`, `gutmann`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The passes, in order.
    pub passes: Vec<Pass>,
    /// The level the scheme claims.
    pub nist: NistCategory,
    /// Where the pass list comes from.
    pub source: String,
}

/// Gutmann's 27 deterministic patterns (passes 5–31), as published in "Secure Deletion of Data
/// from Magnetic and Solid-State Memory" (USENIX Security 1996), in the table's order.
const GUTMANN_FIXED: [&[u8]; 27] = [
    &[0x55],
    &[0xAA],
    &[0x92, 0x49, 0x24],
    &[0x49, 0x24, 0x92],
    &[0x24, 0x92, 0x49],
    &[0x00],
    &[0x11],
    &[0x22],
    &[0x33],
    &[0x44],
    &[0x55],
    &[0x66],
    &[0x77],
    &[0x88],
    &[0x99],
    &[0xAA],
    &[0xBB],
    &[0xCC],
    &[0xDD],
    &[0xEE],
    &[0xFF],
    &[0x92, 0x49, 0x24],
    &[0x49, 0x24, 0x92],
    &[0x24, 0x92, 0x49],
    &[0x6D, 0xB6, 0xDB],
    &[0xB6, 0xDB, 0x6D],
    &[0xDB, 0x6D, 0xB6],
];

fn fixed(bytes: &[u8]) -> PatternSpec {
    if bytes.len() == 1 {
        PatternSpec::byte(bytes[0])
    } else {
        PatternSpec::repeat(bytes)
    }
}

impl Scheme {
    /// Identifiers of the built-in schemes, in the order they are offered.
    pub const IDS: [&'static str; 7] = [
        "zero",
        "random",
        "random-zero",
        "three-pass",
        "dod-5220.22-m",
        "hmg-is5-enhanced",
        "gutmann",
    ];

    fn new(id: &str, name: &str, source: &str, passes: Vec<Pass>) -> Scheme {
        Scheme {
            id: id.to_string(),
            name: name.to_string(),
            passes,
            nist: NistCategory::Clear,
            source: source.to_string(),
        }
    }

    /// One pass of zeros.
    pub fn zero() -> Scheme {
        Scheme::new(
            "zero",
            "Zeros (1 pass)",
            "NIST SP 800-88 Rev.1 Appendix A: Clear by overwriting with a fixed value",
            vec![Pass::write(PatternSpec::ZEROS)],
        )
    }

    /// One pass of AES-128-CTR pseudo-random data.
    pub fn random() -> Scheme {
        Scheme::new(
            "random",
            "Pseudo-random (1 pass)",
            "NIST SP 800-88 Rev.1 Appendix A: Clear by overwriting",
            vec![Pass::write(PatternSpec::Random)],
        )
    }

    /// Pseudo-random then zeros: the default host overwrite for flash without a firmware purge
    /// (NIST SP 800-88 Rev.1 Table A-8 asks for more than one pass on removable flash), ending in
    /// a state that verification can check exactly.
    pub fn random_zero() -> Scheme {
        Scheme::new(
            "random-zero",
            "Random, then zeros (2 passes)",
            "NIST SP 800-88 Rev.1 Table A-8 (flash memory): Clear with at least two overwrite passes",
            vec![Pass::write(PatternSpec::Random), Pass::write(PatternSpec::ZEROS)],
        )
    }

    /// Two pseudo-random passes then zeros, so that the final state is verifiable as zeros and
    /// the flash translation layer has seen the whole visible space written twice.
    pub fn three_pass() -> Scheme {
        Scheme::new(
            "three-pass",
            "Random, random, zeros (3 passes)",
            "ardoise: two random passes (Wei et al., FAST'11: two full overwrites are usually \
             sufficient on SSDs) then zeros",
            vec![
                Pass::write(PatternSpec::Random),
                Pass::write(PatternSpec::Random),
                Pass::write(PatternSpec::ZEROS),
            ],
        )
    }

    /// DoD 5220.22-M (3 passes): 0x00, 0xFF, random, verify.
    pub fn dod_5220_22_m() -> Scheme {
        Scheme::new(
            "dod-5220.22-m",
            "DoD 5220.22-M (3 passes)",
            "US DoD 5220.22-M (NISPOM, 1995 edition), 3-pass overwrite as commonly implemented: \
             a character (0x00), its complement (0xFF), random, then verify",
            vec![
                Pass::write(PatternSpec::ZEROS),
                Pass::write(PatternSpec::ONES),
                Pass::write_and_verify(PatternSpec::Random),
            ],
        )
    }

    /// HMG Infosec Standard 5, Enhanced: 0x00, 0xFF, random, verify.
    pub fn hmg_is5_enhanced() -> Scheme {
        Scheme::new(
            "hmg-is5-enhanced",
            "HMG IS5 Enhanced (3 passes)",
            "UK HMG Infosec Standard No. 5, Enhanced: zeros, ones, random, with verification",
            vec![
                Pass::write(PatternSpec::ZEROS),
                Pass::write(PatternSpec::ONES),
                Pass::write_and_verify(PatternSpec::Random),
            ],
        )
    }

    /// Gutmann's 35 passes: 4 random, the 27 published patterns, 4 random.
    pub fn gutmann() -> Scheme {
        let mut passes = vec![Pass::write(PatternSpec::Random); 4];
        passes.extend(GUTMANN_FIXED.iter().map(|b| Pass::write(fixed(b))));
        passes.extend(vec![Pass::write(PatternSpec::Random); 4]);
        Scheme::new(
            "gutmann",
            "Gutmann (35 passes)",
            "P. Gutmann, Secure Deletion of Data from Magnetic and Solid-State Memory, USENIX \
             Security 1996, Table 3 (published order)",
            passes,
        )
    }

    /// A built-in scheme by identifier.
    pub fn by_id(id: &str) -> Option<Scheme> {
        Some(match id {
            "zero" => Scheme::zero(),
            "random" => Scheme::random(),
            "random-zero" => Scheme::random_zero(),
            "three-pass" => Scheme::three_pass(),
            "dod-5220.22-m" => Scheme::dod_5220_22_m(),
            "hmg-is5-enhanced" => Scheme::hmg_is5_enhanced(),
            "gutmann" => Scheme::gutmann(),
            _ => return None,
        })
    }

    /// All built-in schemes.
    pub fn all() -> Vec<Scheme> {
        Self::IDS
            .iter()
            .map(|id| Scheme::by_id(id).expect("built-in id"))
            .collect()
    }

    /// A custom scheme (e.g. from configuration); checked like the built-in ones.
    pub fn custom(id: &str, name: &str, passes: Vec<Pass>) -> Result<Scheme, PatternError> {
        for p in &passes {
            p.pattern.validate()?;
        }
        Ok(Scheme::new(id, name, "custom", passes))
    }

    /// The generator of pass `index` (0-based): random passes use stream `index`, so two random
    /// passes of one job never write the same bytes.
    pub fn pattern_of(&self, index: usize, seed: Seed) -> Result<Pattern, PatternError> {
        Pattern::new(&self.passes[index].pattern, seed, index as u64)
    }

    /// What the device must hold after the scheme completed: the last pass's pattern.
    pub fn final_pattern(&self, seed: Seed) -> Option<Pattern> {
        let last = self.passes.len().checked_sub(1)?;
        self.pattern_of(last, seed).ok()
    }

    /// Whether any pass needs the seed (a random pass).
    pub fn uses_seed(&self) -> bool {
        self.passes.iter().any(|p| p.pattern.is_random())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(p: &Pass) -> Vec<u8> {
        match &p.pattern {
            PatternSpec::Byte { value } => vec![*value],
            PatternSpec::Repeat { bytes } => bytes.clone(),
            PatternSpec::Random => vec![],
        }
    }

    #[test]
    fn gutmann_has_the_published_35_passes() {
        let g = Scheme::gutmann();
        assert_eq!(g.passes.len(), 35);
        for i in (0..4).chain(31..35) {
            assert!(g.passes[i].pattern.is_random(), "pass {}", i + 1);
        }
        // Passes are numbered from 1 in Gutmann's table.
        let at = |n: usize| bytes_of(&g.passes[n - 1]);
        assert_eq!(at(5), [0x55]);
        assert_eq!(at(6), [0xAA]);
        assert_eq!(at(7), [0x92, 0x49, 0x24]);
        assert_eq!(at(8), [0x49, 0x24, 0x92]);
        assert_eq!(at(9), [0x24, 0x92, 0x49]);
        for (k, n) in (10..=25).enumerate() {
            assert_eq!(at(n), [0x11 * k as u8], "pass {n}");
        }
        assert_eq!(at(26), [0x92, 0x49, 0x24]);
        assert_eq!(at(27), [0x49, 0x24, 0x92]);
        assert_eq!(at(28), [0x24, 0x92, 0x49]);
        assert_eq!(at(29), [0x6D, 0xB6, 0xDB]);
        assert_eq!(at(30), [0xB6, 0xDB, 0x6D]);
        assert_eq!(at(31), [0xDB, 0x6D, 0xB6]);
        assert!(g.passes.iter().all(|p| !p.verify));
    }

    #[test]
    fn short_schemes() {
        let z = Scheme::zero();
        assert_eq!(z.passes, vec![Pass::write(PatternSpec::ZEROS)]);
        let r = Scheme::random();
        assert_eq!(r.passes, vec![Pass::write(PatternSpec::Random)]);
        let t = Scheme::three_pass();
        assert_eq!(
            t.passes,
            vec![
                Pass::write(PatternSpec::Random),
                Pass::write(PatternSpec::Random),
                Pass::write(PatternSpec::ZEROS)
            ]
        );
        for s in [Scheme::dod_5220_22_m(), Scheme::hmg_is5_enhanced()] {
            assert_eq!(
                s.passes,
                vec![
                    Pass::write(PatternSpec::ZEROS),
                    Pass::write(PatternSpec::ONES),
                    Pass::write_and_verify(PatternSpec::Random)
                ],
                "{}",
                s.id
            );
        }
        for s in Scheme::all() {
            assert_eq!(s.nist, NistCategory::Clear, "{}", s.id);
            assert_eq!(Scheme::by_id(&s.id).as_ref(), Some(&s));
        }
        assert_eq!(Scheme::all().len(), Scheme::IDS.len());
        assert!(Scheme::by_id("dod").is_none());
    }

    #[test]
    fn random_passes_use_distinct_streams_and_final_pattern_is_last() {
        let seed = Seed([5; 16]);
        let t = Scheme::three_pass();
        let a = t.pattern_of(0, seed).unwrap();
        let b = t.pattern_of(1, seed).unwrap();
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.fill(&mut x, 0);
        b.fill(&mut y, 0);
        assert_ne!(x, y);
        assert_eq!(t.final_pattern(seed).unwrap().as_byte(), Some(0));
        assert!(Scheme::dod_5220_22_m()
            .final_pattern(seed)
            .unwrap()
            .is_random());
        assert!(!Scheme::zero().uses_seed());
        assert!(Scheme::gutmann().uses_seed());
    }

    #[test]
    fn custom_schemes_are_validated() {
        assert!(Scheme::custom("x", "x", vec![Pass::write(PatternSpec::repeat(&[]))]).is_err());
        let s = Scheme::custom("x", "x", vec![Pass::write(PatternSpec::byte(0x5A))]).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Scheme>(&json).unwrap(), s);
    }
}
