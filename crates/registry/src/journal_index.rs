//! What the writer knows of the stored log without asking the database: every certificate
//! id with its log index, and each station's journal (by sequence number, envelope hash and
//! predecessor), for the duplicate and journal-continuity rules of docs/registry.md.

use std::collections::{BTreeMap, HashMap};

use ardoise_cert::merkle::Hash;

use crate::submit::{Accepted, Rejection};

/// What the writer knows about one station's journal.
#[derive(Default)]
pub(crate) struct StationIndex {
    by_seq: BTreeMap<u64, Link>,
    /// Envelope hash -> seq of the stored certificate with that envelope.
    by_hash: HashMap<Hash, u64>,
    /// Predecessor hash -> seq of the stored certificate that follows it.
    by_prev: HashMap<Hash, u64>,
}

#[derive(Clone, Copy)]
pub(crate) struct Link {
    pub cert_id: Hash,
    pub envelope_hash: Hash,
    pub prev: Option<Hash>,
}

#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub index: u64,
    pub received_at: i64,
}

#[derive(Default)]
pub(crate) struct Index {
    pub ids: HashMap<Hash, Entry>,
    stations: HashMap<(String, String), StationIndex>,
}

impl Index {
    pub fn insert(&mut self, workshop: &str, station: &str, seq: u64, link: Link, entry: Entry) {
        self.ids.insert(link.cert_id, entry);
        let st = self
            .stations
            .entry((workshop.to_string(), station.to_string()))
            .or_default();
        st.by_seq.insert(seq, link);
        st.by_hash.insert(link.envelope_hash, seq);
        if let Some(p) = link.prev {
            st.by_prev.insert(p, seq);
        }
    }

    pub fn remove(&mut self, a: &Accepted) {
        self.ids.remove(&a.cert_id_bytes());
        if let Some(st) = self
            .stations
            .get_mut(&(a.workshop().to_string(), a.station().to_string()))
        {
            st.by_seq.remove(&a.seq());
            st.by_hash.remove(&a.envelope_hash);
            if let Some(p) = a.prev() {
                st.by_prev.remove(&p);
            }
        }
    }

    /// Journal continuity of a new certificate against what is stored (see docs/registry.md).
    pub fn check_journal(&self, a: &Accepted) -> Result<(), Rejection> {
        let Some(st) = self
            .stations
            .get(&(a.workshop().to_string(), a.station().to_string()))
        else {
            return Ok(());
        };
        let seq = a.seq();
        let who = format!("{}/{}", a.workshop(), a.station());
        if let Some(other) = st.by_seq.get(&seq) {
            return Err(Rejection::new(
                409,
                "journal_fork",
                format!(
                    "{who} already has certificate {} at seq {seq}: two certificates cannot share a sequence number",
                    hex::encode(other.cert_id)
                ),
            )
            .field("journal.seq"));
        }
        let prev = a.prev();
        if seq > 0 {
            if let Some(before) = st.by_seq.get(&(seq - 1)) {
                if prev != Some(before.envelope_hash) {
                    return Err(Rejection::new(
                        409,
                        "journal_broken_link",
                        format!(
                            "journal.prev_envelope_blake3 is not the hash of {who}'s stored seq {} (certificate {}, envelope {})",
                            seq - 1,
                            hex::encode(before.cert_id),
                            hex::encode(before.envelope_hash)
                        ),
                    )
                    .field("journal.prev_envelope_blake3"));
                }
            }
        }
        if let Some(after) = st.by_seq.get(&(seq + 1)) {
            if after.prev != Some(a.envelope_hash) {
                return Err(Rejection::new(
                    409,
                    "journal_broken_link",
                    format!(
                        "{who}'s stored seq {} (certificate {}) follows another envelope than this one",
                        seq + 1,
                        hex::encode(after.cert_id)
                    ),
                )
                .field("journal.seq"));
            }
        }
        if let Some(p) = prev {
            if let Some(&s) = st.by_hash.get(&p) {
                if s + 1 != seq {
                    return Err(Rejection::new(
                        409,
                        "journal_broken_link",
                        format!("journal.prev_envelope_blake3 is the envelope of {who}'s seq {s}, not of seq {}", seq.saturating_sub(1)),
                    )
                    .field("journal.prev_envelope_blake3"));
                }
            }
            if let Some(&s) = st.by_prev.get(&p) {
                return Err(Rejection::new(
                    409,
                    "journal_fork",
                    format!("{who}'s stored seq {s} already follows the same envelope"),
                )
                .field("journal.prev_envelope_blake3"));
            }
        }
        Ok(())
    }
}
