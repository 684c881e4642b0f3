//! `/atelier/{workshop}`: every station of a workshop at once, from their last heartbeats —
//! disks, progress bars, verdicts in colour, silent stations marked. Refreshed by the browser
//! every few seconds through the `Refresh` header (no script: the CSP stays strict). Public:
//! heartbeats carry no personal data (docs/registry.md).

use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use maud::{html, Markup, PreEscaped};
use time::OffsetDateTime;

use crate::handler::Shared;
use crate::html::url_part;
use crate::i18n::Language;
use crate::live::{StationLive, WorkshopLive};
use ardoise_cert::heartbeat::{DiskPhase, HeartbeatDisk, HeartbeatMachine};
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

fn disk_row(lang: Language, d: &HeartbeatDisk) -> Markup {
    let percent = d.progress_ppm.map(|p| p / 10_000);
    let eta = d
        .eta_seconds
        .filter(|_| !d.phase.finished())
        .map(|secs| ardoise_units::duration(lang, Duration::from_secs(secs)));
    html! {
        tr data-disk=(d.name) data-phase=(d.phase.as_str())
            data-progress=(percent.map(|p| p.to_string()).unwrap_or_default())
            data-verdict=(d.verdict.map(verdict_key).unwrap_or("")) {
            td.mono { (d.name) }
            td {
                (d.model)
                @if let Some(t) = &d.serial_tail { " " span.muted.mono { "…" (t) } }
            }
            td { (ardoise_units::size(lang, d.capacity_bytes)) }
            td { (phase_word(lang, d.phase)) }
            td {
                @match (d.phase.finished(), d.progress_ppm) {
                    (true, _) => {},
                    (false, Some(p)) => {
                        progress max="1000000" value=(p) { (p / 10_000) "%" }
                        " " (p / 10_000) "\u{a0}%"
                    },
                    (false, None) => progress {},
                }
            }
            td { (eta.unwrap_or_default()) }
            td {
                @if let Some(v) = d.verdict {
                    span class={ "verdict-cell " (super::outcome_class(verdict_key(v))) } {
                        @let word = super::outcome_word(lang, verdict_key(v));
                        @if let Some(id) = &d.certificate_id {
                            a.mono href={ "/c/" (id) "?lang=" (lang.code()) } { (word) }
                        } @else {
                            (word)
                        }
                    }
                }
            }
        }
    }
}

fn station_state(lang: Language, s: &StationLive) -> Markup {
    html! {
        @if s.silent {
            span.badge.bad { (w(lang, "silent")) }
            " " (w(lang, "ago")) " " (s.age_seconds) " " (w(lang, "ago_after"))
        } @else {
            span.badge.ok { (w(lang, if s.finished { "finished" } else { "active" })) }
            " "
            span.muted { (w(lang, "ago")) " " (s.age_seconds) " " (w(lang, "ago_after")) }
        }
    }
}

fn machine_line(lang: Language, m: &HeartbeatMachine) -> Markup {
    let name = [m.manufacturer.as_deref(), m.product.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        p {
            (w(lang, "machine")) ": "
            @if name.is_empty() { (w(lang, "unknown")) } @else { (name) }
            @if let Some(d) = m.destination {
                " — " (w(lang, "destination")) ": " strong { (destination_word(lang, d)) }
            }
        }
    }
}

fn station_section(lang: Language, s: &StationLive) -> Markup {
    html! {
        section class=(if s.silent { "station silent" } else { "station" }) data-station=(s.station)
            data-silent=(s.silent) {
            h2 { (s.station) " " (station_state(lang, s)) }
            @if let Some(m) = &s.heartbeat.machine {
                (machine_line(lang, m))
            }
            @if s.heartbeat.disks.is_empty() {
                p.muted { (w(lang, "nodisk")) }
            } @else {
                table {
                    thead { tr {
                        @for k in ["disk", "model", "capacity", "phase", "progress", "eta", "verdict"] {
                            th scope="col" { (w(lang, k)) }
                        }
                    } }
                    tbody {
                        @for d in &s.heartbeat.disks {
                            (disk_row(lang, d))
                        }
                    }
                }
            }
        }
    }
}

/// The page's own style rules (a compile-time constant).
const STYLE: &str = "section.station{border:1px solid var(--line);border-radius:.3rem;padding:.2rem .8rem;margin:.8rem 0}\
section.station.silent{border-color:var(--bad);background:#fff5f5}\
.badge{font-size:.8rem;padding:.1rem .4rem;border-radius:.2rem;font-weight:700}\
.verdict-cell{padding:.1rem .4rem;border-radius:.2rem;font-weight:700}\
progress{width:10rem;vertical-align:middle}";

/// The page body of `board`.
pub fn render(lang: Language, board: &WorkshopLive) -> Markup {
    html! {
        // A compile-time constant, never dynamic text.
        style { (PreEscaped(STYLE)) }
        h1 { (w(lang, "title")) " : " (board.workshop) }
        p.muted { (w(lang, "help")) }
        @if board.stations.is_empty() {
            p #no-station { (w(lang, "none")) }
        }
        @for s in &board.stations {
            (station_section(lang, s))
        }
    }
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
    use ardoise_cert::heartbeat::{Heartbeat, HEARTBEAT_SCHEMA};
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
        let h = render(Language::Fr, &board()).into_string();
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
        let en = render(Language::En, &board()).into_string();
        assert!(en.contains("SILENT") && en.contains("spare parts"), "{en}");
    }

    #[test]
    fn an_empty_workshop_says_so() {
        let b = WorkshopLive {
            workshop: "x".into(),
            silent_after_seconds: 60,
            stations: Vec::new(),
        };
        assert!(render(Language::En, &b)
            .into_string()
            .contains("No station has reported"));
    }
}
