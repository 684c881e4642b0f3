//! Overwrite patterns that can be recomputed at any byte offset.
//!
//! Every pattern is a pure function of `(spec, seed, stream, offset)`: [`Pattern::fill`] writes the
//! bytes that belong at `offset` into a buffer, whatever was filled before. The overwrite engine
//! and the verifier therefore agree on the expected content of any sector without storing it,
//! and an auditor holding the seed from the certificate can recompute it too.
//!
//! - [`PatternSpec::Byte`]: one byte everywhere (0x00, 0xFF, ...).
//! - [`PatternSpec::Repeat`]: a short byte sequence repeated from offset 0 of the device (Gutmann's
//!   3-byte patterns, 32-bit words); the byte at offset `o` is `bytes[o % bytes.len()]`.
//! - [`PatternSpec::Random`]: the AES-128-CTR keystream under the 128-bit [`Seed`] as key, with the
//!   counter block `stream (u64, big-endian) ‖ offset / 16 (u64, big-endian)`; the byte at offset
//!   `o` is byte `o % 16` of `AES-128(seed, counter block)`. Each random pass of a scheme uses its
//!   own `stream` (the pass index), so passes never repeat each other.

use std::fmt;

use aes::cipher::consts::U16;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::inout::InOutBuf;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipherCore};
use aes::Aes128Enc;
use serde::{Deserialize, Serialize};

type CtrCore = ctr::CtrCore<Aes128Enc, ctr::flavors::Ctr128BE>;

/// Longest accepted repeating pattern, in bytes.
pub const MAX_REPEAT_LEN: usize = 512;

/// A 128-bit seed: the AES-128 key of the random pattern, or the seed of a sample plan. It is
/// recorded (hex) in the certificate so that anyone can recompute the expected content; it is not
/// a secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Seed(pub [u8; 16]);

impl Seed {
    /// A fresh seed from the operating system's random generator.
    pub fn random() -> Result<Seed, PatternError> {
        let mut b = [0u8; 16];
        getrandom::getrandom(&mut b).map_err(|e| PatternError::Entropy(e.to_string()))?;
        Ok(Seed(b))
    }

    /// Parses 32 hex digits (surrounding whitespace ignored).
    pub fn from_hex(s: &str) -> Result<Seed, PatternError> {
        let v = hex::decode(s.trim()).map_err(|_| PatternError::BadSeed(s.to_string()))?;
        let b: [u8; 16] = v
            .try_into()
            .map_err(|_| PatternError::BadSeed(s.to_string()))?;
        Ok(Seed(b))
    }

    /// The seed as 32 lowercase hex digits, as recorded in certificates.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The 16 key bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seed({})", self.to_hex())
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Seed::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// What a pass writes, as data (goes into schemes and certificates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PatternSpec {
    /// One byte everywhere.
    Byte {
        /// The byte written.
        value: u8,
    },
    /// A byte sequence repeated from device offset 0 (`bytes` in hex in JSON).
    Repeat {
        /// The repeated bytes, 1 to [`MAX_REPEAT_LEN`].
        #[serde(with = "hex_bytes")]
        bytes: Vec<u8>,
    },
    /// The AES-128-CTR keystream of the job's seed (see the module documentation).
    Random,
}

impl PatternSpec {
    /// Zeros everywhere.
    pub const ZEROS: PatternSpec = PatternSpec::Byte { value: 0x00 };
    /// 0xFF everywhere.
    pub const ONES: PatternSpec = PatternSpec::Byte { value: 0xFF };

    /// The byte `value` everywhere.
    pub fn byte(value: u8) -> PatternSpec {
        PatternSpec::Byte { value }
    }

    /// `bytes` repeated from device offset 0.
    pub fn repeat(bytes: &[u8]) -> PatternSpec {
        PatternSpec::Repeat {
            bytes: bytes.to_vec(),
        }
    }

    /// `true` for the AES-128-CTR keystream.
    pub fn is_random(&self) -> bool {
        matches!(self, PatternSpec::Random)
    }

    /// Checks the spec (a repeating pattern must hold 1 to [`MAX_REPEAT_LEN`] bytes).
    pub fn validate(&self) -> Result<(), PatternError> {
        match self {
            PatternSpec::Repeat { bytes } if bytes.is_empty() || bytes.len() > MAX_REPEAT_LEN => {
                Err(PatternError::BadRepeat(bytes.len()))
            }
            _ => Ok(()),
        }
    }

