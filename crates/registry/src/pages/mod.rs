//! Server-rendered pages for auditors, donors and workshops (French and English).
//!
//! One module per page family: [`certificate`] (the public page by id), [`login`],
//! [`atelier`] (the workshop's live page); search,
//! journals, workshops, log and audit here. A new page is a handler plus a line in
//! [`routes`]; every dynamic text goes through [`esc`].

mod atelier;
mod certificate;
mod login;

pub use certificate::{mask_serial, masked, verification, PageCheck, VerificationState};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use crate::auth::Role;
use crate::handler::{blocking, parse_query, ApiError, Shared};
use crate::html::{esc, layout, url_part};
use crate::i18n::{pick_language, Language, Words, W};
use crate::records::{self, Filter};

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

fn page(lang: Language, title: &str, here: &str, body: String) -> Response {
    (
        [(header::CONTENT_LANGUAGE, lang.code())],
        Html(layout(lang, title, here, &body)),
    )
        .into_response()
}

fn error_page(lang: Language, status: StatusCode, message: &str) -> Response {
    let mut r = page(
        lang,
        lang.t(W::Error),
        "/",
        format!("<h1>{}</h1><p>{}</p>", esc(lang.t(W::Error)), esc(message)),
    );
    *r.status_mut() = status;
    r
}

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

fn results_table(lang: Language, items: &[records::Summary]) -> String {
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(lang.t(W::ColDate)),
        esc(lang.t(W::ColWorkshop)),
        esc(lang.t(W::ColMedia)),
        esc(lang.t(W::ColSerial)),
        esc(lang.t(W::ColOutcome)),
        esc(lang.t(W::ColCertificate)),
    );
    for s in items {
        h.push_str(&format!(
            "<tr><td>{date}</td><td>{w} / {st} #{seq}</td><td>{model}</td><td class=\"mono\">{serial}</td><td><span class=\"{oc}\">{outcome}</span></td><td><a class=\"cert-link mono\" href=\"/c/{id}?lang={l}\">{short}…</a></td></tr>",
            date = esc(&s.issued_at[..10.min(s.issued_at.len())]),
            w = esc(&s.workshop),
            st = esc(&s.station),
            seq = s.seq,
            model = esc(&s.media_model),
            serial = esc(&s.media_serial),
            oc = outcome_class(&s.outcome),
            outcome = esc(&outcome_word(lang, &s.outcome)),
            id = esc(&s.cert_id),
            l = lang.code(),
            short = esc(&s.cert_id[..16.min(s.cert_id.len())]),
        ));
    }
    h.push_str("</tbody></table>");
    h
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
    let mut h = search_form(lang, &f, &workshops);
    h.push_str(&search_results(lang, &f, &results, empty));
    let here = format!("/?{}", q.unwrap_or_default());
    page(lang, lang.t(W::SearchTitle), &here, h)
}

/// The search form, filled with the filter `f`.
fn search_form(lang: Language, f: &Filter, workshops: &[(String, u64)]) -> String {
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let mut h = format!(
        "<h1>{title}</h1><p>{help}</p><form class=\"search\" method=\"get\" action=\"/\" role=\"search\">\
<input type=\"hidden\" name=\"lang\" value=\"{l}\">\
<label>{ql}<input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\" size=\"32\"></label>\
<label>{wl}<select name=\"workshop\"><option value=\"\">{any}</option>",
        title = esc(lang.t(W::SearchTitle)),
        help = esc(lang.t(W::SearchHelp)),
        l = lang.code(),
        ql = esc(lang.t(W::SearchQ)),
        q = v(&f.q),
        wl = esc(lang.t(W::SearchWorkshop)),
        any = esc(lang.t(W::SearchAny)),
    );
    for (w, _) in workshops {
        let sel = if f.workshop.as_deref() == Some(w.as_str()) {
            " selected"
        } else {
            ""
        };
        h.push_str(&format!("<option value=\"{0}\"{sel}>{0}</option>", esc(w)));
    }
    h.push_str(&format!(
        "</select></label><label>{ol}<select name=\"outcome\"><option value=\"\">{any}</option>",
        ol = esc(lang.t(W::SearchOutcome)),
        any = esc(lang.t(W::SearchAny))
    ));
    for o in ["erased", "erased_with_exceptions", "not_erased"] {
        let sel = if f.outcome.as_deref() == Some(o) {
            " selected"
        } else {
            ""
        };
        h.push_str(&format!(
            "<option value=\"{o}\"{sel}>{}</option>",
            esc(&outcome_word(lang, o))
        ));
    }
    h.push_str(&format!(
        "</select></label><label>{fl}<input type=\"date\" name=\"from\" value=\"{from}\"></label>\
<label>{tl}<input type=\"date\" name=\"to\" value=\"{to}\"></label><button type=\"submit\">{sb}</button></form>",
        fl = esc(lang.t(W::SearchFrom)),
        from = v(&f.from),
        tl = esc(lang.t(W::SearchTo)),
        to = v(&f.to),
        sb = esc(lang.t(W::SearchSubmit)),
    ));
    h
}

