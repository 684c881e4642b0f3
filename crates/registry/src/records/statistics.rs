//! A workshop's figures: outcomes, techniques, months, machines by destination.

use serde::Serialize;

use super::machines::{self, DestinationMonth};
use crate::db::{Conn, DbError};

/// A workshop's figures, for its report. Counts are of certificates, that is of disks,
/// except [`destinations`](Self::destinations), which counts machines.
#[derive(Debug, Clone, Serialize, Default)]
pub struct WorkshopStats {
    /// The workshop's id.
    pub workshop: String,
    /// Number of its certificates (disks).
    pub certificates: u64,
    /// Outcome `erased` or `erased_with_exceptions`.
    pub disks_erased: u64,
    /// Certificates per outcome, by outcome name.
    pub outcomes: Vec<(String, u64)>,
    /// Certificates per sanitization technique id, most used first.
    pub techniques: Vec<(String, u64)>,
    /// Certificates per verification method, most used first.
    pub verification_methods: Vec<(String, u64)>,
    /// Per month (`YYYY-MM`): certificates, erased, erased with exceptions, not erased.
    pub months: Vec<MonthStats>,
    /// Per month: machines (not disks) by destination.
    pub destinations: Vec<DestinationMonth>,
}

/// One issue month of a workshop's certificates, by outcome.
#[derive(Debug, Clone, Serialize, Default)]
pub struct MonthStats {
    /// The issue month, `YYYY-MM`.
    pub month: String,
    /// Certificates issued that month, all outcomes.
    pub certificates: u64,
    /// Of which outcome `erased`.
    pub erased: u64,
    /// Of which outcome `erased_with_exceptions`.
    pub erased_with_exceptions: u64,
    /// Of which outcome `not_erased` (or any other value).
    pub not_erased: u64,
}

fn counts(c: &mut Conn, sql: &str, workshop: &str) -> Result<Vec<(String, u64)>, DbError> {
    c.query(sql, &[workshop.into()])?
        .iter()
        .map(|r| Ok((r[0].text()?, r[1].int()? as u64)))
        .collect()
}

/// The figures of workshop `workshop`; all zero and empty when it has no certificates.
pub fn workshop_stats(c: &mut Conn, workshop: &str) -> Result<WorkshopStats, DbError> {
    let outcomes = counts(
        c,
        "SELECT outcome, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY outcome ORDER BY outcome",
        workshop,
    )?;
    let techniques = counts(
        c,
        "SELECT technique, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY technique ORDER BY COUNT(*) DESC, technique",
        workshop,
    )?;
    let verification_methods = counts(
        c,
        "SELECT verification_method, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY verification_method ORDER BY COUNT(*) DESC, verification_method",
        workshop,
    )?;
    let mut months: Vec<MonthStats> = Vec::new();
    for r in c.query(
        "SELECT issued_month, outcome, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY issued_month, outcome ORDER BY issued_month",
        &[workshop.into()],
    )? {
        let month = r[0].text()?;
        let n = r[2].int()? as u64;
        if months.last().map(|m| &m.month) != Some(&month) {
            months.push(MonthStats {
                month: month.clone(),
                ..Default::default()
            });
        }
        let m = months.last_mut().expect("pushed");
        m.certificates += n;
        match r[1].text()?.as_str() {
            "erased" => m.erased += n,
            "erased_with_exceptions" => m.erased_with_exceptions += n,
            _ => m.not_erased += n,
        }
    }
    let certificates = outcomes.iter().map(|(_, n)| n).sum();
    let disks_erased = outcomes
        .iter()
        .filter(|(o, _)| o != "not_erased")
        .map(|(_, n)| n)
        .sum();
    Ok(WorkshopStats {
        workshop: workshop.into(),
        certificates,
        disks_erased,
        outcomes,
        techniques,
        verification_methods,
        months,
        destinations: machines::by_month(c, workshop)?,
    })
}

/// Every workshop with its certificate count.
pub fn workshops(c: &mut Conn) -> Result<Vec<(String, u64)>, DbError> {
    c.query(
        "SELECT workshop, COUNT(*) FROM certificates GROUP BY workshop ORDER BY workshop",
        &[],
    )?
    .iter()
    .map(|r| Ok((r[0].text()?, r[1].int()? as u64)))
    .collect()
}
