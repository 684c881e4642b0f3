//! Every word and sentence of the donor PDF and the labels, in French and English: one
//! [`ardoise_units::texts!`] table, the mechanism the interface and the registry pages share.

ardoise_units::texts! {
    /// A text of the donor report or the labels.
    pub(crate) enum Text {
        ErasureCertificate => "Certificat d'effacement", "Erasure certificate";
        File => "Fichier", "File";
        Identifier => "Identifiant", "Identifier";
        VerifyOnline => "Vérifier en ligne", "Verify online";
        Station => "poste", "station";
        ResultColon => "Résultat :", "Result:";
        LevelAchieved => "niveau atteint :", "level achieved:";
        Requested => "demandé :", "requested:";
        SignatureNotCheckedNoTrustFile => "SIGNATURE NON VÉRIFIÉE — aucun fichier de confiance n'a été fourni", "SIGNATURE NOT CHECKED — no trust file was given";
        NotGuaranteedUntilVerified => "Les informations ci-dessous ne sont pas garanties tant que le certificat n'a pas été vérifié (ardoise verify, ou la page du registre).", "The information below is not guaranteed until the certificate is verified (ardoise verify, or the registry page).";
        CertificateVerifiedValidSignature => "Certificat vérifié : signature valide d'une station de confiance", "Certificate verified: valid signature by a trusted station";
        ClaimedNotGuaranteed => "Les informations ci-dessous sont celles que le fichier prétend contenir ; elles ne sont PAS garanties.", "The information below is what the file claims; it is NOT guaranteed.";
        InvalidCertificateDoNotRely => "CERTIFICAT INVALIDE — NE PAS S'Y FIER", "INVALID CERTIFICATE — DO NOT RELY ON IT";
        ErasedMedium => "Support effacé", "Erased medium";
        Manufacturer => "Fabricant", "Manufacturer";
        Model => "Modèle", "Model";
        SerialNumber => "Numéro de série", "Serial number";
        Firmware => "Micrologiciel", "Firmware";
        UniqueIdentifiers => "Identifiants uniques", "Unique identifiers";
        TypeInterface => "Type / interface", "Type / interface";
        Capacity => "Capacité", "Capacity";
        Health => "Santé", "Health";
        HiddenAreasBeforeAfter => "Zones cachées avant / après", "Hidden areas before / after";
        Bytes => "octets", "bytes";
        PhysicalSector => "secteur physique", "physical sector";
        PoweredOn => "de fonctionnement", "powered on";
        Yes => "oui", "yes";
        No => "non", "no";
        VisibleNativeSectors => "secteurs visibles / natifs", "visible / native sectors";
        Erasure => "Effacement", "Erasure";
        Technique => "Technique", "Technique";
        WhyThisTechnique => "Motif du choix", "Why this technique";
        Standard => "Référentiel", "Standard";
        Steps => "Étapes", "Steps";
        Passes => "Passes", "Passes";
        StartEnd => "Début / fin", "Start / end";
        WritesErrors => "Écritures / erreurs", "Writes / errors";
        DeviceReportedStatus => "État rapporté par le disque", "Device-reported status";
        Completed => "terminé", "completed";
        Failed => "échec", "failed";
        Aborted => "interrompu", "aborted";
        Skipped => "non exécuté", "skipped";
        BytesWritten => "octets écrits", "bytes written";
        IoErrors => "erreur(s) d'E/S", "I/O error(s)";
        Retries => "nouvel(les) essai(s)", "retries";
        UnreadableSectors => "secteur(s) illisible(s)", "unreadable sector(s)";
        Verification => "Vérification", "Verification";
        Method => "Méthode", "Method";
        Result => "Résultat", "Result";
        Mismatches => "écart(s)", "mismatch(es)";
        UnreadableSamples => "échantillon(s) illisible(s)", "unreadable sample(s)";
        ReadBack => "Relu", "Read back";
        Locations => "emplacement(s)", "location(s)";
        OfTheCapacity => "de la capacité", "of the capacity";
        Assurance => "Portée", "Assurance";
        QualityControl => "Contrôle qualité", "Quality control";
        Exceptions => "Réserves", "Exceptions";
        KnownLimitations => "Limites connues", "Known limitations";
        Issue => "Émission", "Issue";
        Workshop => "Atelier", "Workshop";
        OperatorPseudonym => "Opérateur (pseudonyme)", "Operator (pseudonym)";
        Software => "Logiciel", "Software";
        Issued => "Émis le", "Issued";
        StationJournalNumber => "journal du poste n°", "station journal no.";
        CertificateIdentifier => "Identifiant du certificat", "Certificate identifier";
        VerificationPage => "Page de vérification", "Verification page";
        Reuse => "RÉEMPLOI", "REUSE";
        SparePartsCapitals => "PIÈCES DÉTACHÉES", "SPARE PARTS";
        RecyclingWeee => "RECYCLAGE (DEEE)", "RECYCLING (WEEE)";
        NotRecorded => "non renseignée", "not recorded";
        InvalidCertificate => "CERTIFICAT INVALIDE", "INVALID CERTIFICATE";
        AssetTag => "N° d'inventaire", "Asset tag";
        ErasedOn => "Effacé le", "Erased on";
        Destination => "Destination", "Destination";
        SignaturesNotChecked => "Signatures non vérifiées", "Signatures not checked";
        MachineLabels => "Étiquettes des machines", "Machine labels";
        Continued => "suite", "continued";
        ErasureCertificates => "Certificats d'effacement", "Erasure certificates";
        CertificateLower => "certificat", "certificate";
        Generated => "généré le", "generated";
        Page => "page", "page";
        MachineSummary => "Récapitulatif machine", "Machine summary";
        SignaturesNotCheckedNoTrustFile => "SIGNATURES NON VÉRIFIÉES — aucun fichier de confiance n'a été fourni", "SIGNATURES NOT CHECKED — no trust file was given";
        InvalidCertificatesSeePages => "CERTIFICAT(S) INVALIDE(S) — voir les pages concernées", "INVALID CERTIFICATE(S) — see the pages concerned";
        EveryCertificateOfMachineVerified => "Tous les certificats de cette machine sont vérifiés", "Every certificate of this machine is verified";
        Machine => "Machine", "Machine";
        WorkshopAssetTag => "Étiquette de l'atelier", "Workshop asset tag";
        HostMachineReset => "Remise à zéro de la machine", "Host machine reset";
        DiskControllers => "Contrôleurs de disques", "Disk controllers";
        Provenance => "Provenance", "Provenance";
        Donor => "Donateur", "Donor";
        DonationReference => "Référence du don", "Donation reference";
        Lot => "Lot", "Lot";
        Serial => "N° de série", "Serial";
        Certificate => "Certificat", "Certificate";
        StorageMedia => "Supports de stockage", "Storage media";
        Invalid => "INVALIDE", "INVALID";
        Unreadable => "ILLISIBLE", "UNREADABLE";
        Erased => "EFFACÉ", "ERASED";
        ErasedWithExceptions => "EFFACÉ AVEC RÉSERVES", "ERASED WITH EXCEPTIONS";
        NotErased => "NON EFFACÉ", "NOT ERASED";
        Clear => "effacement simple (clear)", "clear";
        Purge => "purge", "purge";
        NoneMasculine => "aucun", "none";
        HardDiskHdd => "disque dur (HDD)", "hard disk (HDD)";
        NvmeSsd => "SSD NVMe", "NVMe SSD";
        HybridDiskSshd => "disque hybride (SSHD)", "hybrid disk (SSHD)";
        UsbFlash => "mémoire flash USB", "USB flash";
        VirtualDisk => "disque virtuel", "virtual disk";
        RaidVolume => "volume RAID", "RAID volume";
        Unknown => "inconnu", "unknown";
        FullReadBack => "relecture complète", "full read-back";
        StratifiedRandomSampling => "échantillonnage aléatoire stratifié (NIST SP 800-88 r1 §4.7)", "stratified random sampling (NIST SP 800-88 r1 §4.7)";
        BeforeAfterComparison => "comparaison avant/après de blocs échantillonnés", "before/after comparison of sampled blocks";
        NoneFeminine => "aucune", "none";
        Pass => "conforme", "pass";
        Fail => "NON CONFORME", "FAIL";
        NotRun => "non effectuée", "not run";
        Good => "bon", "good";
        Worn => "usé", "worn";
        Failing => "défaillant", "failing";
        ReuseSaleOrDonation => "réemploi (vente ou don)", "reuse (sale or donation)";
        SpareParts => "pièces détachées", "spare parts";
        RecyclingWeeeEcoOrganisme => "recyclage (DEEE, éco-organisme)", "recycling (WEEE, eco-organisme)";
        QcSelectionNotRecorded => "sélection non enregistrée (certificat antérieur au contrôle qualité)", "selection not recorded (certificate older than quality control)";
        NotSurveyed => "non relevés", "not surveyed";
        AllControllersDriven => "tous pilotés, tous les disques étaient visibles", "all with a driver, every disk was visible";
        NothingAttested => "rien n'a été attesté", "nothing attested";
        NotAttested => "non attesté", "not attested";
        UefiBiosSettingsReset => "UEFI/BIOS réinitialisé", "UEFI/BIOS settings reset";
        TpmCleared => "TPM effacé", "TPM cleared";
        BiometricTemplatesCleared => "empreintes biométriques effacées", "biometric templates cleared";
        LabelsRemoved => "étiquettes retirées", "labels removed";
        Colon => " :", ":";
        AttestedBy => "attesté par", "attested by";
        OperatorStatementNotChecked => "(déclaration de l'opérateur, non vérifiée par le logiciel) :", "(the operator's statement, not checked by the software):";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_use_the_same_placeholders_and_no_text_is_empty() {
        for t in Text::ALL {
            assert!(!t.fr().is_empty() && !t.en().is_empty(), "{t:?}");
            assert_eq!(
                ardoise_units::placeholders(t.fr()),
                ardoise_units::placeholders(t.en()),
                "{t:?}"
            );
        }
    }
}
