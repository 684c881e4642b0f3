//! The storage-controller survey on screen: the machine screen's "Controllers" lines, the
//! warning above the disk list when some disks of the machine cannot be seen, the note under a
//! RAID volume.

use ardoise_disk::controllers::{ControllerIssue, StorageController, StorageSurvey};
use ardoise_disk::MediaKind;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

use crate::fmt::clean;
use crate::i18n::{t, tf, Language, T};

fn kind_words(c: &StorageController) -> String {
    use ardoise_disk::controllers::ControllerKind as K;
    match c.kind {
        K::OtherStorage => "PCI".into(),
        K::SdHost | K::MemoryCard => "SD/MMC".into(),
        K::UsbStorage => "USB".into(),
        k => k.as_str().to_ascii_uppercase(),
    }
}

/// One sentence per controller whose disks cannot be seen (empty when all can).
pub fn storage_problems(lang: Language, survey: &StorageSurvey) -> Vec<String> {
    survey
        .problems()
        .filter_map(|c| {
            let ids = match (&c.vendor_id, &c.device_id) {
                (Some(v), Some(d)) => format!("{v}:{d}, {}", c.address),
                _ => c.address.clone(),
            };
            let (kind, desc, ids) = (kind_words(c), clean(&c.description), clean(&ids));
            let text = match c.issue? {
                ControllerIssue::NoDriver => tf(lang, T::CtrlNoDriver, &[&kind, &desc, &ids]),
                ControllerIssue::NoDiskSeen => {
                    let driver = clean(c.driver.as_deref().unwrap_or("?"));
                    tf(lang, T::CtrlNoDiskSeen, &[&kind, &desc, &ids, &driver])
                }
                ControllerIssue::RaidVolumes { volumes } => {
                    tf(lang, T::CtrlRaid, &[&kind, &desc, &ids, &volumes])
                }
            };
            Some(text.replace("  ", " "))
        })
        .collect()
}

fn alarm() -> Style {
    Style::default()
        .fg(Color::LightRed)
        .add_modifier(Modifier::BOLD)
}

/// The machine screen's lines about the controllers, `label` formatting the first (labelled)
/// sentence; each controller's sentence is wrapped to `width` under it.
pub fn machine_lines(
    lang: Language,
    survey: Option<&StorageSurvey>,
    width: usize,
    label: impl Fn(&str, String, Style) -> Vec<Line<'static>>,
) -> Vec<Line<'static>> {
    let Some(survey) = survey else {
        return Vec::new();
    };
    let problems = storage_problems(lang, survey);
    if problems.is_empty() {
        return label(
            t(lang, T::MachControllers),
            tf(lang, T::CtrlAllVisible, &[&survey.controllers.len()]),
            Style::default(),
        );
    }
    let mut out = label(
        t(lang, T::MachControllers),
        t(lang, T::CtrlIncomplete).to_string(),
        alarm(),
    );
    for p in problems {
        out.extend(
            crate::fmt::wrap(&p, width.saturating_sub(4))
                .into_iter()
                .map(|l| Line::styled(format!("    {l}"), alarm())),
        );
    }
    out
}

/// Lines above the disk list when some disks of the machine cannot be seen, wrapped to
/// `width` (the list's rows are cut, but a warning must be read whole).
pub fn disk_list_warning(
    lang: Language,
    survey: Option<&StorageSurvey>,
    width: usize,
) -> Vec<Line<'static>> {
    let Some(survey) = survey.filter(|s| !s.complete()) else {
        return Vec::new();
    };
    let mut out: Vec<Line<'static>> =
        crate::fmt::wrap(t(lang, T::CtrlIncomplete), width.saturating_sub(2))
            .into_iter()
            .map(|l| Line::styled(format!("  {l}"), alarm()))
            .collect();
    for p in storage_problems(lang, survey) {
        out.extend(
            crate::fmt::wrap(&p, width.saturating_sub(4))
                .into_iter()
                .map(|l| Line::styled(format!("    {l}"), alarm())),
        );
    }
    out
}

/// The note under a disk row that is a RAID volume.
pub fn raid_note(lang: Language, media: MediaKind) -> Option<String> {
    (media == MediaKind::RaidVolume).then(|| t(lang, T::RaidVolumeNote).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_disk::controllers::{ControllerBus, ControllerKind};

    fn lsi(issue: Option<ControllerIssue>) -> StorageController {
        StorageController {
            address: "0000:00:04.0".into(),
            bus: ControllerBus::Pci,
            kind: ControllerKind::Scsi,
            vendor_id: Some("1000".into()),
            device_id: Some("0054".into()),
            description: "LSI / Broadcom".into(),
            driver: None,
            issue,
        }
    }

    #[test]
    fn problems_are_said_in_words_in_both_languages() {
        let s = StorageSurvey {
            controllers: vec![lsi(Some(ControllerIssue::NoDriver))],
        };
        assert_eq!(
            storage_problems(Language::Fr, &s),
            ["contrôleur SCSI LSI / Broadcom (1000:0054, 0000:00:04.0) sans pilote : ses disques ne sont pas visibles"]
        );
        assert_eq!(
            storage_problems(Language::En, &s),
            ["SCSI controller LSI / Broadcom (1000:0054, 0000:00:04.0) has no driver: its disks are not visible"]
        );
        let raid = StorageSurvey {
            controllers: vec![lsi(Some(ControllerIssue::RaidVolumes { volumes: 2 }))],
        };
        assert!(
            storage_problems(Language::Fr, &raid)[0].contains("en mode RAID : 2 volume(s) RAID")
        );
        assert_eq!(disk_list_warning(Language::Fr, Some(&raid), 200).len(), 2);
        // On 80 columns the warning is wrapped, never cut.
        let lines = disk_list_warning(Language::Fr, Some(&raid), 80);
        assert!(lines.len() > 2);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert!(text.iter().all(|l| l.chars().count() <= 80), "{text:?}");
        let flat: Vec<&str> = text.iter().map(|l| l.trim()).collect();
        assert!(
            flat.join(" ")
                .contains("disques physiques ne sont pas visibles un par un"),
            "{text:?}"
        );
        let fine = StorageSurvey {
            controllers: vec![lsi(None)],
        };
        assert!(storage_problems(Language::Fr, &fine).is_empty());
        assert!(disk_list_warning(Language::Fr, Some(&fine), 80).is_empty());
        assert!(disk_list_warning(Language::Fr, None, 80).is_empty());
    }
}
