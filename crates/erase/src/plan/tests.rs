//! The decision table of docs/methods.md, walked row by row.

use super::*;
use crate::capability::*;
use crate::method::FormatErase;

fn base(cs: CommandSet, media: MediaKind, transport: Transport) -> DriveCapabilities {
    DriveCapabilities {
        command_set: cs,
        media,
        transport,
        size_bytes: 1 << 30,
        logical_sector_size: 512,
        drive_bytes: None,
        ata_security: None,
        ata_sanitize: None,
        hidden: None,
        nvme: None,
        scsi_sanitize: None,
        mmc: None,
        mmc_hardware_partitions: Vec::new(),
        mmc_card_is_sd: false,
        block_secure_discard: false,
        notes: vec![],
        limits: Default::default(),
    }
}

fn sec(frozen: bool) -> AtaSecurity {
    AtaSecurity {
        supported: true,
        enhanced_supported: true,
        frozen,
        ..Default::default()
    }
}

#[test]
fn nvme_order_crypto_then_block_follow_up() {
    let mut c = base(CommandSet::Nvme, MediaKind::NvmeSsd, Transport::Nvme);
    c.nvme = Some(NvmeCaps {
        sanitize_crypto: true,
        sanitize_block: true,
        format_supported: true,
        namespaces: 1,
        nsid: 1,
        ..Default::default()
    });
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.method.id(), "nvme-sanitize-crypto");
    assert_eq!(p.level, Level::Purge);
    assert_eq!(p.expected, ExpectedState::Changed);
    assert_eq!(
        p.steps,
        vec![
            Step::Fingerprint,
            Step::firmware(Method::NvmeSanitize {
                action: SanitizeAction::CryptoErase
            }),
            Step::firmware(Method::NvmeSanitize {
                action: SanitizeAction::BlockErase
            }),
            Step::Flush,
            Step::Verify
        ]
    );
    assert!(p.limitations.iter().any(|l| l.contains("SANICAP NDI")));
}

#[test]
fn nvme_crypto_keeps_the_data_when_it_can_then_checks_and_deallocates() {
    let mut c = base(CommandSet::Nvme, MediaKind::NvmeSsd, Transport::Nvme);
    let crypto = Method::NvmeSanitize {
        action: SanitizeAction::CryptoErase,
    };
    c.nvme = Some(NvmeCaps {
        sanitize_crypto: true,
        sanitize_block: true,
        sanitize_keeps_data: true,
        namespaces: 1,
        nsid: 1,
        ..Default::default()
    });
    let p = plan_auto(&c).unwrap();
    let keep = Step::Firmware {
        method: crypto.clone(),
        keep_data: true,
    };
    assert_eq!(
        p.steps,
        vec![
            Step::Fingerprint,
            keep.clone(),
            Step::CryptoEraseCheck,
            Step::firmware(Method::NvmeSanitize {
                action: SanitizeAction::BlockErase
            }),
            Step::Flush,
            Step::Verify
        ]
    );
    // Without block erase, a second crypto erase deallocates.
    c.nvme.as_mut().unwrap().sanitize_block = false;
    let p = plan_auto(&c).unwrap();
    assert_eq!(
        p.steps[1..4],
        [keep, Step::CryptoEraseCheck, Step::firmware(crypto)]
    );
    assert!(!p.limitations.iter().any(|l| l.contains("SANICAP NDI")));
}

#[test]
fn qemu_like_nvme_gets_format_user_data_never_crypto() {
    // QEMU: sanicap = 0, fna = 0, OACS has Format.
    let mut c = base(CommandSet::Nvme, MediaKind::NvmeSsd, Transport::Nvme);
    c.nvme = Some(NvmeCaps {
        format_supported: true,
        namespaces: 1,
        nsid: 1,
        ..Default::default()
    });
    let p = plan_auto(&c).unwrap();
    assert_eq!(
        p.method,
        Method::NvmeFormat {
            erase: FormatErase::UserData
        }
    );
    let err = plan_request(&c, "nvme-format-crypto").unwrap_err();
    assert!(err.to_string().contains("FNA bit 2"), "{err}");
    assert!(plan_request(&c, "nvme-sanitize-block").is_err());
}