/// The results (the latest certificates when the filter is empty) and the next page's link.
fn search_results(lang: Language, f: &Filter, results: &records::Page, empty: bool) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "<h2>{}</h2>",
        esc(lang.t(if empty {
            W::SearchLatest
        } else {
            W::SearchResults
        }))
    ));
    if results.items.is_empty() {
        h.push_str(&format!(
            "<p id=\"no-results\">{}</p>",
            esc(lang.t(W::SearchNone))
        ));
    } else {
        h.push_str(&results_table(lang, &results.items));
    }
    if let (Some(next), false) = (&results.next, empty) {
        let mut nf = f.clone();
        nf.cursor = Some(next.clone());
        nf.lang = Some(lang.code().into());
        let qs = serde_urlencoded::to_string(&nf).unwrap_or_default();
        h.push_str(&format!(
            "<p><a rel=\"next\" href=\"/?{}\">{}</a></p>",
            esc(&qs),
            esc(lang.t(W::SearchNext))
        ));
    }
    h
}

// ---------------------------------------------------------------------------------------
// certificate

fn dl(rows: &[(&str, String)]) -> String {
    let mut h = String::from("<dl>");
    for (k, v) in rows {
        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(k), v));
    }
    h.push_str("</dl>");
    h
}

fn opt(v: &Option<String>) -> String {
    esc(v.as_deref().unwrap_or("—"))
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
    let h = format!(
        "<h1>{}</h1>{}",
        esc(&title),
        certificate::journal_section(lang, &j, None, false)
    );
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
    let mut h = format!("<h1>{}</h1>", esc(lang.t(W::WTitle)));
    if list.is_empty() {
        h.push_str(&format!("<p>{}</p>", esc(lang.t(W::WNone))));
    } else {
        h.push_str(&format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(lang.t(W::FWorkshop)),
            esc(lang.t(W::WCertificates))
        ));
        for (w, n) in &list {
            h.push_str(&format!(
                "<tr><td><a href=\"/workshops/{}?lang={}\">{}</a></td><td>{n}</td></tr>",
                url_part(w),
                lang.code(),
                esc(w)
            ));
        }
        h.push_str("</tbody></table>");
    }
    page(lang, lang.t(W::WTitle), "/workshops", h)
}

fn count_table(lang: Language, head: &str, rows: &[(String, u64)], outcome: bool) -> String {
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(head),
        esc(lang.t(W::ColCount))
    );
    for (k, n) in rows {
        let label = if outcome {
            outcome_word(lang, k)
        } else {
            k.clone()
        };
        h.push_str(&format!("<tr><td>{}</td><td>{n}</td></tr>", esc(&label)));
    }
    h.push_str("</tbody></table>");
    h
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
    let mut h = format!(
        "<h1>{}: {}</h1><dl><dt>{}</dt><dd id=\"total\">{}</dd><dt>{}</dt><dd id=\"erased\">{}</dd></dl>",
        esc(t(W::WStats)),
        esc(&w),
        esc(t(W::WCertificates)),
        s.certificates,
        esc(t(W::WErased)),
        s.disks_erased
    );
    h.push_str(&format!(
        "<h2>{}</h2>{}",
        esc(t(W::WOutcomes)),
        count_table(lang, t(W::ColOutcome), &s.outcomes, true)
    ));
    h.push_str(&format!(
        "<h2>{}</h2>{}",
        esc(t(W::WTechniques)),
        count_table(lang, t(W::FTechnique), &s.techniques, false)
    ));
    h.push_str(&format!(
        "<h2>{}</h2>{}",
        esc(t(W::WMethods)),
        count_table(lang, t(W::FMethod), &s.verification_methods, false)
    ));
    h.push_str(&format!(
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(t(W::WMonths)),
        esc(t(W::ColMonth)),
        esc(t(W::WCertificates)),
        esc(t(W::OutcomeErased)),
        esc(t(W::OutcomeErasedWithExceptions)),
        esc(t(W::OutcomeNotErased)),
    ));
    for m in &s.months {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.month),
            m.certificates,
            m.erased,
            m.erased_with_exceptions,
            m.not_erased
        ));
    }
    h.push_str("</tbody></table>");
    h.push_str(&destinations_table(lang, &s.destinations));
    h.push_str(&format!(
        "<p><a href=\"/api/v1/export.csv?workshop={}\">{}</a></p>",
        url_part(&w),
        esc(t(W::WExport))
    ));
    page(
        lang,
        t(W::WStats),
        &format!("/workshops/{}", url_part(&w)),
        h,
    )
}

