//! `/atelier/{workshop}`: every station of a workshop at once, from their last heartbeats —
//! disks, progress bars, verdicts in colour, silent stations marked. Refreshed by the browser
//! every few seconds through the `Refresh` header (no script: the CSP stays strict). Public:
//! heartbeats carry no personal data (docs/registry.md).

use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use time::OffsetDateTime;

use crate::handler::Shared;
use crate::html::{esc, url_part};
use crate::i18n::Language;
use crate::live::{StationLive, WorkshopLive};
use ardoise_cert::heartbeat::{DiskPhase, HeartbeatDisk};
use ardoise_cert::payload::{Destination, OutcomeStatus};

/// Seconds between two reloads of the page.
pub const REFRESH_SECONDS: u32 = 5;

fn w(lang: Language, key: &str) -> &'static str {
    let (fr, en) = match key {
        "title" => ("Atelier en direct", "Workshop live"),
        "help" => (
            "Chaque station envoie où elle en est toutes les quelques secondes ; la page se met à jour toute seule.",
            "Every station reports where it is every few seconds; the page updates itself.",
        ),
        "none" => (
            "Aucune station n'a donné de nouvelles depuis le démarrage du registre.",
            "No station has reported since the registry started.",
        ),
        "silent" => ("MUETTE", "SILENT"),
        "active" => ("active", "active"),
        "finished" => ("terminée", "finished"),
        "ago" => ("dernières nouvelles il y a", "last heard"),
        "ago_after" => ("s", "s ago"),
        "machine" => ("Machine", "Machine"),
        "destination" => ("Destination", "Destination"),
        "disk" => ("Disque", "Disk"),
        "model" => ("Modèle", "Model"),
        "capacity" => ("Capacité", "Capacity"),
        "phase" => ("Étape", "Phase"),
        "progress" => ("Avancement", "Progress"),
        "eta" => ("Reste", "Left"),
        "verdict" => ("Verdict", "Verdict"),
        "nodisk" => ("Aucun disque en cours.", "No disk in progress."),
        "unknown" => ("inconnue", "unknown"),
        _ => ("?", "?"),
    };
    match lang {
        Language::Fr => fr,
        Language::En => en,
    }
}

fn phase_word(lang: Language, p: DiskPhase) -> &'static str {
    let (fr, en) = match p {
        DiskPhase::Starting => ("démarrage", "starting"),
        DiskPhase::Probing => ("analyse", "probing"),
        DiskPhase::HiddenAreas => ("zones cachées", "hidden areas"),
        DiskPhase::Fingerprint => ("empreinte", "fingerprint"),
        DiskPhase::Firmware => ("commande du disque", "drive command"),
        DiskPhase::Overwrite => ("réécriture", "overwriting"),
        DiskPhase::PassVerify => ("contrôle de passe", "pass check"),
        DiskPhase::Flush => ("vidage du cache", "flushing"),
        DiskPhase::Verify => ("vérification", "verifying"),
        DiskPhase::Certifying => ("signature du certificat", "signing the certificate"),
        DiskPhase::Done => ("terminé", "done"),
        DiskPhase::Refused => ("refusé", "refused"),
    };
    match lang {
        Language::Fr => fr,
        Language::En => en,
    }
}

fn destination_word(lang: Language, d: Destination) -> &'static str {
    match (lang, d) {
        (Language::Fr, Destination::Reuse) => "réemploi",
        (Language::Fr, Destination::Parts) => "pièces détachées",
        (Language::Fr, Destination::Recycling) => "recyclage (DEEE)",
        (Language::En, Destination::Reuse) => "reuse",
        (Language::En, Destination::Parts) => "spare parts",
        (Language::En, Destination::Recycling) => "recycling (WEEE)",
    }
}

fn verdict_key(o: OutcomeStatus) -> &'static str {
    match o {
        OutcomeStatus::Erased => "erased",
        OutcomeStatus::ErasedWithExceptions => "erased_with_exceptions",
        OutcomeStatus::NotErased => "not_erased",
    }
}