    /// A short human description, e.g. `0x00`, `0x92 0x49 0x24`, `random (AES-128-CTR)`.
    pub fn describe(&self) -> String {
        match self {
            PatternSpec::Byte { value } => format!("0x{value:02X}"),
            PatternSpec::Repeat { bytes } => bytes
                .iter()
                .map(|b| format!("0x{b:02X}"))
                .collect::<Vec<_>>()
                .join(" "),
            PatternSpec::Random => "random (AES-128-CTR)".to_string(),
        }
    }
}

impl fmt::Display for PatternSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Errors of this module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A repeating pattern is empty or longer than [`MAX_REPEAT_LEN`] bytes (the length given).
    #[error("a repeating pattern needs 1 to {MAX_REPEAT_LEN} bytes, got {0}")]
    BadRepeat(usize),
    /// A seed that is not 32 hex digits (the text given).
    #[error("not a 128-bit hex seed: {0:?}")]
    BadSeed(String),
    /// The operating system's random generator failed (its error).
    #[error("no entropy from the operating system: {0}")]
    Entropy(String),
}

/// A ready-to-use pattern generator. Cheap to clone; `fill` takes `&self` so that several threads
/// can share one.
#[derive(Clone)]
pub struct Pattern {
    spec: PatternSpec,
    seed: Seed,
    stream: u64,
    source: Source,
}

#[derive(Clone)]
enum Source {
    Byte(u8),
    Repeat(Vec<u8>),
    /// Boxed: the expanded key schedule is large.
    Random(Box<Aes128Enc>),
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("spec", &self.spec)
            .field("seed", &self.seed)
            .field("stream", &self.stream)
            .finish()
    }
}

impl Pattern {
    /// The generator for `spec`; `seed` and `stream` only matter for [`PatternSpec::Random`].
    pub fn new(spec: &PatternSpec, seed: Seed, stream: u64) -> Result<Pattern, PatternError> {
        spec.validate()?;
        let source = match spec {
            PatternSpec::Byte { value } => Source::Byte(*value),
            PatternSpec::Repeat { bytes } => Source::Repeat(bytes.clone()),
            PatternSpec::Random => {
                Source::Random(Box::new(Aes128Enc::new(GenericArray::from_slice(&seed.0))))
            }
        };
        Ok(Pattern {
            spec: spec.clone(),
            seed,
            stream,
            source,
        })
    }

    /// Zeros everywhere.
    pub fn zeros() -> Pattern {
        Pattern::byte(0)
    }

    /// The byte `value` everywhere.
    pub fn byte(value: u8) -> Pattern {
        Pattern::new(&PatternSpec::byte(value), Seed([0; 16]), 0).expect("a byte pattern is valid")
    }

    /// The AES-128-CTR keystream of `seed` in stream `stream`.
    pub fn random(seed: Seed, stream: u64) -> Pattern {
        Pattern::new(&PatternSpec::Random, seed, stream).expect("a random pattern is valid")
    }

    /// What the pattern writes.
    pub fn spec(&self) -> &PatternSpec {
        &self.spec
    }

    /// The seed of the keystream (all zeros for non-random patterns).
    pub fn seed(&self) -> Seed {
        self.seed
    }

    /// Stream number of the keystream (the pass index), so that each pass of a scheme differs.
    pub fn stream(&self) -> u64 {
        self.stream
    }

    /// `true` for the AES-128-CTR keystream.
    pub fn is_random(&self) -> bool {
        matches!(self.source, Source::Random(_))
    }

    /// For the non-random patterns, the period in bytes (1 for a byte): a buffer filled at any
    /// offset that is a multiple of the period holds the same bytes, so the engine fills one
    /// buffer once and writes it everywhere. `None` for the random pattern.
    pub fn period(&self) -> Option<usize> {
        match &self.source {
            Source::Byte(_) => Some(1),
            Source::Repeat(b) => Some(b.len()),
            Source::Random(_) => None,
        }
    }

    /// The single byte of a [`PatternSpec::Byte`] pattern.
    pub fn as_byte(&self) -> Option<u8> {
        match self.source {
            Source::Byte(b) => Some(b),
            _ => None,
        }
    }

    /// Writes into `buf` the bytes that belong at device offsets `offset .. offset + buf.len()`.
    /// Any offset is accepted; the content depends only on the absolute offset.
    pub fn fill(&self, buf: &mut [u8], offset: u64) {
        match &self.source {
            Source::Byte(b) => buf.fill(*b),
            Source::Repeat(p) => fill_repeat(buf, p, offset),
            Source::Random(cipher) => fill_keystream(cipher, self.stream, buf, offset),
        }
    }
}

