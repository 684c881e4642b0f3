//! Server-rendered pages for auditors, donors and workshops (French and English).
//!
//! One module per page family: [`certificate`] (the public page by id), [`login`],
//! [`atelier`] (the workshop's live page); search,
//! journals, workshops, log and audit here. A new page is a handler plus a line in
//! [`routes`]; pages are written with maud's `html!`, which escapes every dynamic text.

mod atelier;
mod certificate;
mod login;

pub use certificate::{mask_serial, masked, verification, PageCheck, VerificationState};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Serialize;

use crate::auth::Role;
use crate::handler::{blocking, parse_query, ApiError, Shared};
use crate::html::{layout, url_part};
use crate::i18n::{pick_language, Language, Words, W};
use crate::records::{self, Filter};

/// The HTML pages (search, certificates, login, station journals, workshops, the log, the
/// audit, a workshop's live page); merged into the API by [`crate::http::router`].
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(search_page))
        .route("/c", get(login::by_id))
        .route("/c/{id}", get(certificate::certificate_page))
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", axum::routing::post(login::logout))
        .route("/stations/{workshop}/{station}", get(journal_page))
        .route("/workshops", get(workshops_page))
        .route("/workshops/{workshop}", get(workshop_page))
        .route("/log", get(log_page))
        .route("/audit", get(audit_page))
        .route("/atelier/{workshop}", get(atelier::atelier_page))
}

#[derive(serde::Deserialize, Default)]
struct LangOnly {
    lang: Option<String>,
    around: Option<u64>,
}

fn lang_of(headers: &HeaderMap, param: Option<&str>) -> Language {
    pick_language(
        param,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn lang_from_query(headers: &HeaderMap, q: Option<&str>) -> Language {
    let p: LangOnly = serde_urlencoded::from_str(q.unwrap_or_default()).unwrap_or_default();
    lang_of(headers, p.lang.as_deref())
}

fn page(lang: Language, title: &str, here: &str, body: Markup) -> Response {
    (
        [(header::CONTENT_LANGUAGE, lang.code())],
        Html(layout(lang, title, here, body)),
    )
        .into_response()
}

fn error_page(lang: Language, status: StatusCode, message: &str) -> Response {
    let mut r = page(
        lang,
        lang.t(W::Error),
        "/",
        html! { h1 { (lang.t(W::Error)) } p { (message) } },
    );
    *r.status_mut() = status;
    r
}

/// The 404 page, in the language of the `lang` query parameter or `Accept-Language`; the
/// router's fallback for unknown paths.
pub fn not_found_page(headers: &HeaderMap, q: Option<&str>) -> Response {
    let lang = lang_from_query(headers, q);
    error_page(lang, StatusCode::NOT_FOUND, lang.t(W::Notfound))
}

/// Turns an API error into a page.
fn page_err(lang: Language, e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_page(lang, status, &e.0.message)
}

/// The serde (wire) name of an enum value, e.g. `nvme_ssd`.
fn word<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn outcome_word(lang: Language, o: &str) -> String {
    match o {
        "erased" => lang.t(W::OutcomeErased).into(),
        "erased_with_exceptions" => lang.t(W::OutcomeErasedWithExceptions).into(),
        "not_erased" => lang.t(W::OutcomeNotErased).into(),
        other => other.into(),
    }
}

fn outcome_class(o: &str) -> &'static str {
    match o {
        "erased" => "ok",
        "erased_with_exceptions" => "warn",
        _ => "bad",
    }
}

fn check_label(lang: Language, name: &str) -> &'static str {
    match name {
        "signature" => lang.t(W::CheckSignature),
        "key" => lang.t(W::CheckKey),
        "schema" => lang.t(W::CheckSchema),
        "log" => lang.t(W::CheckLog),
        "time" => lang.t(W::CheckTime),
        _ => lang.t(W::CheckJournal),
    }
}

fn status_word(lang: Language, status: &str) -> (&'static str, &'static str) {
    match status {
        "pass" => (lang.t(W::StatusValid), "ok"),
        "warn" => (lang.t(W::StatusWarning), "warn"),
        "fail" => (lang.t(W::StatusInvalid), "bad"),
        _ => (lang.t(W::StatusSkipped), "muted"),
    }
}

// ---------------------------------------------------------------------------------------
// search

