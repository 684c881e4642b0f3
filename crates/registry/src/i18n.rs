//! French and English words of the pages. French is the default (the network is in
//! Normandy); `?lang=en` or an `Accept-Language` preferring English switches.

/// The pages' language: the one every front end shares.
pub use ardoise_units::Language;

/// From `?lang=`, else the first of `fr`/`en` in `Accept-Language` (by q-value), else French.
pub fn pick_language(param: Option<&str>, accept_language: Option<&str>) -> Language {
    match param.map(|p| p.trim().to_ascii_lowercase()) {
        Some(p) if p.starts_with("en") => return Language::En,
        Some(p) if p.starts_with("fr") => return Language::Fr,
        _ => {}
    }
    let mut best: Option<(f32, Language)> = None;
    for part in accept_language.unwrap_or_default().split(',') {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag.starts_with("en") {
            Language::En
        } else if tag.starts_with("fr") {
            Language::Fr
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Language::Fr, |(_, l)| l)
}

/// The pages' words in a [`Language`].
pub trait Words {
    /// The text of `key` in this language.
    fn t(self, key: W) -> &'static str;
}

impl Words for Language {
    fn t(self, key: W) -> &'static str {
        key.get(self)
    }
}

ardoise_units::texts! {
    /// A word or sentence of the pages.
    pub enum W {
        Site => "Registre des effacements", "Erasure registry";
        NavSearch => "Recherche", "Search";
        NavWorkshops => "Ateliers", "Workshops";
        NavLog => "Journal public", "Public log";
        NavAudit => "Audit du journal", "Log audit";
        NavLogin => "Connexion (auditeurs)", "Log in (auditors)";
        LoginTitle => "Connexion des auditeurs", "Auditor log-in";
        LoginHelp => "La recherche, les exports et le contenu complet des certificats contiennent des données personnelles : ils demandent un jeton d'auditeur ou d'administrateur, délivré par l'administrateur du registre.", "Search, exports and the full content of certificates hold personal data: they need an auditor or admin token, issued by the registry's administrator.";
        LoginToken => "Jeton", "Token";
        LoginSubmit => "Se connecter", "Log in";
        LoginBad => "Jeton inconnu ou révoqué.", "Unknown or revoked token.";
        SearchByid => "Le QR code du certificat remis au donateur mène à sa page. Vous pouvez aussi saisir l'identifiant du certificat (64 caractères hexadécimaux).", "The QR code on the donor's certificate leads to its page. You may also type the certificate identifier (64 hexadecimal characters).";
        SearchNeedsToken => "La recherche par numéro de série, donateur ou lot est réservée aux auditeurs.", "Search by serial number, donor or lot is for auditors.";
        CertMasked => "Les données personnelles (donateur, lot, numéros de série de la machine, opérateur) sont masquées sur la page publique.", "Personal data (donor, lot, machine serial numbers, operator) is masked on the public page.";
        CertEnvelopeAuditors => "Certificat signé complet : réservé aux auditeurs (il contient les données personnelles).", "Full signed certificate: for auditors (it holds the personal data).";
        SearchTitle => "Rechercher un certificat", "Find a certificate";
        SearchHelp => "Numéro de série du disque ou de la machine, étiquette d'inventaire, lot, donateur ou identifiant de certificat.", "Disk or machine serial number, asset tag, lot, donor or certificate id.";
        SearchQ => "Recherche", "Search";
        SearchWorkshop => "Atelier", "Workshop";
        SearchOutcome => "Résultat", "Outcome";
        SearchAny => "tous", "any";
        SearchFrom => "Du", "From";
        SearchTo => "Au", "To";
        SearchSubmit => "Rechercher", "Search";
        SearchNone => "Aucun certificat ne correspond.", "No certificate matches.";
        SearchResults => "Résultats", "Results";
        SearchNext => "Page suivante", "Next page";
        SearchLatest => "Derniers certificats", "Latest certificates";
        ColDate => "Date", "Date";
        ColWorkshop => "Atelier / poste", "Workshop / station";
        ColMedia => "Support", "Medium";
        ColSerial => "N° de série", "Serial";
        ColOutcome => "Résultat", "Outcome";
        ColCertificate => "Certificat", "Certificate";
        ColCount => "Nombre", "Count";
        ColMonth => "Mois", "Month";
        OutcomeErased => "effacé", "erased";
        OutcomeErasedWithExceptions => "effacé avec réserves", "erased with exceptions";
        OutcomeNotErased => "non effacé", "not erased";
        CertTitle => "Certificat d'effacement", "Erasure certificate";
        CertState => "État de la vérification", "Verification state";
        CertValid => "Certificat valide", "Valid certificate";
        CertInvalid => "Certificat NON valide : ne pas s'y fier", "INVALID certificate: do not rely on it";
        CheckSignature => "Signature", "Signature";
        CheckKey => "Clé du poste", "Station key";
        CheckSchema => "Contenu", "Content";
        CheckLog => "Preuve de journal", "Log proof";
        CheckTime => "Date d'émission", "Issue date";
        CheckJournal => "Continuité du poste", "Station journal";
        StatusValid => "valide", "valid";
        StatusInvalid => "NON valide", "INVALID";
        StatusWarning => "à vérifier", "check";
        StatusSkipped => "non vérifiable", "not checked";
        CertMedium => "Support effacé", "Erased medium";
        CertHost => "Machine", "Machine";
        CertProvenance => "Provenance", "Provenance";
        CertSanitization => "Effacement", "Sanitization";
        CertVerification => "Contrôle", "Verification";
        CertOutcome => "Résultat", "Outcome";
        CertLimitations => "Limites", "Limitations";
        CertIssuer => "Émetteur", "Issuer";
        CertJournal => "Journal du poste", "Station journal";
        CertLogproof => "Preuve d'inclusion dans le journal public", "Inclusion proof in the public log";
        CertDownloads => "Téléchargements", "Downloads";
        CertEnvelope => "Certificat signé (.dsse.json)", "Signed certificate (.dsse.json)";
        CertReceipt => "Reçu du registre (.receipt.json)", "Registry receipt (.receipt.json)";
        CertOffline => "Vérification hors ligne : ardoise verify FICHIER --keys trust.toml --registry-key registre.vkey", "Offline check: ardoise verify FILE --keys trust.toml --registry-key registry.vkey";
        FModel => "Modèle", "Model";
        FSerial => "N° de série", "Serial";
        FType => "Type", "Type";
        FCapacity => "Capacité", "Capacity";
        FHealth => "Santé", "Health";
        FManufacturer => "Fabricant", "Manufacturer";
        FProduct => "Produit", "Product";
        FAsset => "Étiquette d'inventaire", "Asset tag";
        FDonor => "Donateur", "Donor";
        FLot => "Lot", "Lot";
        FDonation => "Référence du don", "Donation reference";
        FTechnique => "Technique", "Technique";
        FLevel => "Niveau demandé / atteint", "Level requested / achieved";
        FStandard => "Norme revendiquée", "Standard claimed";
        FSteps => "Étapes", "Steps";
        FMethod => "Méthode", "Method";
        FResult => "Résultat", "Result";
        FSamples => "Échantillons", "Samples";
        FCoverage => "Couverture", "Coverage";
        FAssurance => "Garantie statistique", "Statistical assurance";
        FStatus => "Statut", "Status";
        FExceptions => "Réserves", "Exceptions";
        FWorkshop => "Atelier", "Workshop";
        FStation => "Poste", "Station";
        FSeq => "N° dans le journal du poste", "Number in the station journal";
        FKey => "Clé", "Key";
        FOperator => "Opérateur", "Operator";
        FIssued => "Émis le", "Issued";
        FReceived => "Reçu par le registre le", "Received by the registry";
        FTool => "Logiciel", "Software";
        FCertid => "Identifiant", "Identifier";
        FIndex => "Position dans le journal", "Log index";
        FTreesize => "Taille du journal signé", "Signed log size";
        FRoot => "Racine", "Root";
        FProof => "Chemin d'inclusion", "Inclusion path";
        FCheckpoint => "Point de contrôle signé", "Signed checkpoint";
        FRegistrykey => "Clé du registre", "Registry key";
        JGaps => "Numéros manquants (certificats pas encore reçus)", "Missing numbers (certificates not received yet)";
        JNogap => "Aucun numéro manquant", "No missing number";
        JCount => "Certificats reçus", "Certificates received";
        JFull => "Journal complet du poste", "Full station journal";
        JLinkOk => "lien vérifié", "link checked";
        JLinkBad => "LIEN ROMPU", "BROKEN LINK";
        JThis => "ce certificat", "this certificate";
        WTitle => "Ateliers du réseau", "Network workshops";
        WStats => "Bilan de l'atelier", "Workshop report";
        WCertificates => "Certificats", "Certificates";
        WErased => "Disques effacés", "Disks erased";
        WOutcomes => "Par résultat", "By outcome";
        WTechniques => "Par technique", "By technique";
        WMethods => "Par méthode de contrôle", "By verification method";
        WMonths => "Par mois", "By month";
        WExport => "Exporter (CSV)", "Export (CSV)";
        WNone => "Aucun certificat pour le moment.", "No certificate yet.";
        WDestinations => "Machines par destination et par mois", "Machines by destination and month";
        WDestinationsHelp => "Une machine compte une fois, quel que soit son nombre de disques.", "A machine counts once, however many disks it had.";
        ColMachines => "Machines", "Machines";
        DestReuse => "Réemploi", "Reuse";
        DestParts => "Pièces détachées", "Spare parts";
        DestRecycling => "Recyclage (DEEE)", "Recycling (WEEE)";
        DestNone => "Non renseignée", "Not recorded";
        LogTitle => "Journal public des certificats", "Public certificate log";
        LogHelp => "Chaque certificat accepté est ajouté à un arbre de Merkle (RFC 6962) en ajout seul. Le registre signe l'état de l'arbre ; gardez le dernier point de contrôle et demandez une preuve de cohérence pour vérifier que rien n'a été retiré ni modifié.", "Every accepted certificate is appended to an append-only Merkle tree (RFC 6962). The registry signs the tree's state; keep the latest checkpoint and ask for a consistency proof to check that nothing was removed or changed.";
        AuditTitle => "Audit du journal", "Log audit";
        AuditHelp => "L'audit recalcule l'arbre à partir des certificats enregistrés et le compare à chaque point de contrôle signé par le registre.", "The audit recomputes the tree from the stored certificates and compares it with every checkpoint the registry signed.";
        AuditOk => "Journal intègre : tous les certificats correspondent aux points de contrôle signés.", "Log intact: every certificate matches the signed checkpoints.";
        AuditBad => "ALTÉRATION DÉTECTÉE dans la base du registre", "TAMPERING DETECTED in the registry's database";
        AuditNever => "Aucun audit n'a encore été fait depuis le démarrage.", "No audit has run since the start.";
        AuditAt => "Dernier audit", "Last audit";
        AuditEntries => "Certificats", "Certificates";
        AuditCheckpoints => "Points de contrôle", "Checkpoints";
        AuditStartup => "État au démarrage", "State at start";
        Notfound => "Introuvable", "Not found";
        NotfoundCert => "Ce certificat n'est pas dans le registre.", "This certificate is not in the registry.";
        Error => "Erreur", "Error";
        UnitBytes => "octets", "bytes";
        LangOther => "English", "Français";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_language() {
        assert_eq!(pick_language(Some("en"), Some("fr")), Language::En);
        assert_eq!(
            pick_language(None, Some("en-GB,en;q=0.9,fr;q=0.8")),
            Language::En
        );
        assert_eq!(
            pick_language(None, Some("de,fr;q=0.5,en;q=0.3")),
            Language::Fr
        );
        assert_eq!(pick_language(None, None), Language::Fr);
        assert_eq!(pick_language(Some("xx"), Some("en")), Language::En);
    }

    #[test]
    fn both_languages_use_the_same_placeholders_and_no_text_is_empty() {
        for w in W::ALL {
            assert!(!w.fr().is_empty() && !w.en().is_empty(), "{w:?}");
            assert_eq!(
                ardoise_units::placeholders(w.fr()),
                ardoise_units::placeholders(w.en()),
                "{w:?}"
            );
        }
    }
}
