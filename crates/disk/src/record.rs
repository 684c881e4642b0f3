//! The transcript of low-level commands sent to a device: every protocol call appends one
//! [`CommandRecord`], and the erase engine hands the transcript to the certificate.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Which command set a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// ATA commands (through ATA PASS-THROUGH).
    Ata,
    /// SCSI commands (SG_IO).
    Scsi,
    /// NVMe admin commands.
    Nvme,
    /// MMC commands (eMMC, SD).
    Mmc,
    /// Block-layer ioctls (BLKDISCARD, BLKSECDISCARD...).
    Block,
}

/// One command and the device's answer, in a form an auditor can read and a tool can replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// Position in the transcript (0-based).
    pub seq: u32,
    /// When the command was sent (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The command set it belongs to.
    pub protocol: Protocol,
    /// Human name, e.g. "SECURITY ERASE UNIT (enhanced)".
    pub name: String,
    /// The raw request: CDB bytes in hex for SCSI/ATA, the NVMe command dwords, the MMC
    /// opcode/argument.
    pub request: String,
    /// blake3 of the data-out buffer, when there was one (passwords never appear in clear).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_out_blake3: Option<String>,
    /// The device's answer in words, e.g. "GOOD", "ABORTED COMMAND (ATA status 0x51 error 0x04)",
    /// "NVMe status 0x4001 Invalid Opcode (DNR)".
    pub outcome: String,
    /// Raw sense bytes / completion dwords in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_reply: Option<String>,
    /// Whether the command completed without error.
    pub ok: bool,
    /// Time from sending to the answer, in milliseconds.
    pub duration_ms: u64,
}

/// An append-only list of command records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    records: Vec<CommandRecord>,
}

/// What a protocol layer fills in; [`Transcript::push`] numbers and timestamps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// The command set it belongs to.
    pub protocol: Protocol,
    /// Human name, as [`CommandRecord::name`].
    pub name: String,
    /// The raw request, as [`CommandRecord::request`].
    pub request: String,
    /// The data-out buffer; only its blake3 is kept.
    pub data_out: Option<Vec<u8>>,
    /// The device's answer in words.
    pub outcome: String,
    /// Raw sense bytes / completion dwords in hex.
    pub raw_reply: Option<String>,
    /// Whether the command completed without error.
    pub ok: bool,
    /// Time from sending to the answer, in milliseconds.
    pub duration_ms: u64,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `rec` with the next sequence number and the current time; returns the record kept.
    pub fn push(&mut self, rec: NewRecord) -> &CommandRecord {
        let seq = self.records.len() as u32;
        self.records.push(CommandRecord {
            seq,
            at: OffsetDateTime::now_utc(),
            protocol: rec.protocol,
            name: rec.name,
            request: rec.request,
            data_out_blake3: rec.data_out.map(|d| blake3::hash(&d).to_hex().to_string()),
            outcome: rec.outcome,
            raw_reply: rec.raw_reply,
            ok: rec.ok,
            duration_ms: rec.duration_ms,
        });
        self.records.last().expect("just pushed")
    }

    /// Every record, in the order sent.
    pub fn records(&self) -> &[CommandRecord] {
        &self.records
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Moves every record out, renumbering nothing (sequence numbers stay as issued).
    pub fn take(&mut self) -> Vec<CommandRecord> {
        std::mem::take(&mut self.records)
    }

    /// Appends records taken from another transcript, renumbering them after ours.
    pub fn extend(&mut self, records: Vec<CommandRecord>) {
        for mut r in records {
            r.seq = self.records.len() as u32;
            self.records.push(r);
        }
    }

    /// blake3 over the JSON-lines form of the transcript: what a certificate commits to.
    pub fn digest(&self) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        for r in &self.records {
            h.update(
                serde_json::to_string(r)
                    .expect("records serialise")
                    .as_bytes(),
            );
            h.update(b"\n");
        }
        h.finalize()
    }
}