/// Repeats `pattern` so that `buf[i] = pattern[(offset + i) % pattern.len()]`, by doubling copies.
fn fill_repeat(buf: &mut [u8], pattern: &[u8], offset: u64) {
    let p = pattern.len();
    let phase = (offset % p as u64) as usize;
    let first = buf.len().min(p);
    for (i, b) in buf[..first].iter_mut().enumerate() {
        *b = pattern[(phase + i) % p];
    }
    // buf[0..filled] is now periodic with period p; copying it forward keeps it so as long as
    // `filled` stays a multiple of p.
    let mut filled = first;
    while filled < buf.len() {
        let n = filled.min(buf.len() - filled);
        buf.copy_within(0..n, filled);
        filled += n;
    }
}

/// The counter block for keystream block `block` of stream `stream`.
fn counter_block(stream: u64, block: u64) -> [u8; 16] {
    ((u128::from(stream) << 64) | u128::from(block)).to_be_bytes()
}

fn fill_keystream(cipher: &Aes128Enc, stream: u64, buf: &mut [u8], offset: u64) {
    let first_block = offset / 16;
    let skip = (offset % 16) as usize;
    write_keystream(
        cipher.clone(),
        counter_block(stream, first_block),
        skip,
        buf,
    );
}

/// Writes the AES-CTR keystream starting at `skip` bytes into the block with counter `ctr0`
/// (128-bit big-endian increment), without XOR: the buffer's previous content is irrelevant.
fn write_keystream(cipher: Aes128Enc, ctr0: [u8; 16], skip: usize, buf: &mut [u8]) {
    let mut core = CtrCore::inner_iv_init(cipher, GenericArray::from_slice(&ctr0));
    let mut rest = buf;
    if skip != 0 {
        let mut block = GenericArray::<u8, U16>::default();
        core.write_keystream_block(&mut block);
        let n = (16 - skip).min(rest.len());
        rest[..n].copy_from_slice(&block[skip..skip + n]);
        rest = &mut rest[n..];
    }
    let (mut blocks, mut tail) = InOutBuf::from(rest).into_chunks::<U16>();
    core.write_keystream_blocks(blocks.get_out());
    if !tail.is_empty() {
        let mut block = GenericArray::<u8, U16>::default();
        core.write_keystream_block(&mut block);
        let out = tail.get_out();
        let n = out.len();
        out.copy_from_slice(&block[..n]);
    }
}

/// AES-128-CTR keystream from an arbitrary initial counter block (for known-answer tests and
/// auditors' tools): `out` receives the keystream blocks `ctr0, ctr0 + 1, ...`.
pub fn aes128_ctr_keystream(key: &[u8; 16], ctr0: &[u8; 16], out: &mut [u8]) {
    write_keystream(Aes128Enc::new(GenericArray::from_slice(key)), *ctr0, 0, out);
}