fn disk_row(lang: Language, d: &HeartbeatDisk) -> String {
    let percent = d.progress_ppm.map(|p| p / 10_000);
    let progress = match (d.phase.finished(), d.progress_ppm) {
        (true, _) => String::new(),
        (false, Some(p)) => format!(
            "<progress max=\"1000000\" value=\"{p}\">{}%</progress> {}&#160;%",
            p / 10_000,
            p / 10_000
        ),
        (false, None) => "<progress></progress>".into(),
    };
    let verdict = match d.verdict {
        Some(v) => {
            let word = super::outcome_word(lang, verdict_key(v));
            let inner = match &d.certificate_id {
                Some(id) => format!(
                    "<a class=\"mono\" href=\"/c/{}?lang={}\">{}</a>",
                    esc(id),
                    lang.code(),
                    esc(&word)
                ),
                None => esc(&word),
            };
            format!(
                "<span class=\"verdict-cell {}\">{inner}</span>",
                super::outcome_class(verdict_key(v))
            )
        }
        None => String::new(),
    };
    let serial = d
        .serial_tail
        .as_deref()
        .map(|t| format!(" <span class=\"muted mono\">…{}</span>", esc(t)))
        .unwrap_or_default();
    format!(
        "<tr data-disk=\"{name}\" data-phase=\"{phase}\" data-progress=\"{pct}\" data-verdict=\"{vk}\">\
         <td class=\"mono\">{name}</td><td>{model}{serial}</td><td>{cap}</td><td>{phase_word}</td>\
         <td>{progress}</td><td>{eta}</td><td>{verdict}</td></tr>",
        name = esc(&d.name),
        phase = d.phase.as_str(),
        pct = percent.map(|p| p.to_string()).unwrap_or_default(),
        vk = d.verdict.map(verdict_key).unwrap_or(""),
        model = esc(&d.model),
        cap = esc(&ardoise_units::size(lang, d.capacity_bytes)),
        phase_word = esc(phase_word(lang, d.phase)),
        eta = d
            .eta_seconds
            .filter(|_| !d.phase.finished())
            .map(|secs| ardoise_units::duration(lang, Duration::from_secs(secs)))
            .unwrap_or_default(),
    )
}

