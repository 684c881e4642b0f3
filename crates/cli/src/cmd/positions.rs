//! `ardoise verify`'s `samples` check and `--positions`: the sample positions a certificate
//! read are recomputed from its seed and recorded plan (algorithm `ardoise-sample-v2`,
//! docs/methods.md), and the figures it states must follow.

use ardoise_cert::payload::Certificate;
use ardoise_cert::verify::{Check, CheckStatus, Verdict, VerifyReport};
use ardoise_erase::pattern::Seed;
use ardoise_erase::verify::plan::{ExtentKind, SampleParams, SamplePlan, ALGORITHM};

/// Recomputes the plan a certificate records; `Ok(None)` when it records none (a full
/// read-back, no verification, or a certificate made before plans were recorded).
pub fn recompute(c: &Certificate) -> Result<Option<SamplePlan>, String> {
    let v = &c.verification;
    let Some(r) = &v.sample_plan else {
        return Ok(None);
    };
    if r.algorithm != ALGORITHM {
        return Err(format!(
            "the certificate's positions were drawn with {}, this ardoise knows {ALGORITHM}",
            r.algorithm
        ));
    }
    let seed = v
        .seed
        .as_deref()
        .ok_or("no seed is recorded")
        .and_then(|s| Seed::from_hex(s).map_err(|_| "the seed is not 16 bytes of hex"))?;
    let params = SampleParams {
        strata: r.strata,
        samples_per_stratum: r.samples_per_stratum,
        coverage_ppm: r.coverage_ppm_requested,
        min_sample_bytes: r.min_sample_bytes,
        edge_bytes: r.edge_bytes,
    };
    let plan = SamplePlan::new(seed, r.device_bytes, r.sector_size, &params)
        .map_err(|e| format!("the recorded parameters make no plan: {e}"))?;
    let s = plan.summary();
    let mut differ = Vec::new();
    let mut compare = |what: &str, recorded: u64, recomputed: u64| {
        if recorded != recomputed {
            differ.push(format!(
                "{what} {recorded} recorded, {recomputed} recomputed"
            ));
        }
    };
    compare("unit_bytes", r.unit_bytes, s.unit_bytes);
    compare("extents", r.extents, s.extents);
    compare("bytes_planned", r.bytes_planned, s.bytes_planned);
    if let Some(b) = v.parameters.sample_bytes {
        compare("sample_bytes", b, s.sample_bytes);
    }
    if let Some(n) = v.parameters.subsections {
        compare("subsections", n, s.strata);
    }
    if v.parameters.bytes_read > s.bytes_planned {
        differ.push(format!(
            "bytes_read {} exceeds what the plan reads ({})",
            v.parameters.bytes_read, s.bytes_planned
        ));
    }
    if differ.is_empty() {
        Ok(Some(plan))
    } else {
        Err(format!(
            "the recomputed plan disagrees: {}",
            differ.join("; ")
        ))
    }
}

/// Adds the `samples` check to every certificate that passed the schema check; a failure makes
/// the certificate invalid.
pub fn check_all(report: &mut VerifyReport) {
    for v in &mut report.certificates {
        let Some(c) = &v.certificate else {
            continue;
        };
        let (status, detail) = match recompute(c) {
            Ok(Some(plan)) => (
                CheckStatus::Pass,
                format!(
                    "{} positions recomputed from the seed ({})",
                    plan.extents().len(),
                    plan.summary().algorithm
                ),
            ),
            Ok(None) => (
                CheckStatus::Skipped,
                "no sample plan recorded (full read-back, no verification, or an older certificate)"
                    .to_string(),
            ),
            Err(e) => (CheckStatus::Fail, e),
        };
        if status == CheckStatus::Fail {
            v.verdict = Verdict::Invalid;
            report.ok = false;
        }
        v.checks.push(Check {
            name: "samples",
            status,
            detail,
        });
    }
}

/// A file name as a CSV field: control characters escaped (a name must not drive the
/// auditor's terminal), and quoted (RFC 4180) when it holds a comma or a double quote.
fn csv_file_name(file: &std::path::Path) -> String {
    let name = ardoise_cert::verify::escape_controls(&file.display().to_string());
    if name.contains([',', '"']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name
    }
}

/// `file,offset,length,kind` lines for every valid certificate with a sample plan.
pub fn listing(report: &VerifyReport) -> String {
    let mut out = String::from("file,offset,length,kind\n");
    for v in &report.certificates {
        let Some(Ok(Some(plan))) = v.certificate.as_ref().map(recompute) else {
            continue;
        };
        for e in plan.extents() {
            let kind = match e.kind {
                ExtentKind::Head => "head".to_string(),
                ExtentKind::Tail => "tail".to_string(),
                ExtentKind::Whole => "whole".to_string(),
                ExtentKind::Stratum { stratum } => format!("stratum {stratum}"),
            };
            out.push_str(&format!(
                "{},{},{},{kind}\n",
                csv_file_name(&v.file),
                e.offset,
                e.len
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::csv_file_name;
    use std::path::Path;

    #[test]
    fn file_names_are_one_printable_csv_field() {
        assert_eq!(csv_file_name(Path::new("a/b.dsse.json")), "a/b.dsse.json");
        assert_eq!(
            csv_file_name(Path::new("x\u{1b}[2K\rVALID\n.json")),
            "x\\u{1b}[2K\\rVALID\\n.json"
        );
        assert_eq!(
            csv_file_name(Path::new("lot 3, \"b\".json")),
            "\"lot 3, \"\"b\"\".json\""
        );
    }
}
