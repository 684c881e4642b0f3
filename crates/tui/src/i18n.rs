//! Every word the interface shows, in French and English.
//!
//! The table is an [`ardoise_units::texts!`] table (the mechanism the registry's pages share), so
//! a key without its French or its English text does not compile. The tests check that both
//! languages use the same placeholders and only glyphs of the Linux console font (no typographic
//! apostrophe, no ellipsis, no dash).

pub use ardoise_units::{fill, placeholders, Language};

/// `key` in `lang` with `{0}`, `{1}`… replaced by `args`.
pub fn tf(lang: Language, key: T, args: &[&dyn std::fmt::Display]) -> String {
    fill(key.get(lang), args)
}

/// `key` in `lang` without placeholders.
pub fn t(lang: Language, key: T) -> &'static str {
    key.get(lang)
}

ardoise_units::texts! {
    /// A text of the interface.
    pub enum T {
        // General
        AppName => "ardoise", "ardoise";
        StepOf => "Étape {0}/{1}", "Step {0}/{1}";
        Simulation => "SIMULATION", "SIMULATION";
        Yes => "o", "y";
        No => "n", "n";
        YesNo => "({0} = oui, {1} = non)", "({0} = yes, {1} = no)";
        Unknown => "inconnu", "unknown";
        NotRecorded => "-", "-";
        Colon => " : ", ": ";

        // Titles
        TitleLanguage => "Langue", "Language";
        TitleOperator => "Opérateur et machine", "Operator and machine";
        TitleMachine => "Cette machine", "This machine";
        TitleDisks => "Disques", "Disks";
        TitleMethod => "Méthode d'effacement", "Erase method";
        TitleConfirm => "Confirmation", "Confirmation";
        TitleProgress => "Effacement en cours", "Erasing";
        TitleResults => "Résultats", "Results";
        TitleLog => "Journal", "Log";
        TitleHelp => "Aide", "Help";
        TitleExport => "Exporter les certificats", "Export certificates";
        TitleBusy => "Station occupée", "Station in use";
        TitleOpening => "Démarrage", "Starting";
        TitleQuit => "Quitter", "Quit";
        TitleStop => "Arrêter", "Stop";
        TitleOverride => "Forcer", "Override";
        TitleSuspend => "Mise en veille", "Suspend";

        // Keys and actions (footer)
        KeyEnter => "Entrée", "Enter";
        KeyEsc => "Échap", "Esc";
        KeySpace => "Espace", "Space";
        KeyArrows => "Flèches", "Arrows";
        KeyTab => "Tab", "Tab";
        ActContinue => "continuer", "continue";
        ActBack => "retour", "back";
        ActHelp => "aide", "help";
        ActLog => "journal", "log";
        ActChoose => "choisir", "choose";
        ActSelect => "cocher", "select";
        ActAll => "tous", "all";
        ActNone => "aucun", "none";
        ActRescan => "relire", "rescan";
        ActQuit => "quitter", "quit";
        ActStop => "arrêter", "stop";
        ActNext => "machine suivante", "next machine";
        ActPowerOff => "éteindre", "power off";
        ActExport => "exporter", "export";
        ActNextField => "champ suivant", "next field";
        ActConfirm => "valider", "confirm";
        ActScroll => "défiler", "scroll";
        ActClose => "fermer", "close";
        ActQr => "QR code", "QR code";

        // Language
        LangPrompt => "Choisissez la langue avec les flèches, puis appuyez sur Entrée.",
                      "Choose the language with the arrow keys, then press Enter.";
        LangFrench => "Français", "Français";
        LangEnglish => "English", "English";

        // Station
        Opening => "Ouverture de la station (clé, certificats)...", "Opening the station (key, certificates)...";
        BusyText => "La station est déjà utilisée sur une autre console (écran ou liaison série).",
                    "The station is already in use on another console (screen or serial line).";
        BusyWhat => "Terminez ou quittez ardoise sur l'autre console : cet écran réessaie tout seul.",
                    "Finish or quit ardoise on the other console: this screen retries by itself.";
        BusyRetry => "Nouvel essai toutes les 2 secondes (essai {0}).", "Retrying every 2 seconds (attempt {0}).";
        StationFailedWhat => "Rien ne sera effacé. Appelez un responsable. Q : quitter.",
                             "Nothing will be erased. Call a supervisor. Q: quit.";
        StationFailedSetup => "Rien ne sera effacé. Entrée : assistant de configuration (il remplace ce fichier) ; Q : quitter.",
                              "Nothing will be erased. Enter: setup (it replaces this file); Q: quit.";
        PbConfigUnreadable => "La station ne peut pas lire son fichier de configuration {0}. Refaites la configuration de la clé (assistant de premier démarrage ou `ardoise provision`).",
                              "The station cannot read its configuration file {0}. Set the stick up again (first-run setup or `ardoise provision`).";
        PbSetting => "Le réglage \"{0}\" ({1}) serait refusé dans un certificat. Corrigez-le (assistant de configuration ou `ardoise provision`).",
                     "The setting \"{0}\" ({1}) would be refused in a certificate. Fix it (setup or `ardoise provision`).";
        PbIdentity => "La clé de signature appartient à l'atelier {0}, poste {1}, mais la configuration nomme l'atelier {2}, poste {3}. Utilisez la clé faite pour ce poste ou refaites la configuration.",
                      "The signing key belongs to workshop {0}, station {1}, but the configuration names workshop {2}, station {3}. Use the key made for this station or set the stick up again.";
        PbNotCertifiable => "Un certificat de cette session serait refusé (réglages en cause : {0}) : rien n'est effacé. Corrigez-les.",
                            "A certificate of this session would be refused (settings at fault: {0}): nothing is erased. Fix them.";
        SetStationKey => "clé de signature de la station", "station signing key";
        SetOperator => "opérateur", "operator";
        SetAssetTag => "n° d'inventaire", "asset tag";
        SetDestination => "destination de la machine", "machine destination";
        SetPolicy => "politique d'effacement (policy)", "erasure policy";
        SetDonorLot => "donateur / lot", "donor / lot";
        SetImageRecord => "fiche de l'image ardoise", "ardoise image record";
        SetMachineInventory => "inventaire de la machine", "machine inventory";
        SetDiskRecord => "fiche du disque", "disk record";
        PbStorage => "La partition de données ne peut pas garder les certificats (absente, pleine ou en lecture seule) : rien n'est effacé.",
                     "The data partition cannot keep certificates (missing, full or read-only): nothing is erased.";
        PbNotStoredKept => "Certificat NON ENREGISTRÉ. Le compte rendu de l'effacement est gardé sur la clé : le certificat sera établi au prochain démarrage d'ardoise sur cette clé.",
                           "Certificate NOT STORED. The erase's report is kept on the stick: the certificate will be issued at the next start of ardoise on this stick.";
        PbNotStoredLost => "Certificat NON ENREGISTRÉ et compte rendu perdu : ce disque devra être effacé à nouveau.",
                           "Certificate NOT STORED and report lost: this disk must be erased again.";
        PbOther => "La station a rencontré une erreur.", "The station met an error.";
        PbRegistryKeyMissing => "Une adresse de registre demande aussi la clé du registre (dernier champ) : sans elle, la station ne pourrait pas vérifier les accusés de réception. Pour une station sans registre, laissez les deux derniers champs vides.",
                                "A registry address also needs the registry's key (last field): without it the station could not check the receipts. For a station without a registry, leave the last two fields empty.";
        PbRegistryKeyInvalid => "La clé du registre n'est pas reconnue : tapez la ligne que `ardoise-registry key --show` affiche sur le registre, ou le nom d'un fichier de la clé USB qui la contient.",
                                "The registry key is not recognised: type the line `ardoise-registry key --show` prints on the registry, or the name of a file on the stick that holds it.";
        PbRegistryKeyUnreadable => "Le fichier de la clé du registre {0} ne peut pas être lu.", "The registry key file {0} cannot be read.";
        PbOtherIdentity => "Cette clé USB porte déjà la clé de signature de l'atelier {0}, poste {1} : tapez ces identifiants, ou refaites la clé depuis un PC avec `ardoise provision --new-key` (l'ancienne clé et ses certificats sont archivés).",
                           "This stick already holds the signing key of workshop {0}, station {1}: type those ids, or set the stick up again from a PC with `ardoise provision --new-key` (the old key and its certificates are archived).";
        PbSetupFile => "Le fichier {0} ne peut pas être écrit sur la partition de données (pleine ou en lecture seule ?) : la configuration n'est pas enregistrée.",
                       "The file {0} cannot be written on the data partition (full or read-only?): the configuration is not saved.";
        PbSetupKey => "La clé de signature de la station (keys/station.key) ne peut pas être lue ni créée sur la partition de données.",
                      "The station's signing key (keys/station.key) cannot be read or created on the data partition.";
        PbDetail => "Détail (en anglais) : {0}", "Detail: {0}";
        OriginFile => "dans {0}", "in {0}";
        OriginKernel => "sur la ligne de commande du noyau, boot/boot.cfg", "on the kernel command line, boot/boot.cfg";
        OriginCommandLine => "sur la ligne de commande", "on the command line";
        OriginKey => "lié à la clé {0}", "bound to the key {0}";
        OriginSetupForm => "dans le formulaire de configuration", "in the setup form";
        Demo => "DÉMONSTRATION", "DEMONSTRATION";

        // First-run setup
        TitleSetup => "Configuration de la station", "Station setup";
        SetupPrompt => "Cette clé n'est pas encore celle d'un atelier : ses certificats diraient \"démonstration\" et aucun registre ne les accepterait. Renseignez l'atelier (Tab : champ suivant, Entrée sur le dernier champ : enregistrer), ou Echap pour continuer en démonstration.",
                       "This stick is not a workshop's yet: its certificates would say \"demonstration\" and no registry would accept them. Fill in the workshop (Tab: next field, Enter on the last field: save), or Esc to go on as a demonstration.";
        SetupPromptRepair => "La station ne peut pas utiliser le fichier de configuration de cette clé (ardoise.toml) : renseignez l'atelier pour le remplacer par un fichier neuf (Tab : champ suivant, Entrée sur le dernier champ : enregistrer), ou Échap pour revenir.",
                             "The station cannot use this stick's configuration file (ardoise.toml): fill in the workshop to replace it with a new one (Tab: next field, Enter on the last field: save), or Esc to go back.";
        SetupWorkshopId => "Identifiant de l'atelier", "Workshop id";
        SetupWorkshopName => "Nom de l'atelier", "Workshop name";
        SetupStation => "Identifiant du poste", "Station id";
        SetupRegistryUrl => "Adresse du registre", "Registry address";
        SetupRegistryKey => "Clé du registre", "Registry key";
        SetupHint => "Exemples : ressourcerie-caen, Ressourcerie de Caen, poste-1, https://registre.example.org. Clé du registre : le nom d'un fichier posé sur la clé (ex. registry.vkey) ou la clé elle-même. Sans registre, laissez les deux derniers champs vides.",
                     "Examples: ressourcerie-caen, Ressourcerie de Caen, station-1, https://registre.example.org. Registry key: the name of a file put on the stick (e.g. registry.vkey) or the key itself. Without a registry, leave the last two fields empty.";
        SetupSaving => "Enregistrement de la configuration...", "Saving the configuration...";
        SetupRequired => "Remplissez l'identifiant de l'atelier, son nom et celui du poste.",
                         "Fill in the workshop id, its name and the station id.";
        SetupDone => "Station configurée : atelier {0}, poste {1}. Sa clé {2} est dans keys/station.pub sur la clé : faites-la enregistrer au registre.",
                     "Station set up: workshop {0}, station {1}. Its key {2} is in keys/station.pub on the stick: have it registered with the registry.";
        SetupDoneShort => "Station configurée : {0} / {1}, clé {2} (journal : L)", "Station set up: {0} / {1}, key {2} (log: L)";
        SetupFailed => "Configuration refusée, rien n'a été écrit.", "Setup refused, nothing was written.";
        ActSave => "enregistrer", "save";
        ActDemo => "continuer en démonstration", "go on as a demonstration";
        ActSetUp => "configurer la station", "set the station up";

        // Operator
        OpPrompt => "Choisissez votre nom (flèches, Entrée), ou \"Autre\" pour le taper.",
                    "Choose your name (arrows, Enter), or \"Other\" to type it.";
        OpList => "Opérateur", "Operator";
        OpOther => "Autre : taper un nom", "Other: type a name";
        OpName => "Votre nom", "Your name";
        OpAsset => "N° d'inventaire (facultatif)", "Asset tag (optional)";
        OpLot => "Lot du donateur (facultatif)", "Donor lot (optional)";
        OpScanHint => "Un lecteur de codes-barres peut remplir ces champs : scannez l'étiquette.",
                      "A barcode scanner can fill these fields: scan the label.";
        OpFieldHint => "Tapez (ou scannez), puis Entrée pour le champ suivant.",
                       "Type (or scan), then Enter for the next field.";
        OpNameRequired => "Tapez votre nom avant de continuer.", "Type your name before continuing.";
        OpNoOperators => "Aucun opérateur n'est configuré dans cet atelier : tapez votre nom.",
                         "No operator is configured in this workshop: type your name.";
        OpIdNote => "Seul un identifiant anonyme ({0}) ira dans les certificats.",
                    "Only an anonymous id ({0}) goes into the certificates.";
        OpWaitStation => "La station n'est pas encore prête : patientez.", "The station is not ready yet: please wait.";

        // Machine
        MachPrompt => "Vérifiez la machine, puis appuyez sur Entrée pour voir ses disques.",
                      "Check the machine, then press Enter to see its disks.";
        MachManufacturer => "Fabricant", "Manufacturer";
        MachModel => "Modèle", "Model";
        MachSerial => "N° de série", "Serial number";
        MachCpu => "Processeur", "Processor";
        MachMemory => "Mémoire", "Memory";
        MachFirmware => "Démarrage", "Boot firmware";
        MachSecureBoot => "Secure Boot", "Secure Boot";
        MachNetwork => "Réseau", "Network";
        MachRegistry => "Registre", "Registry";
        MachWorkshop => "Atelier", "Workshop";
        MachOperator => "Opérateur", "Operator";
        MachAsset => "N° d'inventaire", "Asset tag";
        MachLot => "Lot", "Lot";
        MachStorage => "Certificats", "Certificates";
        MachOutbox => "Envoi", "Upload";
        FwUefi => "UEFI", "UEFI";
        FwBios => "BIOS (ancien mode)", "BIOS (legacy)";
        SbEnabled => "activé", "enabled";
        SbDisabled => "désactivé", "disabled";
        SbSetup => "mode configuration (non appliqué)", "setup mode (not enforced)";
        SbNa => "sans objet (BIOS)", "not applicable (BIOS)";
        NetUp => "connecté ({0} : {1})", "connected ({0}: {1})";
        NetDown => "pas de réseau", "no network";
        NetUnknown => "inconnu (hors du système ardoise)", "unknown (not on the ardoise system)";
        RegNone => "aucun (station hors ligne)", "none (offline station)";
        RegChecking => "vérification...", "checking...";
        RegOk => "joignable", "reachable";
        RegFail => "injoignable : {0}", "unreachable: {0}";
        ReceiptsUnverified => "REÇUS DU REGISTRE NON VÉRIFIÉS (allow_unverified_receipts) : un faux registre peut faire perdre des certificats",
            "REGISTRY RECEIPTS NOT checked (allow_unverified_receipts): a fake registry could make certificates disappear";
        UploadsHalted => "ENVOIS REFUSÉS : {0}", "UPLOADS REFUSED: {0}";
        LogAlarm => "ALERTE JOURNAL DU REGISTRE, envois arrêtés : {0}", "REGISTRY LOG ALARM, uploads stopped: {0}";
        DataPersistent => "sur la clé ardoise ({0})", "on the ardoise stick ({0})";
        DataRam => "EN MÉMOIRE SEULEMENT : perdus à l'extinction, exportez-les (E)",
                   "IN MEMORY ONLY: lost at power off, export them (E)";
        DataDir => "dans {0}", "in {0}";
        CertCount => "{0} certificat(s) en attente d'envoi au registre", "{0} certificate(s) waiting for the registry";
        Interrupted => "{0} effacement(s) interrompu(s) auparavant : certificat NON EFFACÉ émis.",
                       "{0} earlier erase job(s) were interrupted: NOT ERASED certificate issued.";
        MemoryValue => "{0} ({1} processeurs)", "{0} ({1} threads)";
        BootMediumProblem => "SUPPORT DE DÉMARRAGE INTROUVABLE : {0}. Ne lancez pas d'effacement sans surveillance.",
                             "BOOT MEDIUM NOT FOUND: {0}. Do not start an unattended erase.";

        // Disks
        DisksPrompt => "Espace coche un disque, A les coche tous ; puis X efface avec les méthodes recommandées, ou Entrée pour les choisir.",
                       "Space selects a disk, A selects all; then X erases with the recommended methods, or Enter to choose them.";
        ColModel => "Modèle", "Model";
        ColSerial => "N° série", "Serial";
        ColSize => "Taille", "Size";
        ColBus => "Bus", "Bus";
        ColHealth => "Santé", "Health";
        ColMethod => "Méthode auto", "Auto method";
        HealthGood => "bon", "good";
        HealthWorn => "usé", "worn";
        HealthFailing => "DÉFAILLANT", "FAILING";
        HealthUnknown => "inconnu", "unknown";
        Scanning => "Recherche des disques...", "Looking for disks...";
        Probing => "analyse...", "probing...";
        NoDisks => "Aucun disque trouvé. Branchez un disque, puis appuyez sur R.",
                   "No disk found. Connect one, then press R.";
        Protected => "PROTÉGÉ", "PROTECTED";
        ProtBoot => "support de démarrage d'ardoise", "ardoise's boot medium";
        ProtMounted => "{0} est monté sur {1}", "{0} is mounted on {1}";
        ProtSwap => "mémoire d'échange active sur {0}", "swap is active on {0}";
        ProtHolder => "utilisé par {0}", "in use by {0}";
        ProtBusy => "utilisé par un autre programme", "in use by another program";
        ProtReadOnly => "en lecture seule", "read-only";
        ProtCannotTell => "impossible de savoir s'il est utilisé", "cannot tell whether it is in use";
        ProtectedCannot => "Disque protégé, il ne peut pas être effacé : {0}.",
                           "Protected disk, it cannot be erased: {0}.";
        Frozen => "GELÉ", "FROZEN";
        FrozenNote => "bloqué par le BIOS ; remède (mise en veille) à l'étape suivante.",
                      "blocked by the BIOS; remedy (suspend cycle) at the next step.";
        FailingNote => "Disque défaillant : l'effacement peut échouer ; ne le réutilisez pas.",
                       "Failing disk: the erase may fail; do not reuse it.";
        SelectAtLeastOne => "Cochez au moins un disque (Espace).", "Select at least one disk (Space).";
        SelectedCount => "{0} disque(s) coché(s)", "{0} disk(s) selected";
        ProbeFailed => "analyse impossible : {0}", "cannot probe: {0}";
        StillProbing => "Analyse en cours : patientez un instant.", "Still probing: wait a moment.";
        CannotErase => "Aucune méthode possible pour ce disque.", "No method is possible for this disk.";
        DiskDetail => "{0}  {1}  {2} octets", "{0}  {1}  {2} bytes";
        MediaHdd => "disque dur", "hard disk";
        MediaSsd => "SSD", "SSD";
        MediaNvme => "SSD NVMe", "NVMe SSD";
        MediaEmmc => "eMMC", "eMMC";
        MediaUsbFlash => "clé USB", "USB stick";
        MediaVirtual => "disque virtuel", "virtual disk";
        MediaRaidVolume => "volume RAID", "RAID volume";
        MachControllers => "Contrôleurs", "Controllers";
        CtrlAllVisible => "{0} contrôleur(s) de disques, tous avec leur pilote : tous les disques sont visibles",
                          "{0} disk controller(s), all with a driver: every disk is visible";
        CtrlNoDriver => "contrôleur {0} {1} ({2}) sans pilote : ses disques ne sont pas visibles",
                        "{0} controller {1} ({2}) has no driver: its disks are not visible";
        CtrlNoDiskSeen => "contrôleur {0} {1} ({2}, pilote {3}) sans aucun disque visible : vide, ou ses disques sont hors de portée ; regardez dans la machine",
                          "{0} controller {1} ({2}, driver {3}) shows no disk: empty, or its disks are out of reach; look inside the machine";
        CtrlRaid => "contrôleur {0} {1} ({2}) en mode RAID : {3} volume(s) RAID, ses disques physiques ne sont pas visibles un par un",
                    "{0} controller {1} ({2}) in RAID mode: {3} RAID volume(s), its physical disks are not visible one by one";
        CtrlIncomplete => "Des disques de cette machine ne sont pas visibles : elle ne peut pas être entièrement effacée.",
                          "Some disks of this machine are not visible: it cannot be fully erased.";
        RaidVolumeNote => "volume RAID : seul le volume est réécrit, pas chaque disque (F1)",
                          "RAID volume: only the volume is overwritten, not each disk (F1)";
        HelpRaid => "VOLUME RAID = un disque composé par un contrôleur RAID : ardoise ne peut que le réécrire, ses disques physiques ne sont pas purgés un par un. Pour une purge de chaque disque, passez le contrôleur en mode HBA ou JBOD (utilitaire du contrôleur au démarrage, par exemple Ctrl+R, Ctrl+C ou F8, ou la configuration du BIOS/UEFI), puis redémarrez ardoise. Un contrôleur sans pilote cache tous ses disques : notez son identifiant (écran Machine) pour le responsable.",
                    "RAID VOLUME = a disk composed by a RAID controller: ardoise can only overwrite it, its physical disks are not purged one by one. For a purge of each disk, switch the controller to HBA or JBOD mode (the controller's utility at boot, for example Ctrl+R, Ctrl+C or F8, or the BIOS/UEFI setup), then restart ardoise. A controller without a driver hides all its disks: note its id (Machine screen) for the supervisor.";
        MediaUnknown => "support inconnu", "unknown medium";
        ScanFailed => "Impossible de lister les disques : {0}", "Cannot list the disks: {0}";

        // Method
        MethodPrompt => "Disque {0} sur {1} : la méthode recommandée est déjà choisie ; Entrée la garde.",
                        "Disk {0} of {1}: the recommended method is already chosen; Enter keeps it.";
        Recommended => "recommandée", "recommended";
        Unavailable => "indisponible", "unavailable";
        LevelPurge => "purge", "purge";
        LevelClear => "effacement", "clear";
        ReasonRecommendedPurge => "La plus forte que ce disque accepte : il efface lui-même toutes ses cellules.",
                                  "The strongest this disk supports: it erases every cell itself.";
        ReasonRecommendedClear => "La plus forte possible ici : l'ordinateur réécrit chaque secteur.",
                                  "The strongest possible here: the computer rewrites every sector.";
        ReasonRecommendedFirmwareClear => "La plus forte que ce disque accepte : sa propre commande d'effacement.",
                                          "The strongest this disk supports: its own erase command.";
        ReasonFirmwareClear => "Effacement simple par la commande du disque lui-même.",
                               "Clear with the drive's own erase command.";
        ReasonPurge => "Purge : le disque efface lui-même tout, même ce que l'ordinateur ne voit pas.",
                       "Purge: the drive erases everything itself, even what the computer cannot see.";
        ReasonClear => "Effacement simple : l'ordinateur réécrit chaque secteur visible.",
                       "Clear: the computer rewrites every visible sector.";
        ReasonExtraPasses => "Plus de passes n'effacent pas mieux un disque récent ; c'est seulement plus long.",
                             "More passes do not erase a modern disk better; it only takes longer.";
        ReasonUnsupported => "Ce disque ne la permet pas.", "This disk does not support it.";
        ReasonFrozen => "Bloquée : le BIOS a gelé le disque au démarrage (remède ci-dessous).",
                        "Blocked: the BIOS froze the drive at boot (remedy below).";
        RemedyItem => "Mise en veille, puis nouvelle vérification (dégèle le disque)",
                      "Suspend cycle, then check again (unfreezes the drive)";
        RemedyExplain => "L'ordinateur se met en veille 10 secondes et se réveille seul ; le disque est ensuite relu.",
                         "The computer sleeps for 10 seconds and wakes up by itself; the drive is then read again.";
        RemedyConfirm => "Mettre l'ordinateur en veille maintenant ? {0}", "Suspend the computer now? {0}";
        RemedyRunning => "Mise en veille et nouvelle vérification...", "Suspending and checking again...";
        RemedyUnfrozen => "Le disque n'est plus gelé : la méthode recommandée a été mise à jour.",
                          "The drive is no longer frozen: the recommended method was updated.";
        RemedyStillFrozen => "Le disque est toujours gelé : gardez la méthode proposée ou rebranchez-le.",
                             "The drive is still frozen: keep the proposed method or reconnect it.";
        RemedyFailed => "Mise en veille impossible : {0}", "Suspend failed: {0}";
        VerifyLine => "Vérification après effacement : {0}", "Check after the erase: {0}";
        VerifySample => "par échantillons ({0} % du disque)", "by sampling ({0} % of the disk)";
        VerifyFull => "complète (chaque secteur)", "full (every sector)";
        VerifyNone => "aucune (le certificat le dira)", "none (the certificate will say so)";
        MethodNotSupported => "Cette méthode n'est pas possible sur ce disque.", "This method is not possible on this disk.";

        // Methods
        MNvmeSanCrypto => "NVMe Sanitize, effacement cryptographique", "NVMe Sanitize, cryptographic erase";
        MNvmeSanBlock => "NVMe Sanitize, effacement des blocs", "NVMe Sanitize, block erase";
        MNvmeSanOverwrite => "NVMe Sanitize, réécriture", "NVMe Sanitize, overwrite";
        MNvmeFmtCrypto => "NVMe Format, effacement cryptographique", "NVMe Format, cryptographic erase";
        MNvmeFmtUser => "NVMe Format, effacement des données", "NVMe Format, user data erase";
        MAtaSanCrypto => "ATA Sanitize, brouillage cryptographique", "ATA Sanitize, crypto scramble";
        MAtaSanBlock => "ATA Sanitize, effacement des blocs", "ATA Sanitize, block erase";
        MAtaSanOverwrite => "ATA Sanitize, réécriture", "ATA Sanitize, overwrite";
        MAtaSecEnhanced => "ATA Security Erase, renforcé", "ATA Security Erase, enhanced";
        MAtaSecNormal => "ATA Security Erase, normal", "ATA Security Erase, normal";
        MScsiSanCrypto => "SCSI Sanitize, effacement cryptographique", "SCSI Sanitize, cryptographic erase";
        MScsiSanBlock => "SCSI Sanitize, effacement des blocs", "SCSI Sanitize, block erase";
        MScsiSanOverwrite => "SCSI Sanitize, réécriture", "SCSI Sanitize, overwrite";
        MMmcSanitize => "eMMC : effacement sécurisé puis Sanitize", "eMMC: secure erase, then Sanitize";
        MSecDiscard => "Suppression sécurisée (BLKSECDISCARD)", "Secure discard (BLKSECDISCARD)";
        MOverwrite => "Réécriture par le PC : {0}", "Overwrite by the PC: {0}";
        SZero => "zéros, 1 passe", "zeros, 1 pass";
        SRandom => "aléatoire, 1 passe", "random, 1 pass";
        SRandomZero => "aléatoire puis zéros", "random, then zeros";
        SThreePass => "3 passes", "3 passes";
        SDod => "DoD 5220.22-M, 3 passes", "DoD 5220.22-M, 3 passes";
        SHmg => "HMG IS5 renforcé, 3 passes", "HMG IS5 enhanced, 3 passes";
        SGutmann => "Gutmann, 35 passes", "Gutmann, 35 passes";
        ShortSanCrypto => "Sanitize crypto", "Sanitize crypto";
        ShortSanBlock => "Sanitize blocs", "Sanitize block";
        ShortSanOverwrite => "Sanitize réécr.", "Sanitize overw.";
        ShortFmtCrypto => "Format crypto", "Format crypto";
        ShortFmtUser => "Format données", "Format data";
        ShortSecEnhanced => "Security Erase+", "Security Erase+";
        ShortSecNormal => "Security Erase", "Security Erase";
        ShortMmc => "eMMC Sanitize", "eMMC Sanitize";
        ShortDiscard => "Discard sécur.", "Secure discard";
        ShortOverwrite => "Réécriture {0}p", "Overwrite {0}p";
        ShortNone => "aucune", "none";

        // Confirmation
        ConfirmWarn => "ATTENTION : tout le contenu de ces disques sera détruit, sans retour possible.",
                       "WARNING: everything on these disks will be destroyed, with no way back.";
        ConfirmOne => "Pour confirmer, tapez les 4 derniers caractères du n° de série ci-dessus, puis Entrée.",
                      "To confirm, type the last 4 characters of the serial number above, then Enter.";
        ConfirmMany => "Pour confirmer, tapez le mot {0}, puis Entrée.", "To confirm, type the word {0}, then Enter.";
        ConfirmWord => "EFFACER", "ERASE";
        ConfirmInput => "Confirmation :", "Confirmation:";
        ConfirmMismatch => "Ce n'est pas ça : rien n'a été effacé. Vérifiez et recommencez.",
                           "That does not match: nothing was erased. Check and try again.";
        ConfirmStoreFailed => "Les certificats ne peuvent pas être enregistrés, rien n'a été effacé : {0}",
                              "Certificates cannot be stored, nothing was erased: {0}";

        // Progress
        ProgressPrompt => "Laissez les disques branchés. Flèches : choisir un disque ; S : l'arrêter.",
                          "Keep the disks connected. Arrows: pick a disk; S: stop it.";
        PhStarting => "préparation", "preparing";
        PhProbing => "analyse du disque", "probing the drive";
        PhHidden => "zones cachées", "hidden areas";
        PhFingerprint => "empreintes avant effacement", "fingerprints before erasing";
        PhFirmware => "le disque s'efface lui-même", "the drive is erasing itself";
        PhOverwrite => "réécriture, passe {0}/{1}", "overwriting, pass {0}/{1}";
        PhPassVerify => "contrôle, passe {0}/{1}", "checking, pass {0}/{1}";
        PhFlush => "vidage du cache", "flushing the cache";
        PhVerify => "vérification", "verifying";
        PhCertify => "signature du certificat", "signing the certificate";
        PhDone => "terminé", "done";
        PhRefused => "refusé : {0}", "refused: {0}";
        NotConfirmedDisk => "ce n'est pas le disque que vous avez confirmé ({0}) ; rien n'a été écrit, la liste est relue",
                            "this is not the disk you confirmed ({0}); nothing was written, the list is read again";
        RefDetail => "{0} (détail en anglais : {1})", "{0} ({1})";
        RefProtected => "disque protégé : {0}", "protected disk: {0}";
        RefBusy => "le disque est utilisé par un autre programme (monté ou ouvert ailleurs)",
                   "the disk is in use by another program (mounted or opened elsewhere)";
        RefOpen => "le disque ne peut pas être ouvert", "the disk cannot be opened";
        RefUnsupported => "ce disque n'accepte pas la méthode {0}", "this disk does not support the method {0}";
        RefUnknownMethod => "méthode inconnue : {0}", "unknown method: {0}";
        RefNothing => "aucune méthode d'effacement n'est possible sur ce disque", "no erase method is possible on this disk";
        RefSizes => "le disque annonce {0} mais le système en voit {1} : ce n'est pas le disque qu'il semble être",
                    "the drive reports {0} but the system sees {1}: it is not the disk it seems to be";
        LogJobRefused => "{0} : refusé, rien n'a été écrit : {1}", "{0}: refused, nothing was written: {1}";
        PhStopping => "arrêt demandé...", "stopping...";
        Remaining => "reste {0}", "{0} left";
        Errors => "erreurs : {0}", "errors: {0}";
        StopConfirm => "Arrêter l'effacement de {0} ? Le disque sera NON EFFACÉ. {1}",
                       "Stop erasing {0}? The disk will be NOT ERASED. {1}";
        AlreadyFinished => "Ce disque a déjà terminé.", "This disk has already finished.";
        MustStopFirst => "Un effacement est en cours : attendez la fin ou arrêtez-le (S).",
                         "An erase is running: wait for the end or stop it (S).";

        // Results
        ResultsPrompt => "Lisez chaque verdict. Flèches : choisir un disque et voir son QR code.",
                         "Read each verdict. Arrows: pick a disk and see its QR code.";
        VerdictErased => "EFFACÉ", "ERASED";
        VerdictWithExceptions => "EFFACÉ AVEC RÉSERVES", "ERASED WITH EXCEPTIONS";
        VerdictNotErased => "NON EFFACÉ", "NOT ERASED";
        CertLabel => "Certificat", "Certificate";
        CertNotStored => "NON ENREGISTRÉ : {0}", "NOT STORED: {0}";
        CertNone => "aucun (rien n'a été fait)", "none (nothing was done)";
        CertPending => "en cours...", "in progress...";
        UploadLabel => "Registre", "Registry";
        UpNoRegistry => "pas de registre", "no registry";
        UpPending => "à envoyer", "to send";
        UpDone => "envoyé", "uploaded";
        UpRetry => "réessai", "retrying";
        UpRejected => "REFUSÉ (voir journal)", "REJECTED (see log)";
        UpGaveUp => "en attente", "waiting";
        ReasonLabel => "Pourquoi", "Why";
        QrTitle => "Page du certificat", "Certificate page";
        QrNoRegistry => "Pas de registre configuré : pas de QR code.", "No registry configured: no QR code.";
        QrNoCert => "Pas de certificat pour ce disque.", "No certificate for this disk.";
        QrTooSmall => "Agrandissez l'écran pour voir le QR code.", "Enlarge the screen to see the QR code.";
        FinishReady => "Tout est enregistré. N : machine suivante ; P : éteindre.",
                       "Everything is stored. N: next machine; P: power off.";
        FinishWaitStore => "Attendez : des certificats ne sont pas encore enregistrés.",
                           "Wait: some certificates are not stored yet.";
        FinishWaitUpload => "Envoi au registre : {0} restant(s). Attendez, ou N/P puis {1} pour forcer.",
                            "Uploading: {0} left. Wait, or N/P then {1} to override.";
        FinishStoreFailed => "Un certificat n'a pas pu être enregistré ! N/P puis {0} pour forcer.",
                             "A certificate could not be stored! N/P then {0} to override.";
        OverrideNotStored => "Des certificats ne sont PAS enregistrés.", "Some certificates are NOT stored.";
        OverrideNotUploaded => "Des certificats ne sont pas encore envoyés au registre (ils le seront plus tard depuis cette clé).",
                               "Some certificates are not uploaded yet (they will be later, from this stick).";
        OverrideType => "Pour continuer quand même, tapez {0} puis Entrée (Échap : attendre).",
                        "To go on anyway, type {0} then Enter (Esc: wait).";
        OverrideWord => "FORCER", "FORCE";
        PoweringOff => "Extinction...", "Powering off...";
        SimPowerOff => "ardoise : simulation, l'ordinateur ne s'éteint pas.", "ardoise: simulation, the computer is not powered off.";
        NotLivePowerOff => "ardoise : pas sur le système ardoise, l'ordinateur ne s'éteint pas.",
                           "ardoise: not on the ardoise system, the computer is not powered off.";
        ExcEraseFailed => "l'effacement a échoué", "the erase failed";
        ExcDeviceGone => "le disque a disparu", "the disk disappeared";
        ExcCancelled => "arrêté par le technicien", "stopped by the technician";
        ExcInterrupted => "interrompu (coupure, plantage)", "interrupted (power loss, crash)";
        ExcStatusMismatch => "l'état du disque contredit le succès", "the drive's state contradicts success";
        ExcFlushFailed => "le vidage du cache a échoué", "flushing the cache failed";
        ExcVerificationFailed => "la vérification a trouvé des données", "verification found data";
        ExcVerificationError => "la vérification n'a pas pu se faire", "verification could not run";
        ExcNotVerified => "pas de vérification", "no verification";
        ExcUnwritable => "secteurs impossibles à écrire", "sectors could not be written";
        ExcUnreadable => "secteurs illisibles", "unreadable sectors";
        ExcHidden => "zone cachée non effacée", "hidden area not erased";
        ExcHiddenUnchecked => "zones cachées non vérifiées", "hidden areas not checked";
        ExcUnreachable => "secteurs hors de portée", "sectors out of reach";
        ExcInconclusive => "vérification non probante", "verification inconclusive";

        // Export
        ExportPrompt => "Branchez une autre clé USB, choisissez-la, puis Entrée : les certificats y seront copiés.",
                        "Plug in another USB stick, choose it, then Enter: the certificates are copied to it.";
        ExportNone => "Aucune clé trouvée. Branchez-en une, puis appuyez sur R.",
                      "No stick found. Plug one in, then press R.";
        ExportScanning => "Recherche des clés...", "Looking for sticks...";
        ExportRunning => "Copie en cours...", "Copying...";
        ExportDone => "{0} certificat(s) copié(s) dans {1}. Vous pouvez retirer la clé.",
                      "{0} certificate(s) copied to {1}. You can remove the stick.";
        ExportFailed => "Export impossible : {0}", "Export failed: {0}";
        ExportSimTarget => "Clé USB simulée ({0})", "Simulated USB stick ({0})";
        ExportPartition => "{0} ({1}, {2})", "{0} ({1}, {2})";

        // Quit
        QuitConfirm => "Quitter ardoise ? {0}", "Quit ardoise? {0}";

        // Log
        LogPrompt => "Flèches et Page haut/bas pour défiler ; Échap pour revenir.",
                     "Arrows and Page Up/Down scroll; Esc goes back.";
        LogEmpty => "(rien pour l'instant)", "(nothing yet)";
        LogStationOpened => "station ouverte : {0}", "station opened: {0}";
        LogCertified => "{0} : certificat {1} ({2})", "{0}: certificate {1} ({2})";
        LogCertifyFailed => "{0} : certificat NON ENREGISTRÉ : {1}", "{0}: certificate NOT STORED: {1}";
        LogUploaded => "certificat {0} envoyé au registre", "certificate {0} uploaded to the registry";
        LogUploadRetry => "certificat {0} : envoi, essai {1} : {2}", "certificate {0}: upload attempt {1}: {2}";
        LogUploadRejected => "certificat {0} refusé par le registre : {1}", "certificate {0} rejected by the registry: {1}";
        LogUploadGaveUp => "certificat {0} : envoi abandonné pour l'instant : {1}", "certificate {0}: upload given up for now: {1}";
        LogUploadStore => "envoi : {0}", "upload: {0}";
        LogJobStarted => "{0} : {1} ({2})", "{0}: {1} ({2})";
        LogJobException => "{0} : {1} : {2}", "{0}: {1}: {2}";
        LogVerdict => "{0} : verdict {1}", "{0}: verdict {1}";
        LogRemedy => "{0} : mise en veille : {1}", "{0}: suspend cycle: {1}";
        LogExport => "export : {0}", "export: {0}";
        LogStop => "{0} : arrêt demandé par le technicien", "{0}: stop requested by the technician";
        LogOverride => "le technicien a forcé la suite avant l'enregistrement ou l'envoi de tous les certificats",
                       "the technician overrode the wait for every certificate to be stored or uploaded";
        LogInterrupted => "job interrompu, certificat {0}", "interrupted job, certificate {0}";
        LogLabels => "étiquettes de la machine écrites : {0} fichier(s)", "machine labels written: {0} file(s)";
        LogLabelsFailed => "étiquettes de la machine NON écrites (détail en anglais : {0})", "machine labels NOT written: {0}";
        LogNotRemembered => "l'opérateur, la langue et le lot ne sont pas retenus pour la machine suivante (détail en anglais : {0})",
                            "the operator, language and lot are not remembered for the next machine: {0}";
        LogRecoveryFailed => "les effacements interrompus auparavant n'ont pas pu être certifiés au démarrage (détail en anglais : {0})",
                             "the erase jobs interrupted earlier could not be certified at start: {0}";
        LogExportScanFailed => "impossible de lister les clés USB (détail en anglais : {0})", "cannot list the USB sticks: {0}";
        LogRecoveredReport => "Certificat {0} établi au démarrage d'après le compte rendu gardé sur la clé (il n'avait pas pu être enregistré).",
                              "Certificate {0} issued at start from the report kept on the stick (it could not be stored before).";

        // Units, separators and durations: ardoise_units, shared with every other front end.

        // Help
        HelpGeneral => "F1 ou ? : cette aide. L : journal. Échap : étape précédente. Rien n'est effacé avant la confirmation tapée au clavier.",
                       "F1 or ?: this help. L: log. Esc: previous step. Nothing is erased before the typed confirmation.";
        HelpLanguage => "Choisissez la langue de l'interface. Le français est proposé par défaut ; les certificats sont les mêmes dans les deux langues. K (quand la ligne s'affiche) reprend l'opérateur, la langue et le lot de la machine précédente.",
                        "Choose the interface language. French is the default; certificates are the same in both languages. K (when its line shows) keeps the operator, language and lot of the previous machine.";
        HelpSetup => "Ces réglages font de cette clé celle de votre atelier : ils sont écrits dans ardoise.toml sur la clé, avec une clé de signature propre à ce poste (keys/station.key). La clé publique keys/station.pub doit être enregistrée au registre par son administrateur. La clé du registre permet à la station de vérifier ses accusés de réception. Pour préparer des clés depuis un PC : ardoise provision (docs/image.md).",
                     "These settings make this stick your workshop's: they are written into ardoise.toml on the stick, with a signing key of this station's own (keys/station.key). The public key keys/station.pub must be registered with the registry by its administrator. The registry's key lets the station check its receipts. To prepare sticks from a PC: ardoise provision (docs/image.md).";
        HelpOperator => "Votre nom n'est jamais écrit dans un certificat : seul un identifiant anonyme l'est. Le n° d'inventaire (étiquette de la machine) et le lot du donateur aident à retrouver la machine : un lecteur de codes-barres les tape pour vous. Tab ou Entrée passent au champ suivant.",
                        "Your name is never written into a certificate: only an anonymous id is. The asset tag (the machine's label) and the donor lot help to find the machine again: a barcode scanner types them for you. Tab or Enter moves to the next field.";
        HelpMachine => "Ces informations vont dans chaque certificat. Secure Boot activé montre que le système démarré est celui de Debian. Sans réseau, les certificats restent sur la clé et partiront plus tard. E : exporter les certificats sur une autre clé.",
                       "This goes into every certificate. Secure Boot enabled shows the booted system is Debian's. Without a network, certificates stay on the stick and are sent later. E: export certificates to another stick.";
        HelpDisks => "Gris = protégé (la clé ardoise, un disque monté) : impossible à cocher. DÉFAILLANT = le disque annonce sa propre panne. GELÉ = le BIOS a bloqué ses commandes de sécurité ; le remède vient à l'étape suivante. X : effacer les disques cochés avec leur méthode recommandée, sans passer par le choix des méthodes. R : relire les disques.",
                     "Grey = protected (the ardoise stick, a mounted disk): cannot be selected. FAILING = the drive predicts its own failure. FROZEN = the BIOS blocked its security commands; the remedy comes at the next step. X: erase the selected disks with their recommended methods, skipping the method screens. R: rescan.";
        HelpMethod => "La méthode recommandée est la plus forte que le disque accepte. Une purge passe par le disque lui-même ; un effacement simple réécrit ce que l'ordinateur voit. Changez seulement si un responsable le demande.",
                      "The recommended method is the strongest the drive supports. A purge uses the drive itself; a clear rewrites what the computer sees. Change it only when a supervisor asks.";
        HelpConfirm => "Cette étape empêche les accidents : lisez le n° de série sur l'étiquette du disque. Échap revient en arrière sans rien effacer.",
                       "This step prevents accidents: read the serial number on the disk's label. Esc goes back without erasing anything.";
        HelpProgress => "Tous les disques s'effacent en même temps. Ne débranchez rien. S arrête le disque choisi : il sera NON EFFACÉ et son certificat le dira.",
                        "All disks are erased at the same time. Unplug nothing. S stops the chosen disk: it will be NOT ERASED and its certificate will say so.";
        HelpResults => "EFFACÉ : le disque peut être réutilisé. AVEC RÉSERVES : lisez pourquoi avant de le réutiliser. NON EFFACÉ : recommencez ou détruisez le disque. Le QR code mène à la page du certificat. E : exporter.",
                       "ERASED: the disk can be reused. WITH EXCEPTIONS: read why before reusing it. NOT ERASED: erase again or destroy the disk. The QR code leads to the certificate's page. E: export.";
        HelpExport => "Copie les certificats signés (et les reçus du registre) sur une autre clé, dans le dossier ardoise-certificats.",
                      "Copies the signed certificates (and the registry's receipts) to another stick, into the folder ardoise-certificats.";
        HelpLog => "Le journal garde les messages détaillés des disques, du registre et de la station.",
                   "The log keeps the detailed messages of the disks, the registry and the station.";
        HelpBusy => "Une seule console à la fois peut effacer et signer. Utilisez l'autre écran, ou quittez ardoise là-bas.",
                    "Only one console at a time can erase and sign. Use the other screen, or quit ardoise there.";

        // A workshop's day: keep the previous operator, the machine's destination, quick start
        KeepLine => "K : reprendre {0}, {1}{2} (comme la machine précédente)",
                    "K: keep {0}, {1}{2} (as for the previous machine)";
        KeepLot => ", lot {0}", ", lot {0}";
        KeepGone => "L'opérateur retenu n'est plus dans la liste : choisissez votre nom.",
                    "The remembered operator is no longer in the list: choose your name.";
        TitleDestination => "Cette machine : destination", "This machine: destination";
        DestPrompt => "Vérifiez la destination (flèches gauche/droite pour la changer) et cochez ce que vous avez fait sur la machine (touches 1 à 4), puis Entrée.",
                      "Check the destination (Left/Right to change it) and tick what you did to the machine (keys 1 to 4), then press Enter.";
        DestSuggested => "Proposé par la politique {0} : ", "Suggested by policy {0}: ";
        DestProbing => "Analyse des disques en cours : la proposition peut encore changer.",
                       "Disks still being probed: the suggestion may change.";
        DestChosen => "Destination :", "Destination:";
        DestReuse => "réemploi", "reuse";
        DestParts => "pièces détachées", "spare parts";
        DestRecycling => "recyclage (DEEE)", "recycling (WEEE)";
        WhyOsUnmet => "ne remplit pas les minimums de {0} : {1}", "does not meet the {0} minimums: {1}";
        WhyMemory => "{0} de mémoire (l'atelier demande au moins {1} Go)", "{0} of memory (the workshop wants at least {1} GB)";
        WhyBatteryWorn => "batterie {0} à {1} % de sa capacité d'origine (l'atelier demande au moins {2} %)",
                          "battery {0} at {1} % of its design capacity (the workshop wants at least {2} %)";
        WhyBatteryCycles => "batterie {0} : {1} cycles de charge (au plus {2})", "battery {0}: {1} charge cycles (at most {2})";
        WhyDiskFailing => "le disque {0} prévoit sa propre panne", "disk {0} predicts its own failure";
        WhyMeets => "remplit les critères de réemploi de l'atelier", "meets the workshop's reuse criteria";
        WhyParts => "à garder comme pièces : {0}", "worth keeping as parts: {0}";
        WhyKeptDisk => "disque {0} (en bon état)", "disk {0} (good health)";
        WhyNothing => "rien que l'atelier garde comme pièce", "nothing the workshop keeps as a part";
        HwNoBattery => "Batterie : aucune", "Battery: none";
        HwBattery => "Batterie {0} : {1} de sa capacité d'origine, {2} cycles", "Battery {0}: {1} of its design capacity, {2} cycles";
        HwMemory => "Mémoire : {0} ({1})", "Memory: {0} ({1})";
        HwNoModules => "barrettes non décrites par le BIOS", "modules not described by the firmware";
        HwCpu => "Processeur : {0} ({1})", "Processor: {0} ({1})";
        HwGeneration => "{0}, génération {1}", "{0}, generation {1}";
        HwScreen => "Écran : {0} pouces{1}", "Screen: {0} inches{1}";
        HwMinimums => "{0} : {1} ; {2} : {3}", "{0}: {1}; {2}: {3}";
        OsWindows11 => "Windows 11", "Windows 11";
        OsUbuntuDesktop => "Ubuntu 24.04", "Ubuntu 24.04";
        ReqCpu64 => "processeur 64 bits", "64-bit processor";
        ReqCpuCores => "nombre de coeurs du processeur", "number of processor cores";
        ReqCpuGeneration => "génération du processeur", "processor generation";
        ReqCpuFrequency => "fréquence du processeur", "processor frequency";
        ReqMemory => "quantité de mémoire", "amount of memory";
        ReqTpm2 => "puce TPM 2.0", "TPM 2.0 chip";
        ReqUefi => "démarrage UEFI", "UEFI boot";
        ReqSecureBoot => "Secure Boot possible", "Secure Boot capable";
        CpuIntelCore => "Intel Core", "Intel Core";
        CpuIntelCoreUltra => "Intel Core Ultra", "Intel Core Ultra";
        CpuAmdRyzen => "AMD Ryzen", "AMD Ryzen";
        HwMet => "minimums remplis", "minimums met";
        HwUnmet => "non ({0})", "no ({0})";
        HrTitle => "Remise à zéro (cochez seulement ce que vous avez fait) :", "Reset (tick only what you did):";
        HrFirmware => "réglages du BIOS/UEFI par défaut, mots de passe retirés", "BIOS/UEFI settings reset, passwords removed";
        HrTpm => "TPM effacé", "TPM cleared";
        HrBiometrics => "empreintes et visages enregistrés supprimés", "stored fingerprints and faces deleted";
        HrLabels => "étiquettes de l'ancien propriétaire retirées", "previous owner's stickers removed";
        ActDestination => "destination", "destination";
        ActAttest => "cocher", "tick";
        ActRecommended => "effacer", "erase";
        HelpDestination => "Tout cet écran va dans chaque certificat de la machine. La destination proposée vient de la politique de réemploi de l'atelier (batterie, mémoire, processeur, disques) ; changez-la avec les flèches gauche/droite si vous savez mieux (batterie remplacée par exemple). Cochez avec 1 à 4 seulement ce que vous avez vraiment fait : c'est votre déclaration, signée.",
                           "All of this screen goes into each certificate of the machine. The suggested destination comes from the workshop's reuse policy (battery, memory, processor, disks); change it with Left/Right if you know better (a battery replaced, say). Tick with 1 to 4 only what you really did: it is your statement, signed.";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_use_the_same_placeholders() {
        for k in T::ALL {
            assert_eq!(
                placeholders(k.fr()),
                placeholders(k.en()),
                "{k:?}: {:?} / {:?}",
                k.fr(),
                k.en()
            );
            assert!(!k.fr().is_empty() && !k.en().is_empty(), "{k:?} is empty");
        }
    }

    #[test]
    fn every_text_uses_only_console_glyphs() {
        for k in T::ALL {
            for s in [k.fr(), k.en()] {
                if let Some(c) = s.chars().find(|&c| !crate::glyphs::in_console_font(c)) {
                    panic!(
                        "{k:?}: {c:?} (U+{:04X}) is not in the console font: {s}",
                        c as u32
                    );
                }
            }
        }
    }

    #[test]
    fn the_confirmation_words_differ_and_are_ascii_capitals() {
        for l in [Language::Fr, Language::En] {
            for k in [T::ConfirmWord, T::OverrideWord] {
                let w = t(l, k);
                assert!(w.chars().all(|c| c.is_ascii_uppercase()), "{w}");
            }
        }
        assert_ne!(T::ConfirmWord.fr(), T::ConfirmWord.en());
    }
}
