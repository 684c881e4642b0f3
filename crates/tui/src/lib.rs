//! The technician's interface: a guided flow from the language to the certificates, drawn with
//! ratatui on crossterm for the Linux text console (TERM=linux, 80×25, 16 colours, the console
//! font's glyphs only) and serial consoles.
//!
//! - [`app`]: the state and its rules, pure (keys and events in, commands out);
//! - [`ui`]: drawing, every word from [`i18n`];
//! - [`runtime`]: the terminal loop and the threads that do the work (station, discovery,
//!   probing, erase jobs, certification, uploads, network checks), talking over channels.
#![forbid(unsafe_code)]

pub mod app;
pub mod capture;
pub mod destination;
pub mod export;
pub mod fmt;
pub mod glyphs;
pub mod i18n;
pub mod labels;
pub mod model;
pub mod net;
pub mod power;
pub mod problem;
pub mod qr;
pub mod quick;
pub mod receipts;
pub mod runtime;
pub mod setup;
pub mod sim;
pub mod storage_view;
pub mod ui;

pub use runtime::{run, TuiError, TuiExit, TuiOptions};
