//! Continuity of station journals across a set of certificates.
//!
//! Each station (workshop id + station id) numbers its certificates 0, 1, 2, … and puts the
//! blake3 of the previous envelope into the next. Given some certificates, this finds per
//! station: **gaps** (sequence numbers missing between the ones given), **forks** (two
//! different certificates with the same seq, or the same previous hash), and **broken links**
//! (seq N's previous hash is not the hash of the seq N−1 envelope given).
//!
//! A gap between the files given is normal when an auditor holds a subset (other donors'
//! disks in between): it is a warning, unless the caller says the set is the station's
//! complete journal, in which case gaps (and a start other than seq 0) are failures.

use std::collections::BTreeMap;

use serde::Serialize;

/// What the analysis needs to know about one (signature-checked) certificate.
#[derive(Debug, Clone)]
pub struct JournalMember {
    /// Certificate id (64 lowercase hex digits).
    pub cert_id: String,
    /// The certificate's `issuer.workshop_id`.
    pub workshop: String,
    /// The certificate's `issuer.station_id`.
    pub station: String,
    /// The certificate's `journal.seq`.
    pub seq: u64,
    /// The certificate's `journal.prev_envelope_blake3` (null for seq 0).
    pub prev: Option<String>,
    /// blake3 of this certificate's envelope bytes.
    pub envelope_hash: String,
}

/// Status of one member after the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Linked to its predecessor and successor as far as the set given shows.
    Pass,
    /// Something to look at that may be normal, e.g. a gap when only a subset is given.
    Warn,
    /// Fork, broken link, or a gap in a journal said to be complete.
    Fail,
}

/// The journal verdict on one member, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberVerdict {
    /// Pass, warn or fail.
    pub status: LinkStatus,
    /// The reasons, in words.
    pub detail: String,
}

/// A problem found in one station's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// Sequence numbers `from..=to` are missing between two certificates given.
    Gap {
        /// First missing sequence number.
        from: u64,
        /// Last missing sequence number.
        to: u64,
    },
    /// The journal given does not start at seq 0 (only reported for a complete journal).
    MissingStart {
        /// The lowest sequence number given.
        first_seq: u64,
    },
    /// Several certificates claim the same seq.
    ForkSameSeq {
        /// The shared sequence number.
        seq: u64,
        /// Ids of the certificates that claim it.
        cert_ids: Vec<String>,
    },
    /// Several certificates claim the same predecessor.
    ForkSamePrev {
        /// The shared predecessor envelope hash (lowercase hex blake3).
        prev: String,
        /// Ids of the certificates that claim it.
        cert_ids: Vec<String>,
    },
    /// A certificate's predecessor hash is not the hash of the certificate before it.
    BrokenLink {
        /// Sequence number of the certificate whose link is broken.
        seq: u64,
        /// Its id.
        cert_id: String,
        /// blake3 of the envelope given for seq − 1.
        expected_prev: String,
        /// What the certificate carries in `journal.prev_envelope_blake3`.
        found_prev: Option<String>,
    },
}

/// Summary of one station's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationJournal {
    /// Workshop id.
    pub workshop: String,
    /// Station id within the workshop.
    pub station: String,
    /// Number of certificates of this station given.
    pub certificates: usize,
    /// Lowest sequence number given.
    pub first_seq: u64,
    /// Highest sequence number given.
    pub last_seq: u64,
    /// Gaps, forks and broken links found; empty when the journal is continuous.
    pub findings: Vec<Finding>,
}

/// Analyses members (any order, any stations). Returns one verdict per member (same order)
/// and one summary per station.
pub fn analyse(
    members: &[JournalMember],
    complete: bool,
) -> (Vec<MemberVerdict>, Vec<StationJournal>) {
    let mut by_station: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        by_station
            .entry((m.workshop.as_str(), m.station.as_str()))
            .or_default()
            .push(i);
    }
    let mut analysis = Analysis {
        members,
        complete,
        verdicts: members
            .iter()
            .map(|_| (LinkStatus::Pass, Vec::new()))
            .collect(),
    };
    let journals = by_station
        .into_iter()
        .map(|((workshop, station), idx)| analysis.station(workshop, station, &idx))
        .collect();
    (analysis.into_verdicts(), journals)
}

/// The analysis under way: per member, the worst status found so far and its reasons.
struct Analysis<'a> {
    members: &'a [JournalMember],
    complete: bool,
    verdicts: Vec<(LinkStatus, Vec<String>)>,
}

impl<'a> Analysis<'a> {
    fn raise(&mut self, i: usize, s: LinkStatus, why: String) {
        let e = &mut self.verdicts[i];
        e.0 = e.0.max_with(s);
        e.1.push(why);
    }

