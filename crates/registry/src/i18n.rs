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
    /// The text of `key` in this language (the key itself when missing, which a test forbids).
    fn t(self, key: &'static str) -> &'static str;
}

impl Words for Language {
    fn t(self, key: &'static str) -> &'static str {
        WORDS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or(key, |(_, fr, en)| self.pick(fr, en))
    }
}

/// (key, French, English)
pub const WORDS: &[(&str, &str, &str)] = &[
    ("site", "Registre des effacements", "Erasure registry"),
    ("nav.search", "Recherche", "Search"),
    ("nav.workshops", "Ateliers", "Workshops"),
    ("nav.log", "Journal public", "Public log"),
    ("nav.audit", "Audit du journal", "Log audit"),
    ("nav.login", "Connexion (auditeurs)", "Log in (auditors)"),
    ("login.title", "Connexion des auditeurs", "Auditor log-in"),
    ("login.help", "La recherche, les exports et le contenu complet des certificats contiennent des données personnelles : ils demandent un jeton d'auditeur ou d'administrateur, délivré par l'administrateur du registre.", "Search, exports and the full content of certificates hold personal data: they need an auditor or admin token, issued by the registry's administrator."),
    ("login.token", "Jeton", "Token"),
    ("login.submit", "Se connecter", "Log in"),
    ("login.bad", "Jeton inconnu ou révoqué.", "Unknown or revoked token."),
    ("search.byid", "Le QR code du certificat remis au donateur mène à sa page. Vous pouvez aussi saisir l'identifiant du certificat (64 caractères hexadécimaux).", "The QR code on the donor's certificate leads to its page. You may also type the certificate identifier (64 hexadecimal characters)."),
    ("search.needs_token", "La recherche par numéro de série, donateur ou lot est réservée aux auditeurs.", "Search by serial number, donor or lot is for auditors."),
    ("cert.masked", "Les données personnelles (donateur, lot, numéros de série de la machine, opérateur) sont masquées sur la page publique.", "Personal data (donor, lot, machine serial numbers, operator) is masked on the public page."),
    ("cert.envelope.auditors", "Certificat signé complet : réservé aux auditeurs (il contient les données personnelles).", "Full signed certificate: for auditors (it holds the personal data)."),
    ("search.title", "Rechercher un certificat", "Find a certificate"),
    ("search.help", "Numéro de série du disque ou de la machine, étiquette d'inventaire, lot, donateur ou identifiant de certificat.", "Disk or machine serial number, asset tag, lot, donor or certificate id."),
    ("search.q", "Recherche", "Search"),
    ("search.workshop", "Atelier", "Workshop"),
    ("search.outcome", "Résultat", "Outcome"),
    ("search.any", "tous", "any"),
    ("search.from", "Du", "From"),
    ("search.to", "Au", "To"),
    ("search.submit", "Rechercher", "Search"),
    ("search.none", "Aucun certificat ne correspond.", "No certificate matches."),
    ("search.results", "Résultats", "Results"),
    ("search.next", "Page suivante", "Next page"),
    ("search.latest", "Derniers certificats", "Latest certificates"),
    ("col.date", "Date", "Date"),
    ("col.workshop", "Atelier / poste", "Workshop / station"),
    ("col.media", "Support", "Medium"),
    ("col.serial", "N° de série", "Serial"),
    ("col.outcome", "Résultat", "Outcome"),
    ("col.certificate", "Certificat", "Certificate"),
    ("col.count", "Nombre", "Count"),
    ("col.month", "Mois", "Month"),
    ("outcome.erased", "effacé", "erased"),
    ("outcome.erased_with_exceptions", "effacé avec réserves", "erased with exceptions"),
    ("outcome.not_erased", "non effacé", "not erased"),
    ("cert.title", "Certificat d'effacement", "Erasure certificate"),
    ("cert.state", "État de la vérification", "Verification state"),
    ("cert.valid", "Certificat valide", "Valid certificate"),
    ("cert.invalid", "Certificat NON valide : ne pas s'y fier", "INVALID certificate: do not rely on it"),
    ("check.signature", "Signature", "Signature"),
    ("check.key", "Clé du poste", "Station key"),
    ("check.schema", "Contenu", "Content"),
    ("check.log", "Preuve de journal", "Log proof"),
    ("check.time", "Date d'émission", "Issue date"),
    ("check.journal", "Continuité du poste", "Station journal"),
    ("status.valid", "valide", "valid"),
    ("status.invalid", "NON valide", "INVALID"),
    ("status.warning", "à vérifier", "check"),
    ("status.skipped", "non vérifiable", "not checked"),
    ("cert.medium", "Support effacé", "Erased medium"),
    ("cert.host", "Machine", "Machine"),
    ("cert.provenance", "Provenance", "Provenance"),
    ("cert.sanitization", "Effacement", "Sanitization"),
    ("cert.verification", "Contrôle", "Verification"),
    ("cert.outcome", "Résultat", "Outcome"),
    ("cert.limitations", "Limites", "Limitations"),
    ("cert.issuer", "Émetteur", "Issuer"),
    ("cert.journal", "Journal du poste", "Station journal"),
    ("cert.logproof", "Preuve d'inclusion dans le journal public", "Inclusion proof in the public log"),
    ("cert.downloads", "Téléchargements", "Downloads"),
    ("cert.envelope", "Certificat signé (.dsse.json)", "Signed certificate (.dsse.json)"),
    ("cert.receipt", "Reçu du registre (.receipt.json)", "Registry receipt (.receipt.json)"),
    ("cert.offline", "Vérification hors ligne : ardoise verify FICHIER --keys trust.toml --registry-key registre.vkey", "Offline check: ardoise verify FILE --keys trust.toml --registry-key registry.vkey"),
    ("f.model", "Modèle", "Model"),
    ("f.serial", "N° de série", "Serial"),
    ("f.type", "Type", "Type"),
    ("f.capacity", "Capacité", "Capacity"),
    ("f.health", "Santé", "Health"),
    ("f.manufacturer", "Fabricant", "Manufacturer"),
    ("f.product", "Produit", "Product"),
    ("f.asset", "Étiquette d'inventaire", "Asset tag"),
    ("f.donor", "Donateur", "Donor"),
    ("f.lot", "Lot", "Lot"),
    ("f.donation", "Référence du don", "Donation reference"),
    ("f.technique", "Technique", "Technique"),
    ("f.level", "Niveau demandé / atteint", "Level requested / achieved"),
    ("f.standard", "Norme revendiquée", "Standard claimed"),
    ("f.steps", "Étapes", "Steps"),
    ("f.method", "Méthode", "Method"),
    ("f.result", "Résultat", "Result"),
    ("f.samples", "Échantillons", "Samples"),
    ("f.coverage", "Couverture", "Coverage"),
    ("f.assurance", "Garantie statistique", "Statistical assurance"),
    ("f.status", "Statut", "Status"),
    ("f.exceptions", "Réserves", "Exceptions"),
    ("f.workshop", "Atelier", "Workshop"),
    ("f.station", "Poste", "Station"),
    ("f.seq", "N° dans le journal du poste", "Number in the station journal"),
    ("f.key", "Clé", "Key"),
    ("f.operator", "Opérateur", "Operator"),
    ("f.issued", "Émis le", "Issued"),
    ("f.received", "Reçu par le registre le", "Received by the registry"),
    ("f.tool", "Logiciel", "Software"),
    ("f.certid", "Identifiant", "Identifier"),
    ("f.index", "Position dans le journal", "Log index"),
    ("f.treesize", "Taille du journal signé", "Signed log size"),
    ("f.root", "Racine", "Root"),
    ("f.proof", "Chemin d'inclusion", "Inclusion path"),
    ("f.checkpoint", "Point de contrôle signé", "Signed checkpoint"),
    ("f.registrykey", "Clé du registre", "Registry key"),
    ("j.gaps", "Numéros manquants (certificats pas encore reçus)", "Missing numbers (certificates not received yet)"),
    ("j.nogap", "Aucun numéro manquant", "No missing number"),
    ("j.count", "Certificats reçus", "Certificates received"),
    ("j.full", "Journal complet du poste", "Full station journal"),
    ("j.link_ok", "lien vérifié", "link checked"),
    ("j.link_bad", "LIEN ROMPU", "BROKEN LINK"),
    ("j.this", "ce certificat", "this certificate"),
    ("w.title", "Ateliers du réseau", "Network workshops"),
    ("w.stats", "Bilan de l'atelier", "Workshop report"),
    ("w.certificates", "Certificats", "Certificates"),
    ("w.erased", "Disques effacés", "Disks erased"),
    ("w.outcomes", "Par résultat", "By outcome"),
    ("w.techniques", "Par technique", "By technique"),
    ("w.methods", "Par méthode de contrôle", "By verification method"),
    ("w.months", "Par mois", "By month"),
    ("w.export", "Exporter (CSV)", "Export (CSV)"),
    ("w.none", "Aucun certificat pour le moment.", "No certificate yet."),
    ("w.destinations", "Machines par destination et par mois", "Machines by destination and month"),
    ("w.destinations.help", "Une machine compte une fois, quel que soit son nombre de disques.", "A machine counts once, however many disks it had."),
    ("col.machines", "Machines", "Machines"),
    ("dest.reuse", "Réemploi", "Reuse"),
    ("dest.parts", "Pièces détachées", "Spare parts"),
    ("dest.recycling", "Recyclage (DEEE)", "Recycling (WEEE)"),
    ("dest.none", "Non renseignée", "Not recorded"),
    ("log.title", "Journal public des certificats", "Public certificate log"),
    ("log.help", "Chaque certificat accepté est ajouté à un arbre de Merkle (RFC 6962) en ajout seul. Le registre signe l'état de l'arbre ; gardez le dernier point de contrôle et demandez une preuve de cohérence pour vérifier que rien n'a été retiré ni modifié.", "Every accepted certificate is appended to an append-only Merkle tree (RFC 6962). The registry signs the tree's state; keep the latest checkpoint and ask for a consistency proof to check that nothing was removed or changed."),
    ("audit.title", "Audit du journal", "Log audit"),
    ("audit.help", "L'audit recalcule l'arbre à partir des certificats enregistrés et le compare à chaque point de contrôle signé par le registre.", "The audit recomputes the tree from the stored certificates and compares it with every checkpoint the registry signed."),
    ("audit.ok", "Journal intègre : tous les certificats correspondent aux points de contrôle signés.", "Log intact: every certificate matches the signed checkpoints."),
    ("audit.bad", "ALTÉRATION DÉTECTÉE dans la base du registre", "TAMPERING DETECTED in the registry's database"),
    ("audit.never", "Aucun audit n'a encore été fait depuis le démarrage.", "No audit has run since the start."),
    ("audit.at", "Dernier audit", "Last audit"),
    ("audit.entries", "Certificats", "Certificates"),
    ("audit.checkpoints", "Points de contrôle", "Checkpoints"),
    ("audit.startup", "État au démarrage", "State at start"),
    ("notfound", "Introuvable", "Not found"),
    ("notfound.cert", "Ce certificat n'est pas dans le registre.", "This certificate is not in the registry."),
    ("error", "Erreur", "Error"),
    ("unit.bytes", "octets", "bytes"),
    ("lang.other", "English", "Français"),
];

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
    fn every_key_has_both_languages_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (k, fr, en) in WORDS {
            assert!(seen.insert(k), "{k} twice");
            assert!(!fr.is_empty() && !en.is_empty(), "{k}");
        }
    }
}
