//! The words and sentences of the report: outcomes, levels, media, methods, and the
//! statements a certificate records about the machine (destination, reset, controllers).

use super::layout::{AMBER, GREEN, RED};
use super::pdf::Rgb;
use super::text::{fmt_bytes, fmt_int, fmt_ppm};
use super::Language;
use crate::model::{
    limitations, Certificate, Destination, HealthGrade, Level, MediaTransport, MediaType,
    OutcomeStatus, VerificationMethod, VerificationResult, QC_RULE_NONE,
};

pub(super) fn outcome_words(s: OutcomeStatus, lang: Language) -> (&'static str, Rgb) {
    match s {
        OutcomeStatus::Erased => (lang.pick("EFFACÉ", "ERASED"), GREEN),
        OutcomeStatus::ErasedWithExceptions => (
            lang.pick("EFFACÉ AVEC RÉSERVES", "ERASED WITH EXCEPTIONS"),
            AMBER,
        ),
        OutcomeStatus::NotErased => (lang.pick("NON EFFACÉ", "NOT ERASED"), RED),
    }
}

pub(super) fn level_word(l: Option<Level>, lang: Language) -> &'static str {
    match l {
        Some(Level::Clear) => lang.pick("effacement simple (clear)", "clear"),
        Some(Level::Purge) => lang.pick("purge", "purge"),
        None => lang.pick("aucun", "none"),
    }
}

pub(super) fn media_type_word(t: MediaType, lang: Language) -> &'static str {
    match t {
        MediaType::Hdd => lang.pick("disque dur (HDD)", "hard disk (HDD)"),
        MediaType::Ssd => "SSD",
        MediaType::NvmeSsd => lang.pick("SSD NVMe", "NVMe SSD"),
        MediaType::Hybrid => lang.pick("disque hybride (SSHD)", "hybrid disk (SSHD)"),
        MediaType::Emmc => "eMMC",
        MediaType::UsbFlash => lang.pick("mémoire flash USB", "USB flash"),
        MediaType::Virtual => lang.pick("disque virtuel", "virtual disk"),
        MediaType::RaidVolume => lang.pick("volume RAID", "RAID volume"),
        MediaType::Unknown => lang.pick("inconnu", "unknown"),
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
        VerificationMethod::Full => lang.pick("relecture complète", "full read-back"),
        VerificationMethod::StratifiedSample => lang.pick(
            "échantillonnage aléatoire stratifié (NIST SP 800-88 r1 §4.7)",
            "stratified random sampling (NIST SP 800-88 r1 §4.7)",
        ),
        VerificationMethod::CePrePostCompare => lang.pick(
            "comparaison avant/après de blocs échantillonnés",
            "before/after comparison of sampled blocks",
        ),
        VerificationMethod::None => lang.pick("aucune", "none"),
    }
}

pub(super) fn result_word(r: VerificationResult, lang: Language) -> &'static str {
    match r {
        VerificationResult::Pass => lang.pick("conforme", "pass"),
        VerificationResult::Fail => lang.pick("NON CONFORME", "FAIL"),
        VerificationResult::NotRun => lang.pick("non effectuée", "not run"),
    }
}

pub(super) fn health_word(g: HealthGrade, lang: Language) -> &'static str {
    match g {
        HealthGrade::Good => lang.pick("bon", "good"),
        HealthGrade::Worn => lang.pick("usé", "worn"),
        HealthGrade::Failing => lang.pick("défaillant", "failing"),
        HealthGrade::Unknown => lang.pick("inconnu", "unknown"),
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
        return lang.pick("non renseignée", "not recorded").into();
    };
    let word = match d.destination {
        Destination::Reuse => lang.pick("réemploi (vente ou don)", "reuse (sale or donation)"),
        Destination::Parts => lang.pick("pièces détachées", "spare parts"),
        Destination::Recycling => lang.pick(
            "recyclage (DEEE, éco-organisme)",
            "recycling (WEEE, eco-organisme)",
        ),
    };
    match &d.detail {
        Some(detail) => format!("{word} \u{2014} {detail}"),
        None => word.into(),
    }
}

/// "selected for quality control: yes/no, rate 5 %".
pub(super) fn qc_text(c: &Certificate, lang: Language) -> String {
    if c.qc.rule == QC_RULE_NONE {
        return lang
            .pick(
                "sélection non enregistrée (certificat antérieur au contrôle qualité)",
                "selection not recorded (certificate older than quality control)",
            )
            .into();
    }
    let rate = fmt_ppm(u64::from(c.qc.rate_ppm), lang);
    if c.qc.rule == crate::model::QC_RULE_LOG_V1 {
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
        return lang.pick("non relevés", "not surveyed").into();
    };
    if storage.complete {
        return lang
            .pick(
                "tous pilotés, tous les disques étaient visibles",
                "all with a driver, every disk was visible",
            )
            .into();
    }
    crate::host_storage::problem_sentences(storage, lang == Language::Fr).join("\n")
}

pub(super) fn host_reset_text(c: &Certificate, lang: Language) -> String {
    let Some(h) = &c.host_reset else {
        return lang.pick("rien n'a été attesté", "nothing attested").into();
    };
    let word = |v: Option<bool>| match v {
        Some(true) => lang.pick("oui", "yes"),
        Some(false) => lang.pick("non", "no"),
        None => lang.pick("non attesté", "not attested"),
    };
    let items = [
        (
            lang.pick("UEFI/BIOS réinitialisé", "UEFI/BIOS settings reset"),
            h.firmware_settings_reset,
        ),
        (lang.pick("TPM effacé", "TPM cleared"), h.tpm_cleared),
        (
            lang.pick(
                "empreintes biométriques effacées",
                "biometric templates cleared",
            ),
            h.biometric_templates_cleared,
        ),
        (
            lang.pick("étiquettes retirées", "labels removed"),
            h.labels_removed,
        ),
    ]
    .iter()
    .map(|(label, v)| format!("{label}{} {}", lang.pick(" :", ":"), word(*v)))
    .collect::<Vec<_>>()
    .join("\n");
    format!(
        "{} {} {}\n{items}",
        lang.pick("attesté par", "attested by"),
        h.attested_by,
        lang.pick(
            "(déclaration de l'opérateur, non vérifiée par le logiciel) :",
            "(the operator's statement, not checked by the software):"
        )
    )
}
