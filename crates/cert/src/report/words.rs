//! The words and sentences of the report: outcomes, levels, media, methods, and the
//! statements a certificate records about the machine (destination, reset, controllers).

use super::layout::{AMBER, GREEN, RED};
use super::pdf::Rgb;
use super::text::{fmt_bytes, fmt_int, fmt_ppm};
use super::texts::Text;
use super::Language;
use crate::payload::{
    limitations, Certificate, Destination, HealthGrade, Level, MediaTransport, MediaType,
    OutcomeStatus, VerificationMethod, VerificationResult, QC_RULE_NONE,
};

pub(super) fn outcome_words(s: OutcomeStatus, lang: Language) -> (&'static str, Rgb) {
    match s {
        OutcomeStatus::Erased => (Text::Erased.get(lang), GREEN),
        OutcomeStatus::ErasedWithExceptions => (Text::ErasedWithExceptions.get(lang), AMBER),
        OutcomeStatus::NotErased => (Text::NotErased.get(lang), RED),
    }
}

pub(super) fn level_word(l: Option<Level>, lang: Language) -> &'static str {
    match l {
        Some(Level::Clear) => Text::Clear.get(lang),
        Some(Level::Purge) => Text::Purge.get(lang),
        None => Text::NoneMasculine.get(lang),
    }
}

pub(super) fn media_type_word(t: MediaType, lang: Language) -> &'static str {
    match t {
        MediaType::Hdd => Text::HardDiskHdd.get(lang),
        MediaType::Ssd => "SSD",
        MediaType::NvmeSsd => Text::NvmeSsd.get(lang),
        MediaType::Hybrid => Text::HybridDiskSshd.get(lang),
        MediaType::Emmc => "eMMC",
        MediaType::UsbFlash => Text::UsbFlash.get(lang),
        MediaType::Virtual => Text::VirtualDisk.get(lang),
        MediaType::RaidVolume => Text::RaidVolume.get(lang),
        MediaType::Unknown => Text::Unknown.get(lang),
    }
}

pub(super) fn transport_word(t: MediaTransport) -> &'static str {
    match t {
        MediaTransport::Ata => "SATA/ATA",
        MediaTransport::Sas => "SAS",
        MediaTransport::Nvme => "NVMe",
        MediaTransport::Usb => "USB",
        MediaTransport::Mmc => "MMC",
        MediaTransport::Virtio => "virtio",
        MediaTransport::Loop => "loop",
        MediaTransport::File => "file",
        MediaTransport::Simulated => "simulated",
        MediaTransport::Other => "other",
    }
}

pub(super) fn method_word(m: VerificationMethod, lang: Language) -> &'static str {
    match m {
        VerificationMethod::Full => Text::FullReadBack.get(lang),
        VerificationMethod::StratifiedSample => Text::StratifiedRandomSampling.get(lang),
        VerificationMethod::CePrePostCompare => Text::BeforeAfterComparison.get(lang),
        VerificationMethod::None => Text::NoneFeminine.get(lang),
    }
}

pub(super) fn result_word(r: VerificationResult, lang: Language) -> &'static str {
    match r {
        VerificationResult::Pass => Text::Pass.get(lang),
        VerificationResult::Fail => Text::Fail.get(lang),
        VerificationResult::NotRun => Text::NotRun.get(lang),
    }
}

pub(super) fn health_word(g: HealthGrade, lang: Language) -> &'static str {
    match g {
        HealthGrade::Good => Text::Good.get(lang),
        HealthGrade::Worn => Text::Worn.get(lang),
        HealthGrade::Failing => Text::Failing.get(lang),
        HealthGrade::Unknown => Text::Unknown.get(lang),
    }
}

pub(super) fn limitation_text(code: &str, text: &str, lang: Language) -> String {
    if lang == Language::En {
        return text.to_string();
    }
    match code {
        limitations::HOST_READBACK_SPARE_FLASH => "La relecture par l'ordinateur ne voit que les blocs logiques : elle ne peut pas observer la mémoire flash de réserve, sur-provisionnée ou réallouée.".into(),
        limitations::FIRMWARE_TRUSTED => "Une commande d'effacement du micrologiciel est exécutée par le disque lui-même : sa complétude relève du fabricant et n'est vérifiée ici que par relecture.".into(),
        limitations::BAD_SECTORS_NOT_COVERED => "Les secteurs réalloués ou illisibles par le disque peuvent encore contenir d'anciennes données.".into(),
        limitations::NO_CONFORMANCE_CLAIM => "Aucune conformité à la norme IEEE 2883 n'est revendiquée.".into(),
        _ => text.to_string(),
    }
}

