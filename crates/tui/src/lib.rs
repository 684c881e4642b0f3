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
pub mod export;
pub mod fmt;
pub mod glyphs;
pub mod i18n;
pub mod labels;
pub mod net;
pub mod power;
pub mod problem;
pub mod qr;
pub mod quick;
pub mod receipts;
pub mod runtime;
pub mod screen_data;
pub mod sim;
pub mod storage_view;
pub mod ui;
pub mod wording;

/// The first-run setup screen, kept at its old path: its form and keys are in `app`, its
/// drawing in `ui`.
pub mod setup {
    pub use crate::app::setup::{SetupDone, SetupForm, SetupRequest, FIELDS};
    pub use crate::ui::setup::draw;
}

/// The destination screen, kept at its old path: its form and keys are in `app`, its drawing
/// in `ui`.
pub mod destination {
    pub use crate::app::destination::DestinationForm;
    pub use crate::ui::destination::{draw, reason_text};
}

pub use runtime::{run, TuiError, TuiExit, TuiOptions};
