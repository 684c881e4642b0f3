//! Technician TUI.
#![forbid(unsafe_code)]
