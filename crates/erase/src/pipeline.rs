//! The pieces both engines that stream over a disk use: the overwrite ([`crate::overwrite`]) and
//! the read-back ([`crate::verify`]). Byte ranges, the ring of buffers shared by generator and
//! I/O threads, cancellation and progress, the rate meter. Neither engine imports the other's
//! internals; both import these.

mod control;
mod meter;
mod ranges;
pub(crate) mod ring;

pub use control::{CancelToken, Control, Phase, Progress};
pub(crate) use meter::Meter;
pub use ranges::{ByteRange, RangeSet};
