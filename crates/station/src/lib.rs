//! The erasure station.
#![forbid(unsafe_code)]

pub mod config;
