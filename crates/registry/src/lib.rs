//! Certificate registry.
#![forbid(unsafe_code)]