fn results_table(lang: Language, items: &[records::Summary]) -> Markup {
    html! {
        table {
            thead { tr {
                @for k in [W::ColDate, W::ColWorkshop, W::ColMedia, W::ColSerial, W::ColOutcome, W::ColCertificate] {
                    th scope="col" { (lang.t(k)) }
                }
            } }
            tbody {
                @for s in items {
                    tr {
                        td { (&s.issued_at[..10.min(s.issued_at.len())]) }
                        td { (s.workshop) " / " (s.station) " #" (s.seq) }
                        td { (s.media_model) }
                        td.mono { (s.media_serial) }
                        td { span class=(outcome_class(&s.outcome)) { (outcome_word(lang, &s.outcome)) } }
                        td {
                            a.cert-link.mono href={ "/c/" (s.cert_id) "?lang=" (lang.code()) } {
                                (&s.cert_id[..16.min(s.cert_id.len())]) "…"
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn search_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let f: Filter = match parse_query(q.as_deref()) {
        Ok(f) => f,
        Err(e) => return page_err(lang, e),
    };
    let empty = f.is_empty();
    if let Err(e) = crate::auth::require(&reg.tokens(), &headers, Role::Auditor) {
        // Search shows personal data: anonymous readers get the lookup by certificate id.
        let status = if empty {
            StatusCode::OK
        } else {
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNAUTHORIZED)
        };
        let mut r = page(
            lang,
            lang.t(W::SearchTitle),
            "/",
            login::public_landing(lang),
        );
        *r.status_mut() = status;
        return r;
    }
    let mut fq = f.clone();
    if empty {
        fq.limit = Some(20);
    }
    let r2 = reg.clone();
    let res = blocking(move || {
        let page = r2.pool.with(|c| Ok(records::search(c, &fq)))??;
        let ws = r2.pool.with(records::workshops)?;
        Ok((page, ws))
    })
    .await;
    let (results, workshops) = match res {
        Ok(v) => v,
        Err(e) => return page_err(lang, e),
    };
    let h = html! {
        (search_form(lang, &f, &workshops))
        (search_results(lang, &f, &results, empty))
    };
    let here = format!("/?{}", q.unwrap_or_default());
    page(lang, lang.t(W::SearchTitle), &here, h)
}

/// The search form, filled with the filter `f`.
fn search_form(lang: Language, f: &Filter, workshops: &[(String, u64)]) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    html! {
        h1 { (lang.t(W::SearchTitle)) }
        p { (lang.t(W::SearchHelp)) }
        form.search method="get" action="/" role="search" {
            input type="hidden" name="lang" value=(lang.code());
            label { (lang.t(W::SearchQ)) input #q name="q" type="search" value=(v(&f.q)) size="32"; }
            label {
                (lang.t(W::SearchWorkshop))
                select name="workshop" {
                    option value="" { (lang.t(W::SearchAny)) }
                    @for (w, _) in workshops {
                        option value=(w) selected[f.workshop.as_deref() == Some(w.as_str())] { (w) }
                    }
                }
            }
            label {
                (lang.t(W::SearchOutcome))
                select name="outcome" {
                    option value="" { (lang.t(W::SearchAny)) }
                    @for o in ["erased", "erased_with_exceptions", "not_erased"] {
                        option value=(o) selected[f.outcome.as_deref() == Some(o)] { (outcome_word(lang, o)) }
                    }
                }
            }
            label { (lang.t(W::SearchFrom)) input type="date" name="from" value=(v(&f.from)); }
            label { (lang.t(W::SearchTo)) input type="date" name="to" value=(v(&f.to)); }
            button type="submit" { (lang.t(W::SearchSubmit)) }
        }
    }
}

/// The results (the latest certificates when the filter is empty) and the next page's link.
fn search_results(lang: Language, f: &Filter, results: &records::Page, empty: bool) -> Markup {
    let next = match (&results.next, empty) {
        (Some(next), false) => {
            let mut nf = f.clone();
            nf.cursor = Some(next.clone());
            nf.lang = Some(lang.code().into());
            Some(serde_urlencoded::to_string(&nf).unwrap_or_default())
        }
        _ => None,
    };
    html! {
        h2 { (lang.t(if empty { W::SearchLatest } else { W::SearchResults })) }
        @if results.items.is_empty() {
            p #no-results { (lang.t(W::SearchNone)) }
        } @else {
            (results_table(lang, &results.items))
        }
        @if let Some(qs) = next {
            p { a rel="next" href={ "/?" (qs) } { (lang.t(W::SearchNext)) } }
        }
    }
}

// ---------------------------------------------------------------------------------------
// certificate

/// A definition list of (label, value) rows.
fn dl(rows: &[(&str, Markup)]) -> Markup {
    html! {
        dl {
            @for (k, v) in rows {
                dt { (k) }
                dd { (v) }
            }
        }
    }
}

/// An optional text as markup, "—" when absent.
fn opt(v: &Option<String>) -> Markup {
    html! { (v.as_deref().unwrap_or("—")) }
}

// ---------------------------------------------------------------------------------------
// journals, workshops, log, audit

async fn journal_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path((w, st)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    if let Err(e) = crate::auth::require(&reg.tokens(), &headers, Role::Auditor) {
        return page_err(lang, ApiError(e));
    }
    let p: LangOnly =
        serde_urlencoded::from_str(q.as_deref().unwrap_or_default()).unwrap_or_default();
    let (w2, s2) = (w.clone(), st.clone());
    let res = blocking(move || {
        Ok(reg
            .pool
            .with(|c| records::journal(c, &w2, &s2, p.around, 100))?)
    })
    .await;
    let j = match res {
        Ok(j) => j,
        Err(e) => return page_err(lang, e),
    };
    let title = format!("{} {} / {}", lang.t(W::CertJournal), w, st);
    let h = html! {
        h1 { (title) }
        (certificate::journal_section(lang, &j, None, false))
    };
    page(
        lang,
        &title,
        &format!("/stations/{}/{}", url_part(&w), url_part(&st)),
        h,
    )
}

async fn workshops_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let res = blocking(move || Ok(reg.pool.with(records::workshops)?)).await;
    let list = match res {
        Ok(l) => l,
        Err(e) => return page_err(lang, e),
    };
    let h = html! {
        h1 { (lang.t(W::WTitle)) }
        @if list.is_empty() {
            p { (lang.t(W::WNone)) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (lang.t(W::FWorkshop)) }
                    th scope="col" { (lang.t(W::WCertificates)) }
                } }
                tbody {
                    @for (w, n) in &list {
                        tr {
                            td { a href={ "/workshops/" (url_part(w)) "?lang=" (lang.code()) } { (w) } }
                            td { (n) }
                        }
                    }
                }
            }
        }
    };
    page(lang, lang.t(W::WTitle), "/workshops", h)
}

fn count_table(lang: Language, head: &str, rows: &[(String, u64)], outcome: bool) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { (head) }
                th scope="col" { (lang.t(W::ColCount)) }
            } }
            tbody {
                @for (k, n) in rows {
                    tr {
                        td { @if outcome { (outcome_word(lang, k)) } @else { (k) } }
                        td { (n) }
                    }
                }
            }
        }
    }
}