fn station_section(lang: Language, s: &StationLive) -> String {
    let state = if s.silent {
        format!(
            "<span class=\"badge bad\">{}</span> {} {} {}",
            esc(w(lang, "silent")),
            esc(w(lang, "ago")),
            s.age_seconds,
            esc(w(lang, "ago_after"))
        )
    } else {
        format!(
            "<span class=\"badge ok\">{}</span> <span class=\"muted\">{} {} {}</span>",
            esc(w(lang, if s.finished { "finished" } else { "active" })),
            esc(w(lang, "ago")),
            s.age_seconds,
            esc(w(lang, "ago_after"))
        )
    };
    let mut h = format!(
        "<section class=\"station{}\" data-station=\"{}\" data-silent=\"{}\"><h2>{} {state}</h2>",
        if s.silent { " silent" } else { "" },
        esc(&s.station),
        s.silent,
        esc(&s.station),
    );
    if let Some(m) = &s.heartbeat.machine {
        let name = [m.manufacturer.as_deref(), m.product.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        h.push_str(&format!(
            "<p>{}: {}",
            esc(w(lang, "machine")),
            esc(if name.is_empty() {
                w(lang, "unknown")
            } else {
                &name
            })
        ));
        if let Some(d) = m.destination {
            h.push_str(&format!(
                " — {}: <strong>{}</strong>",
                esc(w(lang, "destination")),
                esc(destination_word(lang, d))
            ));
        }
        h.push_str("</p>");
    }
    if s.heartbeat.disks.is_empty() {
        h.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            esc(w(lang, "nodisk"))
        ));
    } else {
        h.push_str("<table><thead><tr>");
        for k in [
            "disk", "model", "capacity", "phase", "progress", "eta", "verdict",
        ] {
            h.push_str(&format!("<th scope=\"col\">{}</th>", esc(w(lang, k))));
        }
        h.push_str("</tr></thead><tbody>");
        for d in &s.heartbeat.disks {
            h.push_str(&disk_row(lang, d));
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");
    h
}

const STYLE: &str = "<style>section.station{border:1px solid var(--line);border-radius:.3rem;padding:.2rem .8rem;margin:.8rem 0}\
section.station.silent{border-color:var(--bad);background:#fff5f5}\
.badge{font-size:.8rem;padding:.1rem .4rem;border-radius:.2rem;font-weight:700}\
.verdict-cell{padding:.1rem .4rem;border-radius:.2rem;font-weight:700}\
progress{width:10rem;vertical-align:middle}</style>";

/// The page body of `board`.
pub fn render(lang: Language, board: &WorkshopLive) -> String {
    let mut h = format!(
        "{STYLE}<h1>{} : {}</h1><p class=\"muted\">{}</p>",
        esc(w(lang, "title")),
        esc(&board.workshop),
        esc(w(lang, "help"))
    );
    if board.stations.is_empty() {
        h.push_str(&format!(
            "<p id=\"no-station\">{}</p>",
            esc(w(lang, "none"))
        ));
    }
    for s in &board.stations {
        h.push_str(&station_section(lang, s));
    }
    h
}

pub async fn atelier_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(workshop): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = super::lang_from_query(&headers, q.as_deref());
    let board = reg.live.workshop(
        &workshop,
        OffsetDateTime::now_utc(),
        reg.config.live_silent_after,
    );
    let mut r = super::page(
        lang,
        w(lang, "title"),
        &format!("/atelier/{}", url_part(&workshop)),
        render(lang, &board),
    );
    r.headers_mut().insert(
        "refresh",
        HeaderValue::from_str(&REFRESH_SECONDS.to_string()).expect("digits"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_cert::heartbeat::{Heartbeat, HeartbeatMachine, HEARTBEAT_SCHEMA};
    use ardoise_cert::payload::MediaType;

    fn board() -> WorkshopLive {
        let disk = |name: &str, phase, ppm, verdict| HeartbeatDisk {
            name: name.into(),
            model: "<b>WDC</b>".into(),
            serial_tail: Some("9876".into()),
            capacity_bytes: 500_107_862_016,
            media_type: MediaType::Hdd,
            phase,
            progress_ppm: ppm,
            eta_seconds: Some(125),
            verdict,
            certificate_id: verdict.map(|_| "ab".repeat(32)),
        };
        let hb = Heartbeat {
            schema: HEARTBEAT_SCHEMA.into(),
            workshop_id: "ressourcerie-caen".into(),
            station_id: "poste-1".into(),
            sent_at: OffsetDateTime::from_unix_timestamp(1_770_000_000).unwrap(),
            interval_seconds: 5,
            machine: Some(HeartbeatMachine {
                manufacturer: Some("LENOVO".into()),
                product: Some("ThinkPad T480".into()),
                destination: Some(Destination::Parts),
            }),
            disks: vec![
                disk("sda", DiskPhase::Overwrite, Some(423_000), None),
                disk("sdb", DiskPhase::Done, None, Some(OutcomeStatus::NotErased)),
            ],
        };
        WorkshopLive {
            workshop: "ressourcerie-caen".into(),
            silent_after_seconds: 60,
            stations: vec![StationLive {
                station: "poste-1".into(),
                received_at: hb.sent_at,
                age_seconds: 75,
                finished: false,
                silent: true,
                heartbeat: hb,
            }],
        }
    }

    #[test]
    fn stations_disks_progress_verdicts_and_silence() {
        let h = render(Language::Fr, &board());
        assert!(h.contains("data-silent=\"true\""), "{h}");
        assert!(h.contains("MUETTE"), "{h}");
        assert!(
            h.contains("<progress max=\"1000000\" value=\"423000\">"),
            "{h}"
        );
        assert!(h.contains("data-progress=\"42\""), "{h}");
        assert!(h.contains("2 min 05 s"), "{h}");
        assert!(h.contains("class=\"verdict-cell bad\""), "{h}");
        assert!(
            h.contains(&format!("/c/{}?lang=fr", "ab".repeat(32))),
            "{h}"
        );
        assert!(h.contains("pièces détachées"), "{h}");
        assert!(h.contains("500 Go"), "{h}");
        assert!(!h.contains("<b>WDC"), "device text is escaped: {h}");
        let en = render(Language::En, &board());
        assert!(en.contains("SILENT") && en.contains("spare parts"), "{en}");
    }

    #[test]
    fn an_empty_workshop_says_so() {
        let b = WorkshopLive {
            workshop: "x".into(),
            silent_after_seconds: 60,
            stations: Vec::new(),
        };
        assert!(render(Language::En, &b).contains("No station has reported"));
    }
}