pub(super) fn assurance_text(c: &Certificate, lang: Language) -> Option<String> {
    let a = c.verification.assurance.as_ref()?;
    if lang == Language::En {
        return Some(a.statement.clone());
    }
    let mut s = format!(
        "{} échantillons : une part dispersée non effacée d'au moins {} aurait été détectée avec une probabilité d'au moins {} %",
        fmt_int(c.verification.parameters.samples, lang),
        fmt_ppm(a.detectable_fraction_ppm, lang),
        a.confidence_percent
    );
    if let Some(b) = a.contiguous_certain_bytes {
        s.push_str(&format!(
            " ; toute zone contiguë non effacée d'au moins {} est toujours détectée",
            fmt_bytes(b, lang)
        ));
    }
    s.push('.');
    Some(s)
}

/// Where the machine goes next, in words.
pub(super) fn disposition_text(c: &Certificate, lang: Language) -> String {
    let Some(d) = &c.disposition else {
        return Text::NotRecorded.get(lang).into();
    };
    let word = match d.destination {
        Destination::Reuse => Text::ReuseSaleOrDonation.get(lang),
        Destination::Parts => Text::SpareParts.get(lang),
        Destination::Recycling => Text::RecyclingWeeeEcoOrganisme.get(lang),
    };
    match &d.detail {
        Some(detail) => format!("{word} \u{2014} {detail}"),
        None => word.into(),
    }
}

/// "selected for quality control: yes/no, rate 5 %".
pub(super) fn qc_text(c: &Certificate, lang: Language) -> String {
    if c.qc.rule == QC_RULE_NONE {
        return Text::QcSelectionNotRecorded.get(lang).into();
    }
    let rate = fmt_ppm(u64::from(c.qc.rate_ppm), lang);
    if c.qc.rule == crate::payload::QC_RULE_LOG_V1 {
        return match lang {
            Language::Fr => format!(
                "sélection décidée par le registre à l'enregistrement (voir le reçu), taux {rate}"
            ),
            Language::En => {
                format!(
                    "selection decided by the registry when logged (see the receipt), rate {rate}"
                )
            }
        };
    }
    match lang {
        Language::Fr => format!(
            "sélectionné pour le contrôle qualité : {}, taux {rate}",
            if c.qc.selected { "oui" } else { "non" },
        ),
        Language::En => format!(
            "selected for quality control: {}, rate {rate}",
            if c.qc.selected { "yes" } else { "no" }
        ),
    }
}

/// Whether the station saw every disk of the machine, in words.
pub(super) fn storage_text(c: &Certificate, lang: Language) -> String {
    let Some(storage) = &c.host.storage else {
        return Text::NotSurveyed.get(lang).into();
    };
    if storage.complete {
        return Text::AllControllersDriven.get(lang).into();
    }
    crate::host_storage::problem_sentences(storage, lang == Language::Fr).join("\n")
}

pub(super) fn host_reset_text(c: &Certificate, lang: Language) -> String {
    let Some(h) = &c.host_reset else {
        return Text::NothingAttested.get(lang).into();
    };
    let word = |v: Option<bool>| match v {
        Some(true) => Text::Yes.get(lang),
        Some(false) => Text::No.get(lang),
        None => Text::NotAttested.get(lang),
    };
    let items = [
        (
            Text::UefiBiosSettingsReset.get(lang),
            h.firmware_settings_reset,
        ),
        (Text::TpmCleared.get(lang), h.tpm_cleared),
        (
            Text::BiometricTemplatesCleared.get(lang),
            h.biometric_templates_cleared,
        ),
        (Text::LabelsRemoved.get(lang), h.labels_removed),
    ]
    .iter()
    .map(|(label, v)| format!("{label}{} {}", Text::Colon.get(lang), word(*v)))
    .collect::<Vec<_>>()
    .join("\n");
    format!(
        "{} {} {}\n{items}",
        Text::AttestedBy.get(lang),
        h.attested_by,
        Text::OperatorStatementNotChecked.get(lang)
    )
}