async fn workshop_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(w): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let w2 = w.clone();
    let res = blocking(move || Ok(reg.pool.with(|c| records::workshop_stats(c, &w2))?)).await;
    let s = match res {
        Ok(s) => s,
        Err(e) => return page_err(lang, e),
    };
    let t = |k| lang.t(k);
    let h = html! {
        h1 { (t(W::WStats)) ": " (w) }
        dl {
            dt { (t(W::WCertificates)) }
            dd #total { (s.certificates) }
            dt { (t(W::WErased)) }
            dd #erased { (s.disks_erased) }
        }
        h2 { (t(W::WOutcomes)) }
        (count_table(lang, t(W::ColOutcome), &s.outcomes, true))
        h2 { (t(W::WTechniques)) }
        (count_table(lang, t(W::FTechnique), &s.techniques, false))
        h2 { (t(W::WMethods)) }
        (count_table(lang, t(W::FMethod), &s.verification_methods, false))
        h2 { (t(W::WMonths)) }
        (months_table(lang, &s.months))
        (destinations_table(lang, &s.destinations))
        p { a href={ "/api/v1/export.csv?workshop=" (url_part(&w)) } { (t(W::WExport)) } }
    };
    page(
        lang,
        t(W::WStats),
        &format!("/workshops/{}", url_part(&w)),
        h,
    )
}

/// Certificates by month and outcome.
fn months_table(lang: Language, months: &[crate::records::statistics::MonthStats]) -> Markup {
    let t = |k| lang.t(k);
    html! {
        table {
            thead { tr {
                @for k in [W::ColMonth, W::WCertificates, W::OutcomeErased, W::OutcomeErasedWithExceptions, W::OutcomeNotErased] {
                    th scope="col" { (t(k)) }
                }
            } }
            tbody {
                @for m in months {
                    tr {
                        td { (m.month) }
                        td { (m.certificates) }
                        td { (m.erased) }
                        td { (m.erased_with_exceptions) }
                        td { (m.not_erased) }
                    }
                }
            }
        }
    }
}

/// Machines by destination and month (the workshop report's figure for eco-organisms).
fn destinations_table(
    lang: Language,
    rows: &[crate::records::machines::DestinationMonth],
) -> Markup {
    let t = |k| lang.t(k);
    html! {
        h2 { (t(W::WDestinations)) }
        p.muted { (t(W::WDestinationsHelp)) }
        table #destinations {
            thead { tr {
                @for k in [W::ColMonth, W::ColMachines, W::DestReuse, W::DestParts, W::DestRecycling, W::DestNone] {
                    th scope="col" { (t(k)) }
                }
            } }
            tbody {
                @for m in rows {
                    tr data-month=(m.month) {
                        td { (m.month) }
                        td { (m.machines) }
                        td { (m.reuse) }
                        td { (m.parts) }
                        td { (m.recycling) }
                        td { (m.not_recorded) }
                    }
                }
            }
        }
    }
}