/// Machines by destination and month (the workshop report's figure for eco-organisms).
fn destinations_table(
    lang: Language,
    rows: &[crate::records::machines::DestinationMonth],
) -> String {
    let t = |k| lang.t(k);
    let mut h = format!(
        "<h2>{}</h2><p class=\"muted\">{}</p><table id=\"destinations\"><thead><tr>",
        esc(t(W::WDestinations)),
        esc(t(W::WDestinationsHelp))
    );
    for k in [
        W::ColMonth,
        W::ColMachines,
        W::DestReuse,
        W::DestParts,
        W::DestRecycling,
        W::DestNone,
    ] {
        h.push_str(&format!("<th scope=\"col\">{}</th>", esc(t(k))));
    }
    h.push_str("</tr></thead><tbody>");
    for m in rows {
        h.push_str(&format!(
            "<tr data-month=\"{0}\"><td>{0}</td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td></tr>",
            esc(&m.month),
            m.machines,
            m.reuse,
            m.parts,
            m.recycling,
            m.not_recorded
        ));
    }
    h.push_str("</tbody></table>");
    h
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
    let h = format!(
        "<h1>{}</h1><p>{}</p>{}",
        esc(lang.t(W::LogTitle)),
        esc(lang.t(W::LogHelp)),
        dl(&[
            (lang.t(W::FRegistrykey), format!("<code id=\"vkey\">{}</code>", esc(&reg.verifier.to_vkey()))),
            (lang.t(W::FCheckpoint), format!("<pre id=\"checkpoint\">{}</pre>", esc(&note))),
            ("API", "<code>/api/v1/log/checkpoint</code>, <code>/api/v1/log/consistency?from=N</code>, <code>/api/v1/log/key</code>".into()),
        ])
    );
    page(lang, lang.t(W::LogTitle), "/log", h)
}

async fn audit_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let t = |k| lang.t(k);
    let mut h = format!(
        "<h1>{}</h1><p>{}</p>",
        esc(t(W::AuditTitle)),
        esc(t(W::AuditHelp))
    );
    let startup = reg.integrity.read().expect("lock").clone();
    if let Some(p) = startup {
        h.push_str(&format!(
            "<p class=\"verdict bad\">{}: {}</p>",
            esc(t(W::AuditStartup)),
            esc(&p)
        ));
    }
    let last = reg.last_audit.lock().expect("lock").clone();
    match last {
        None => h.push_str(&format!("<p>{}</p>", esc(t(W::AuditNever)))),
        Some(a) => {
            h.push_str(&format!(
                "<p class=\"verdict {}\" id=\"audit-verdict\" data-ok=\"{}\">{}</p>",
                if a.ok { "ok" } else { "bad" },
                a.ok,
                esc(t(if a.ok { W::AuditOk } else { W::AuditBad }))
            ));
            h.push_str(&dl(&[
                (t(W::AuditAt), esc(&a.at)),
                (t(W::AuditEntries), a.entries.to_string()),
                (t(W::AuditCheckpoints), a.checkpoints.to_string()),
            ]));
            if !a.problems.is_empty() {
                h.push_str("<ul id=\"problems\">");
                for p in &a.problems {
                    h.push_str(&format!(
                        "<li class=\"bad\"><code>{}</code> {}{}</li>",
                        esc(p.kind),
                        p.cert_id
                            .as_deref()
                            .map(|c| format!(
                                "<a class=\"mono\" href=\"/c/{0}?lang={1}\">{0}</a>: ",
                                esc(c),
                                lang.code()
                            ))
                            .unwrap_or_default(),
                        esc(&p.detail)
                    ));
                }
                h.push_str("</ul>");
            }
        }
    }
    page(lang, t(W::AuditTitle), "/audit", h)
}
