//! Outbox and uploader.
#![forbid(unsafe_code)]