async fn log_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let note = reg
        .log
        .read()
        .expect("log lock")
        .checkpoint
        .as_ref()
        .map(|c| c.note.clone())
        .unwrap_or_default();
    let h = html! {
        h1 { (lang.t(W::LogTitle)) }
        p { (lang.t(W::LogHelp)) }
        (dl(&[
            (lang.t(W::FRegistrykey), html! { code #vkey { (reg.verifier.to_vkey()) } }),
            (lang.t(W::FCheckpoint), html! { pre #checkpoint { (note) } }),
            ("API", html! {
                code { "/api/v1/log/checkpoint" } ", "
                code { "/api/v1/log/consistency?from=N" } ", "
                code { "/api/v1/log/key" }
            }),
        ]))
    };
    page(lang, lang.t(W::LogTitle), "/log", h)
}

async fn audit_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let t = |k| lang.t(k);
    let startup = reg.integrity.read().expect("lock").clone();
    let last = reg.last_audit.lock().expect("lock").clone();
    let h = html! {
        h1 { (t(W::AuditTitle)) }
        p { (t(W::AuditHelp)) }
        @if let Some(p) = startup {
            p.verdict.bad { (t(W::AuditStartup)) ": " (p) }
        }
        @match last {
            None => p { (t(W::AuditNever)) },
            Some(a) => (audit_result(lang, &a)),
        }
    };
    page(lang, t(W::AuditTitle), "/audit", h)
}

/// The last audit's verdict, figures and problems.
fn audit_result(lang: Language, a: &crate::audit::AuditReport) -> Markup {
    let t = |k| lang.t(k);
    html! {
        p #audit-verdict class={ "verdict " (if a.ok { "ok" } else { "bad" }) } data-ok=(a.ok) {
            (t(if a.ok { W::AuditOk } else { W::AuditBad }))
        }
        (dl(&[
            (t(W::AuditAt), html! { (a.at) }),
            (t(W::AuditEntries), html! { (a.entries) }),
            (t(W::AuditCheckpoints), html! { (a.checkpoints) }),
        ]))
        @if !a.problems.is_empty() {
            ul #problems {
                @for p in &a.problems {
                    li.bad {
                        code { (p.kind) } " "
                        @if let Some(c) = &p.cert_id {
                            a.mono href={ "/c/" (c) "?lang=" (lang.code()) } { (c) } ": "
                        }
                        (p.detail)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "<script>alert(1)</script>\"'&";
    const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;";

    #[test]
    fn search_results_and_workshop_tables_escape_by_default() {
        let s = records::Summary {
            cert_id: EVIL.into(),
            log_index: 0,
            received_at: EVIL.into(),
            issued_at: EVIL.into(),
            workshop: EVIL.into(),
            station: EVIL.into(),
            seq: 1,
            key_id: EVIL.into(),
            media_serial: EVIL.into(),
            media_model: EVIL.into(),
            media_type: EVIL.into(),
            capacity_bytes: 0,
            host_serial: None,
            asset_tag: None,
            donor: EVIL.into(),
            lot: None,
            outcome: EVIL.into(),
            technique: EVIL.into(),
            level_achieved: None,
            verification_method: EVIL.into(),
            verification_result: EVIL.into(),
        };
        let h = results_table(Language::En, &[s]).into_string();
        assert!(!h.contains("<script"), "{h}");
        assert!(
            h.contains(&format!("<td>{ESCAPED} / {ESCAPED} #1</td>")),
            "{h}"
        );
        assert!(
            h.contains(&format!("<td class=\"mono\">{ESCAPED}</td>")),
            "{h}"
        );
        let workshops = [(EVIL.to_string(), 3)];
        let f = Filter {
            workshop: Some(EVIL.into()),
            q: Some(EVIL.into()),
            ..Filter::default()
        };
        let form = search_form(Language::Fr, &f, &workshops).into_string();
        assert!(!form.contains("<script"), "{form}");
        assert!(form.contains(&format!("value=\"{ESCAPED}\"")), "{form}");
        let counts = count_table(Language::En, EVIL, &workshops, false).into_string();
        assert!(
            counts.contains(&format!("<td>{ESCAPED}</td><td>3</td>")),
            "{counts}"
        );
        let page = layout(Language::En, EVIL, "/", html! { (EVIL) });
        assert!(!page.contains("<script"), "{page}");
    }
}