    /// One station's members (indices `idx`): forks, then links and gaps in seq order.
    fn station(&mut self, workshop: &str, station: &str, idx: &[usize]) -> StationJournal {
        let members = self.members;
        let mut findings = Vec::new();
        let mut seqs: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        let mut prevs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in idx {
            seqs.entry(members[i].seq).or_default().push(i);
            if let Some(p) = &members[i].prev {
                prevs.entry(p.as_str()).or_default().push(i);
            }
        }
        self.same_seq_forks(&seqs, &mut findings);
        self.same_prev_forks(&prevs, &mut findings);

        // Links and gaps, in seq order.
        let first_seq = *seqs.keys().next().expect("station has members");
        let last_seq = *seqs.keys().next_back().expect("station has members");
        if self.complete && first_seq != 0 {
            findings.push(Finding::MissingStart { first_seq });
            for &i in &seqs[&first_seq] {
                self.raise(
                    i,
                    LinkStatus::Fail,
                    format!("journal should start at seq 0 but starts at {first_seq}"),
                );
            }
        }
        self.links_and_gaps(&seqs, &mut findings);

        StationJournal {
            workshop: workshop.to_string(),
            station: station.to_string(),
            certificates: idx.len(),
            first_seq,
            last_seq,
            findings,
        }
    }

    /// Several certificates with one seq.
    fn same_seq_forks(&mut self, seqs: &BTreeMap<u64, Vec<usize>>, findings: &mut Vec<Finding>) {
        for (seq, list) in seqs {
            if list.len() > 1 {
                let ids = self.cert_ids(list);
                for &i in list {
                    self.raise(
                        i,
                        LinkStatus::Fail,
                        format!("fork: {} certificates claim seq {seq}", list.len()),
                    );
                }
                findings.push(Finding::ForkSameSeq {
                    seq: *seq,
                    cert_ids: ids,
                });
            }
        }
    }

    /// Several certificates following one envelope.
    fn same_prev_forks(&mut self, prevs: &BTreeMap<&str, Vec<usize>>, findings: &mut Vec<Finding>) {
        for (prev, list) in prevs {
            if list.len() > 1 {
                let ids = self.cert_ids(list);
                for &i in list {
                    self.raise(
                        i,
                        LinkStatus::Fail,
                        format!(
                            "fork: {} certificates follow the same envelope {prev}",
                            list.len()
                        ),
                    );
                }
                findings.push(Finding::ForkSamePrev {
                    prev: prev.to_string(),
                    cert_ids: ids,
                });
            }
        }
    }

    fn cert_ids(&self, list: &[usize]) -> Vec<String> {
        list.iter()
            .map(|&i| self.members[i].cert_id.clone())
            .collect()
    }

    /// Each seq against the one before it: a link when consecutive, a gap otherwise.
    fn links_and_gaps(&mut self, seqs: &BTreeMap<u64, Vec<usize>>, findings: &mut Vec<Finding>) {
        let mut previous: Option<u64> = None;
        for (&seq, list) in seqs {
            match previous {
                Some(p) if seq == p + 1 => self.links(seq, list, &seqs[&p], findings),
                Some(p) => self.gap(p, seq, list, findings),
                None => {}
            }
            previous = Some(seq);
        }
    }

    /// Every certificate at `seq` (indices `list`) must point at one at seq-1 (indices
    /// `before`; if there are several, a fork has already been reported).
    fn links(&mut self, seq: u64, list: &[usize], before: &[usize], findings: &mut Vec<Finding>) {
        let members = self.members;
        let p = seq - 1;
        let hashes: Vec<&str> = before
            .iter()
            .map(|&j| members[j].envelope_hash.as_str())
            .collect();
        for &i in list {
            let found = members[i].prev.as_deref();
            if !found.is_some_and(|f| hashes.contains(&f)) {
                self.raise(
                    i,
                    LinkStatus::Fail,
                    format!(
                        "broken link: previous hash {} is not the hash of the seq {p} envelope {}",
                        found.unwrap_or("null"),
                        hashes[0]
                    ),
                );
                findings.push(Finding::BrokenLink {
                    seq,
                    cert_id: members[i].cert_id.clone(),
                    expected_prev: hashes[0].to_string(),
                    found_prev: found.map(str::to_string),
                });
            }
        }
    }

    /// Seqs between `p` and `seq` are missing: a failure in a complete journal, else a warning.
    fn gap(&mut self, p: u64, seq: u64, list: &[usize], findings: &mut Vec<Finding>) {
        findings.push(Finding::Gap {
            from: p + 1,
            to: seq - 1,
        });
        let (status, word) = if self.complete {
            (LinkStatus::Fail, "missing from the journal")
        } else {
            (LinkStatus::Warn, "not among the files given")
        };
        for &i in list {
            self.raise(
                i,
                status,
                format!("gap: seq {}..={} {word}", p + 1, seq - 1),
            );
        }
    }

