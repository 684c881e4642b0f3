//! Fuzz target: the registry's submission parser (crate `ardoise-submission`, which needs
//! ardoise-cert only, not the server's dependencies). The harness `fuzz_check` feeds the input
//! as a request body and as byte patches over a valid envelope; it panics on an undocumented
//! refusal or on an accepted forgery.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ardoise_submission::fuzz_check(data);
});
