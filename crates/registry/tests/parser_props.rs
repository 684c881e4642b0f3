//! Property tests of the submission parser: random bytes, and random byte patches over a
//! valid envelope (the same harness as the `cargo fuzz` target), with a seeded generator so
//! that a failure is reproducible. Each input must be refused with one of the documented
//! codes, or be the genuine certificate.

use ardoise_registry::submit::fuzz_check;

/// xorshift64*: small, seedable, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_bytes_and_patches_never_panic_and_are_classified() {
    let seed = std::env::var("ARDOISE_PROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_u64);
    let mut rng = Rng(seed);
    for i in 0..4000 {
        let len = (rng.next() % 64) as usize * 3;
        let data = rng.bytes(len);
        let r = std::panic::catch_unwind(|| fuzz_check(&data));
        assert!(r.is_ok(), "seed {seed}, iteration {i}: input {data:?}");
    }
}

#[test]
fn json_shaped_inputs_are_classified() {
    let samples: &[&[u8]] = &[
        b"",
        b"null",
        b"{}",
        b"[]",
        b"\"x\"",
        b"{\"payloadType\":null,\"payload\":null,\"signatures\":null}",
        b"{\"payloadType\":\"application/vnd.ardoise.erasure-certificate.v1+json\",\"payload\":\"\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"\"}]}",
        b"{\"payloadType\":\"application/vnd.ardoise.erasure-certificate.v1+json\",\"payload\":\"e30=\",\"signatures\":[{\"keyid\":\"x\",\"sig\":\"AAAA\"},{\"keyid\":\"y\",\"sig\":\"AAAA\"}]}",
        b"{\"a\":1e999999}",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];
    for s in samples {
        fuzz_check(s);
    }
    // Deep nesting beyond serde_json's recursion limit is an error, not a stack overflow.
    let deep = "[".repeat(100_000);
    fuzz_check(deep.as_bytes());
}
