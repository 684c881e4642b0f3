//! Fuzz target: the registry's submission parser (`crates/registry/src/submit.rs`, compiled
//! in directly so that the fuzz build needs ardoise-cert only, not the server's dependencies).
//! The harness `fuzz_check` feeds the input as a request body and as byte patches over a
//! valid envelope; it panics on an undocumented refusal or on an accepted forgery.
#![no_main]

#[path = "../../crates/registry/src/submit.rs"]
#[allow(dead_code)]
mod submit;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    submit::fuzz_check(data);
});