    /// The verdicts, with a detail saying what was checked when nothing was found.
    fn into_verdicts(self) -> Vec<MemberVerdict> {
        self.verdicts
            .into_iter()
            .zip(self.members)
            .map(|((status, reasons), m)| MemberVerdict {
                status,
                detail: if reasons.is_empty() {
                    let link = if m.seq == 0 {
                        "first certificate of the station".to_string()
                    } else {
                        format!("seq {} of {}/{}", m.seq, m.workshop, m.station)
                    };
                    format!("{link}; no gap or fork among the files given")
                } else {
                    reasons.join("; ")
                },
            })
            .collect()
    }
}

trait MaxWith {
    fn max_with(self, other: Self) -> Self;
}

impl MaxWith for LinkStatus {
    fn max_with(self, other: Self) -> Self {
        use LinkStatus::*;
        match (self, other) {
            (Fail, _) | (_, Fail) => Fail,
            (Warn, _) | (_, Warn) => Warn,
            _ => Pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(seq: u64, branch: &str) -> String {
        blake3::hash(format!("{branch}{seq}").as_bytes())
            .to_hex()
            .to_string()
    }

    /// A clean chain of `n` members at one station.
    fn chain(n: u64) -> Vec<JournalMember> {
        (0..n)
            .map(|seq| JournalMember {
                cert_id: format!("c{seq}"),
                workshop: "ws".into(),
                station: "st".into(),
                seq,
                prev: (seq > 0).then(|| h(seq - 1, "")),
                envelope_hash: h(seq, ""),
            })
            .collect()
    }

    #[test]
    fn clean_chain_passes() {
        let (v, j) = analyse(&chain(5), true);
        assert!(v.iter().all(|m| m.status == LinkStatus::Pass), "{v:?}");
        assert_eq!(j[0].findings, vec![]);
        assert_eq!(
            (j[0].first_seq, j[0].last_seq, j[0].certificates),
            (0, 4, 5)
        );
    }

    #[test]
    fn gaps_are_found() {
        let mut m = chain(6);
        m.remove(3);
        m.remove(2);
        let (v, j) = analyse(&m, false);
        assert_eq!(j[0].findings, vec![Finding::Gap { from: 2, to: 3 }]);
        assert_eq!(v[2].status, LinkStatus::Warn); // seq 4
        assert!(v[2].detail.contains("gap"));
        let (v, _) = analyse(&m, true);
        assert_eq!(v[2].status, LinkStatus::Fail);
        // A complete journal must start at 0.
        let (v, j) = analyse(&chain(6)[2..], true);
        assert_eq!(j[0].findings, vec![Finding::MissingStart { first_seq: 2 }]);
        assert_eq!(v[0].status, LinkStatus::Fail);
    }

    #[test]
    fn same_seq_fork_is_found() {
        let mut m = chain(4);
        m.push(JournalMember {
            cert_id: "evil2".into(),
            envelope_hash: h(2, "evil"),
            ..m[2].clone()
        });
        let (v, j) = analyse(&m, false);
        assert!(j[0]
            .findings
            .iter()
            .any(|f| matches!(f, Finding::ForkSameSeq { seq: 2, .. })));
        assert_eq!(v[2].status, LinkStatus::Fail);
        assert_eq!(v[4].status, LinkStatus::Fail);
        assert_eq!(v[0].status, LinkStatus::Pass);
    }

    #[test]
    fn same_prev_fork_and_broken_link_are_found() {
        let mut m = chain(5);
        // seq 3 claims seq 1 as predecessor: same prev as seq 2, and a broken link.
        m[3].prev = m[2].prev.clone();
        let (v, j) = analyse(&m, false);
        assert!(j[0]
            .findings
            .iter()
            .any(|f| matches!(f, Finding::ForkSamePrev { .. })));
        assert!(j[0]
            .findings
            .iter()
            .any(|f| matches!(f, Finding::BrokenLink { seq: 3, .. })));
        assert_eq!(v[3].status, LinkStatus::Fail);
        assert_eq!(v[4].status, LinkStatus::Pass);
    }

    #[test]
    fn stations_are_separate() {
        let mut m = chain(2);
        let mut other = chain(2);
        for o in &mut other {
            o.station = "st2".into();
            o.cert_id.push('b');
        }
        m.extend(other);
        let (v, j) = analyse(&m, true);
        assert_eq!(j.len(), 2);
        assert!(v.iter().all(|x| x.status == LinkStatus::Pass));
    }
}
