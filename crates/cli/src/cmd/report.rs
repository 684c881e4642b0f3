//! `ardoise report FILE... --out PDF [--lang fr|en] [--registry-url URL]`: the donor PDF;
//! with `--label[=62mm|a4]`, the machines' labels instead.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ardoise_cert::report::label::{labels, LabelFormat};
use ardoise_cert::report::{report, Language, ReportOptions};
use ardoise_cert::station_store::write_atomic;
use ardoise_cert::verify::{Verdict, VerifyOptions};

use super::{certificate_files, load_registry_key, load_trust, TRUST_ENV};

/// Write the donor report (PDF): a summary per machine and a page per disk, with QR codes.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Certificate files (*.dsse.json), or directories holding them.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where to write the PDF.
    #[arg(long, value_name = "PDF")]
    pub out: PathBuf,
    /// Language of the report.
    #[arg(long, default_value = "fr", value_parser = parse_lang)]
    pub lang: Language,
    /// Registry base URL for the QR codes (default: each certificate's issuer.registry_url).
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,
    /// Trust file to verify the certificates with (default: $ARDOISE_TRUST). Without one the
    /// report says on every page that the signatures were not checked.
    #[arg(long, value_name = "TRUSTFILE")]
    pub keys: Option<PathBuf>,
    /// The registry's checkpoint key, to check stored receipts.
    #[arg(long, value_name = "FILE")]
    pub registry_key: Option<PathBuf>,
    /// Write labels to stick on the machines instead of the report: one per machine with the
    /// workshop, asset tag, date, destination, each disk's verdict and its certificate's QR
    /// code; `62mm` (a label printer's continuous roll, the default) or `a4` (a sheet of
    /// 2 × 4 labels of 99.1 × 67.7 mm).
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "62mm", value_parser = parse_label)]
    pub label: Option<LabelFormat>,
}

fn parse_label(s: &str) -> Result<LabelFormat, String> {
    s.parse()
}

fn parse_lang(s: &str) -> Result<Language, String> {
    s.parse::<Language>().map_err(|e| e.to_string())
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let files = certificate_files(&args.files)?;
    let trust = load_trust(args.keys.as_deref())?;
    let options = ReportOptions {
        lang: args.lang,
        registry_url: args.registry_url.clone(),
        trust,
        verify: VerifyOptions {
            registry_key: load_registry_key(args.registry_key.as_deref())?,
            complete_journal: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let checked = options.trust.is_some();
    if let Some(format) = args.label {
        let out = labels(&files, format, &options)?;
        write_atomic(&args.out, &out.pdf)
            .with_context(|| format!("writing {}", args.out.display()))?;
        println!(
            "{} ({} label(s), {} page(s))",
            args.out.display(),
            out.machines,
            out.pages
        );
        if out.urls.is_empty() {
            eprintln!("warning: no registry URL (--registry-url or the certificates' issuer.registry_url): the labels carry no QR code");
        }
        if !checked {
            eprintln!(
                "warning: signatures NOT checked (no --keys and no {TRUST_ENV}); the labels say so"
            );
            return Ok(ExitCode::from(crate::exit::INVALID_CERTIFICATE));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let out = report(&files, &options)?;
    write_atomic(&args.out, &out.pdf).with_context(|| format!("writing {}", args.out.display()))?;
    println!("{} ({} pages)", args.out.display(), out.pages);
    if !checked {
        eprintln!(
            "warning: signatures NOT checked (no --keys and no {TRUST_ENV}); the report says so on every page"
        );
        return Ok(ExitCode::from(crate::exit::INVALID_CERTIFICATE));
    }
    let invalid: Vec<_> = out
        .verification
        .certificates
        .iter()
        .filter(|v| v.verdict == Verdict::Invalid)
        .collect();
    if invalid.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "warning: {} INVALID certificate(s), marked as such in the report:",
        invalid.len()
    );
    for v in invalid {
        eprintln!("  {}", v.line());
    }
    Ok(ExitCode::from(crate::exit::INVALID_CERTIFICATE))
}
