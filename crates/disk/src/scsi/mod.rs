//! SCSI command layer: sense data, CDB encoders, response parsers, and [`ScsiDevice`], the typed
//! calls ardoise makes on a SCSI/SAS logical unit (and the SCSI side of an ATA disk behind
//! libata's SAT layer).
//!
//! Everything here works on raw bytes through [`crate::transport::ScsiTransport`]; the
//! simulator ([`crate::sim::scsi`]) decodes the same bytes independently.

pub mod cdb;
pub mod device;
pub mod response;
pub mod sense;

pub use cdb::{
    EncodeError, SanitizeServiceAction, ScsiOverwrite, ScsiSanitizeOp, ScsiSanitizeRequest,
};
pub use device::{status_name, CommandError, Completion, ScsiDevice, DEFAULT_TIMEOUT};
pub use response::{
    Capacity16, CommandSupport, Designator, DeviceIdentification, OneCommandSupport, ResponseError,
    StandardInquiry,
};
pub use sense::{asc_name, AtaStatusReturn, FixedFields, Sense, SenseError, SenseFormat, SenseKey};