#[test]
fn a_format_whose_secure_erase_reaches_every_namespace_is_announced() {
    // FNA bit 1 alone: the Format itself is per namespace, its secure erase is not.
    let mut c = base(CommandSet::Nvme, MediaKind::NvmeSsd, Transport::Nvme);
    c.nvme = Some(NvmeCaps {
        format_supported: true,
        namespaces: 2,
        nsid: 1,
        secure_erase_applies_to_all_namespaces: true,
        ..Default::default()
    });
    let p = plan_request(&c, "nvme-format-user-data").unwrap();
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("erases all 2 namespaces")),
        "{:?}",
        p.warnings
    );
    c.nvme
        .as_mut()
        .unwrap()
        .secure_erase_applies_to_all_namespaces = false;
    let p = plan_request(&c, "nvme-format-user-data").unwrap();
    assert!(
        !p.warnings.iter().any(|w| w.contains("namespaces")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn ata_ssd_sanitize_block_then_security_then_overwrite() {
    let mut c = base(CommandSet::Ata, MediaKind::Ssd, Transport::Ata);
    c.ata_sanitize = Some(AtaSanitize {
        supported: true,
        block_erase: true,
        ..Default::default()
    });
    c.ata_security = Some(sec(false));
    assert_eq!(plan_auto(&c).unwrap().method.id(), "ata-sanitize-block");
    c.ata_sanitize = None;
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.method.id(), "ata-security-erase-enhanced");
    assert_eq!(
        p.level,
        Level::Clear,
        "security erase is only a clear on flash"
    );
}

#[test]
fn frozen_ata_hdd_falls_back_with_remedy() {
    let mut c = base(CommandSet::Ata, MediaKind::Hdd, Transport::Ata);
    c.ata_security = Some(sec(true));
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.method.id(), "overwrite-zero");
    assert!(
        p.warnings.iter().any(|w| w.contains("suspend")),
        "{:?}",
        p.warnings
    );
    let err = plan_request(&c, "ata-security-erase-enhanced")
        .unwrap_err()
        .to_string();
    assert!(err.contains("frozen") && err.contains("suspend"), "{err}");
    c.ata_security = Some(sec(false));
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.method.id(), "ata-security-erase-enhanced");
    assert_eq!(
        p.level,
        Level::Purge,
        "enhanced security erase is a purge on hard disks"
    );
}

#[test]
fn locked_or_password_set_drives_are_refused_for_security_erase() {
    let mut c = base(CommandSet::Ata, MediaKind::Hdd, Transport::Ata);
    c.ata_security = Some(AtaSecurity {
        locked: true,
        enabled: true,
        ..sec(false)
    });
    assert!(plan_request(&c, "ata-security-erase")
        .unwrap_err()
        .to_string()
        .contains("locked"));
}

#[test]
fn hidden_areas_are_removed_first() {
    let mut c = base(CommandSet::Ata, MediaKind::Hdd, Transport::Ata);
    c.hidden = Some(HiddenAreas {
        visible_sectors: 1000,
        native_sectors: Some(1200),
        hpa_supported: true,
        ..Default::default()
    });
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.steps[0], Step::RemoveHiddenAreas);
    assert!(p.warnings[0].contains("200 sectors"));
}

#[test]
fn usb_flash_and_virtual_disks_overwrite() {
    let c = base(CommandSet::BlockOnly, MediaKind::UsbFlash, Transport::Usb);
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.method.id(), "overwrite-random-zero");
    assert_eq!(p.level, Level::Clear);
    assert_eq!(
        p.expected,
        ExpectedState::Overwritten {
            scheme: "random-zero".into()
        }
    );
    let c = base(CommandSet::BlockOnly, MediaKind::Virtual, Transport::Virtio);
    assert_eq!(plan_auto(&c).unwrap().method.id(), "overwrite-zero");
    assert!(plan_request(&c, "ata-sanitize-block").is_err());
    assert!(matches!(
        plan_request(&c, "shred"),
        Err(PlanError::UnknownMethod(_))
    ));
    assert_eq!(
        plan_request(&c, "overwrite-gutmann").unwrap().level,
        Level::Clear
    );
}

#[test]
fn scsi_unknown_support_is_not_chosen() {
    let mut c = base(CommandSet::Scsi, MediaKind::Hdd, Transport::Sas);
    c.scsi_sanitize = Some(ScsiSanitize::default());
    assert_eq!(plan_auto(&c).unwrap().method.id(), "overwrite-zero");
    c.scsi_sanitize = Some(ScsiSanitize {
        overwrite: Some(true),
        crypto_erase: Some(false),
        block_erase: Some(false),
    });
    let p = plan_auto(&c).unwrap();
    assert_eq!(p.method.id(), "scsi-sanitize-overwrite");
    assert_eq!(p.expected, ExpectedState::Fill { byte: 0 });
}

#[test]
fn emmc_sanitize() {
    let mut c = base(CommandSet::Mmc, MediaKind::Emmc, Transport::Mmc);
    c.mmc = Some(MmcCaps {
        sanitize: true,
        secure_erase: true,
        ..Default::default()
    });
    assert_eq!(plan_auto(&c).unwrap().method, Method::MmcSanitize);
    c.mmc = Some(MmcCaps::default());
    assert_eq!(plan_auto(&c).unwrap().method.id(), "overwrite-random-zero");
}

#[test]
fn exactly_one_recommended_and_it_is_the_first_supported() {
    let mut c = base(CommandSet::Ata, MediaKind::Ssd, Transport::Ata);
    c.ata_security = Some(sec(false));
    let m = supported_methods(&c);
    assert_eq!(m.iter().filter(|m| m.recommended).count(), 1);
    assert_eq!(
        m.iter().position(|m| m.recommended),
        m.iter().position(|m| m.supported)
    );
}