/// The first 8 bytes of the keystream of `seed` at counter block `(stream, block)`, as a
/// little-endian u64: the pseudo-random numbers of sample plans are drawn this way.
pub(crate) fn keystream_words(seed: &Seed, stream: u64, out: &mut [u64]) {
    let mut bytes = vec![0u8; out.len() * 8];
    write_keystream(
        Aes128Enc::new(GenericArray::from_slice(&seed.0)),
        counter_block(stream, 0),
        0,
        &mut bytes,
    );
    for (w, c) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        *w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt: output blocks and ciphertext.
    #[test]
    fn aes128_ctr_known_answer_sp800_38a_f51() {
        let key: [u8; 16] = h("2b7e151628aed2a6abf7158809cf4f3c").try_into().unwrap();
        let ctr: [u8; 16] = h("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").try_into().unwrap();
        let mut ks = [0u8; 64];
        aes128_ctr_keystream(&key, &ctr, &mut ks);
        let outputs = h(concat!(
            "ec8cdf7398607cb0f2d21675ea9ea1e4",
            "362b7c3c6773516318a077d7fc5073ae",
            "6a2cc3787889374fbeb4c81b17ba6c44",
            "e89c399ff0f198c6d40a31db156cabfe"
        ));
        assert_eq!(ks.to_vec(), outputs);
        let plain = h(concat!(
            "6bc1bee22e409f96e93d7e117393172a",
            "ae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52ef",
            "f69f2445df4f9b17ad2b417be66c3710"
        ));
        let cipher: Vec<u8> = plain.iter().zip(ks.iter()).map(|(p, k)| p ^ k).collect();
        assert_eq!(
            cipher,
            h(concat!(
                "874d6191b620e3261bef6864990db6ce",
                "9806f66b7970fdff8617187bb9fffdff",
                "5ae4df3edbd5d35e5b4f09020db03eab",
                "1e031dda2fbe03d1792170a0f3009cee"
            ))
        );
    }

    #[test]
    fn random_pattern_is_the_documented_counter_layout() {
        // Block b of stream s is AES(seed, s ‖ b): check block 3 of stream 7 against the raw
        // keystream function.
        let seed = Seed(*b"0123456789abcdef");
        let p = Pattern::random(seed, 7);
        let mut got = [0u8; 16];
        p.fill(&mut got, 48);
        let mut want = [0u8; 16];
        let mut ctr = [0u8; 16];
        ctr[7] = 7;
        ctr[15] = 3;
        aes128_ctr_keystream(&seed.0, &ctr, &mut want);
        assert_eq!(got, want);
    }

    fn check_seekable(p: &Pattern) {
        let mut whole = vec![0u8; 70_000];
        p.fill(&mut whole, 0);
        for &(at, len) in &[
            (0usize, 70_000usize),
            (1, 100),
            (15, 17),
            (16, 4096),
            (4095, 33),
            (4096, 65_536),
            (12_345, 1),
            (69_999, 1),
            (3, 0),
        ] {
            let mut part = vec![0xEEu8; len];
            p.fill(&mut part, at as u64);
            assert_eq!(part, whole[at..at + len], "offset {at} len {len}");
        }
    }

    #[test]
    fn every_pattern_is_seekable() {
        let seed = Seed::random().unwrap();
        check_seekable(&Pattern::random(seed, 0));
        check_seekable(&Pattern::random(seed, 3));
        check_seekable(&Pattern::zeros());
        check_seekable(&Pattern::byte(0xA5));
        for bytes in [&[0x92u8, 0x49, 0x24][..], &[1, 2, 3, 4], &[9], &[7; 512]] {
            check_seekable(&Pattern::new(&PatternSpec::repeat(bytes), seed, 0).unwrap());
        }
    }

    #[test]
    fn repeat_is_anchored_at_device_offset_zero() {
        let p = Pattern::new(&PatternSpec::repeat(&[0x92, 0x49, 0x24]), Seed([0; 16]), 0).unwrap();
        let mut b = [0u8; 5];
        p.fill(&mut b, 4);
        assert_eq!(b, [0x49, 0x24, 0x92, 0x49, 0x24]);
        assert_eq!(p.period(), Some(3));
    }

    #[test]
    fn streams_and_seeds_differ() {
        let s1 = Seed([1; 16]);
        let s2 = Seed([2; 16]);
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        let mut c = [0u8; 64];
        Pattern::random(s1, 0).fill(&mut a, 0);
        Pattern::random(s1, 1).fill(&mut b, 0);
        Pattern::random(s2, 0).fill(&mut c, 0);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
    }

    #[test]
    fn specs_validate_and_serialise() {
        assert!(PatternSpec::repeat(&[]).validate().is_err());
        assert!(PatternSpec::repeat(&[0; 513]).validate().is_err());
        let spec = PatternSpec::repeat(&[0x6D, 0xB6, 0xDB]);
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(json, r#"{"kind":"repeat","bytes":"6db6db"}"#);
        assert_eq!(serde_json::from_str::<PatternSpec>(&json).unwrap(), spec);
        assert_eq!(
            serde_json::to_string(&PatternSpec::ZEROS).unwrap(),
            r#"{"kind":"byte","value":0}"#
        );
        let seed = Seed::random().unwrap();
        assert_eq!(Seed::from_hex(&seed.to_hex()).unwrap(), seed);
        assert!(Seed::from_hex("abcd").is_err());
    }

    #[test]
    fn keystream_words_are_little_endian_words_of_block_zero() {
        let seed = Seed([9; 16]);
        let mut w = [0u64; 3];
        keystream_words(&seed, 42, &mut w);
        let mut bytes = [0u8; 24];
        Pattern::random(seed, 42).fill(&mut bytes, 0);
        assert_eq!(w[0], u64::from_le_bytes(bytes[..8].try_into().unwrap()));
        assert_eq!(w[2], u64::from_le_bytes(bytes[16..].try_into().unwrap()));
    }
}
