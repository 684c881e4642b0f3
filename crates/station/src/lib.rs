//! The erasure station.
#![forbid(unsafe_code)]
