//! Copying the certificates (and the machine's labels) to a stick.

use ardoise_station::Language;
use std::path::Path;

use super::{Msg, Runtime};
use crate::app::{App, AppEvent, ExportKind, ExportTarget, Note};
use crate::i18n::{tf, T};

impl Runtime {
    pub(super) fn scan_export(&self, lang: Language) {
        let tx = self.tx.clone();
        let dir = self.export_dir.clone();
        std::thread::Builder::new()
            .name("export scan".into())
            .spawn(move || {
                let targets = match dir {
                    Some(d) => vec![ExportTarget {
                        label: tf(lang, T::ExportSimTarget, &[&d.display()]),
                        kind: ExportKind::Directory(d),
                    }],
                    None => match crate::export::find_partitions(lang) {
                        Ok(v) => v,
                        Err(e) => {
                            let _ = tx.send(Msg::App(Box::new(AppEvent::Note(
                                Note::ExportScanFailed(e),
                            ))));
                            Vec::new()
                        }
                    },
                };
                let _ = tx.send(Msg::App(Box::new(AppEvent::ExportTargets(targets))));
            })
            .expect("spawn the export scan");
    }

    /// The labels of the machine on the results screen, for the export to carry.
    pub(super) fn write_labels(&self, app: &App) {
        if app.export_return != crate::app::Screen::Results {
            return;
        }
        let ids: Vec<String> = app
            .jobs
            .iter()
            .filter_map(|j| match &j.cert {
                crate::screen_data::CertState::Stored { id } => Some(id.clone()),
                _ => None,
            })
            .collect();
        let name = Some(app.op.asset.trim())
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| app.machine_session[..8].to_string());
        match crate::labels::write_machine_labels(&self.data_dir, &ids, app.lang, &name) {
            Ok(files) if !files.is_empty() => {
                self.send(AppEvent::Note(Note::LabelsWritten(files.len())))
            }
            Ok(_) => {}
            Err(e) => self.send(AppEvent::Note(Note::LabelsNotWritten(e.to_string()))),
        }
    }

    pub(super) fn export(&self, target: ExportTarget) {
        let tx = self.tx.clone();
        let data_dir = self.data_dir.clone();
        let sub = self
            .station
            .as_ref()
            .map(|s| format!("{}-{}", s.config.workshop.id, s.config.workshop.station))
            .unwrap_or_else(|| "station".into());
        std::thread::Builder::new()
            .name("export".into())
            .spawn(move || {
                let r = match &target.kind {
                    ExportKind::Directory(d) => std::fs::create_dir_all(d)
                        .map_err(|e| format!("{}: {e}", d.display()))
                        .and_then(|_| crate::export::export_to_dir(&data_dir, d, &sub)),
                    ExportKind::Partition(p) => crate::export::export_to_partition(
                        p,
                        Path::new(crate::export::MOUNT_POINT),
                        &data_dir,
                        &sub,
                    ),
                };
                let r = r.map(|(n, dir)| (n, dir.display().to_string()));
                let _ = tx.send(Msg::App(Box::new(AppEvent::ExportDone(r))));
            })
            .expect("spawn the export");
    }
}
