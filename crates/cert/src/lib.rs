//! Erasure certificates.
#![forbid(unsafe_code)]
