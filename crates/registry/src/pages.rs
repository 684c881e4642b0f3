//! Server-rendered pages for auditors, donors and workshops (French and English).

use ardoise_cert::model::Certificate;
use ardoise_cert::receipt::{verify_receipt, Receipt};
use ardoise_cert::trust::KeyStatus;
use ardoise_cert::validate::parse_payload;
use ardoise_cert::verify::verify_envelope;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use crate::html::{esc, layout, url_part};
use crate::http::{blocking, parse_query, ApiError, Shared};
use crate::i18n::Lang;
use crate::registry::Registry;
use crate::store::{self, Filter, JournalView, Stored};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(search_page))
        .route("/c/{id}", get(certificate_page))
        .route("/stations/{workshop}/{station}", get(journal_page))
        .route("/workshops", get(workshops_page))
        .route("/workshops/{workshop}", get(workshop_page))
        .route("/log", get(log_page))
        .route("/audit", get(audit_page))
}

#[derive(serde::Deserialize, Default)]
struct LangOnly {
    lang: Option<String>,
    around: Option<u64>,
}

fn lang_of(headers: &HeaderMap, param: Option<&str>) -> Lang {
    Lang::pick(
        param,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn lang_from_query(headers: &HeaderMap, q: Option<&str>) -> Lang {
    let p: LangOnly = serde_urlencoded::from_str(q.unwrap_or_default()).unwrap_or_default();
    lang_of(headers, p.lang.as_deref())
}

fn page(lang: Lang, title: &str, here: &str, body: String) -> Response {
    (
        [(header::CONTENT_LANGUAGE, lang.code())],
        Html(layout(lang, title, here, &body)),
    )
        .into_response()
}

fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let mut r = page(
        lang,
        lang.t("error"),
        "/",
        format!("<h1>{}</h1><p>{}</p>", esc(lang.t("error")), esc(message)),
    );
    *r.status_mut() = status;
    r
}

pub fn not_found_page(headers: &HeaderMap, q: Option<&str>) -> Response {
    let lang = lang_from_query(headers, q);
    error_page(lang, StatusCode::NOT_FOUND, lang.t("notfound"))
}

/// Turns an API error into a page.
fn page_err(lang: Lang, e: ApiError) -> Response {
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

fn outcome_word(lang: Lang, o: &str) -> String {
    match o {
        "erased" => lang.t("outcome.erased").into(),
        "erased_with_exceptions" => lang.t("outcome.erased_with_exceptions").into(),
        "not_erased" => lang.t("outcome.not_erased").into(),
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

// ---------------------------------------------------------------------------------------
// verification state

/// One line of a certificate's verification state.
#[derive(Debug, Clone, Serialize)]
pub struct PageCheck {
    pub name: &'static str,
    /// `pass`, `warn`, `fail`, `skipped`.
    pub status: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerificationState {
    pub valid: bool,
    pub checks: Vec<PageCheck>,
}

/// Verifies a stored certificate now: envelope signature, schema and key against the
/// registered keys (the same function as `ardoise verify`), and its log proof against the
/// latest signed checkpoint with the registry's key, from the envelope bytes in the database.
pub fn verification(reg: &Registry, s: &Stored, receipt: Option<&Receipt>) -> VerificationState {
    let trust = reg.trust();
    let bytes = s.envelope.as_bytes();
    let mut checks = Vec::new();
    match verify_envelope(bytes, &trust) {
        Ok(v) => {
            let key_id = &v.certificate.issuer.key_id;
            checks.push(PageCheck {
                name: "signature",
                status: "pass",
                detail: format!("Ed25519, key {key_id}"),
            });
            checks.push(PageCheck {
                name: "schema",
                status: "pass",
                detail: ardoise_cert::model::SCHEMA_ID.into(),
            });
            let (status, detail) = match trust.status(key_id, v.certificate.issued_at) {
                KeyStatus::Valid {
                    entry,
                    revoked_later: Some(r),
                } => (
                    "warn",
                    format!(
                        "{}/{}: valid at issue time, revoked later at {} ({})",
                        entry.workshop,
                        entry.station,
                        ardoise_cert::fmt_time(r.revoked_at),
                        r.reason
                    ),
                ),
                KeyStatus::Valid { entry, .. } => (
                    "pass",
                    format!("{}/{}: valid at issue time", entry.workshop, entry.station),
                ),
                _ => ("fail", "key not valid".into()),
            };
            checks.push(PageCheck {
                name: "key",
                status,
                detail,
            });
        }
        Err(fails) => {
            let mut failed_before = false;
            for name in ["signature", "schema", "key"] {
                if let Some(f) = fails
                    .iter()
                    .find(|f| f.name == name || (name == "signature" && f.name == "envelope"))
                {
                    checks.push(PageCheck {
                        name,
                        status: "fail",
                        detail: f.detail.clone(),
                    });
                    failed_before = true;
                } else {
                    checks.push(PageCheck {
                        name,
                        status: if failed_before { "skipped" } else { "pass" },
                        detail: String::new(),
                    });
                }
            }
        }
    }
    let log = match receipt {
        None => PageCheck {
            name: "log",
            status: "fail",
            detail: "no proof available".into(),
        },
        Some(r) => match verify_receipt(bytes, r, &reg.verifier) {
            Ok(v) => PageCheck {
                name: "log",
                status: "pass",
                detail: format!(
                    "entry {} of the log {} (signed size {})",
                    v.log_index, v.checkpoint.origin, v.checkpoint.size
                ),
            },
            Err(e) => PageCheck {
                name: "log",
                status: "fail",
                detail: e.to_string(),
            },
        },
    };
    checks.push(log);
    VerificationState {
        valid: checks.iter().all(|c| c.status != "fail"),
        checks,
    }
}

fn check_label(lang: Lang, name: &str) -> &'static str {
    match name {
        "signature" => lang.t("check.signature"),
        "key" => lang.t("check.key"),
        "schema" => lang.t("check.schema"),
        "log" => lang.t("check.log"),
        "time" => lang.t("check.time"),
        _ => lang.t("check.journal"),
    }
}

fn status_word(lang: Lang, status: &str) -> (&'static str, &'static str) {
    match status {
        "pass" => (lang.t("status.valid"), "ok"),
        "warn" => (lang.t("status.warning"), "warn"),
        "fail" => (lang.t("status.invalid"), "bad"),
        _ => (lang.t("status.skipped"), "muted"),
    }
}

// ---------------------------------------------------------------------------------------
// search

fn results_table(lang: Lang, items: &[store::Summary]) -> String {
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(lang.t("col.date")),
        esc(lang.t("col.workshop")),
        esc(lang.t("col.media")),
        esc(lang.t("col.serial")),
        esc(lang.t("col.outcome")),
        esc(lang.t("col.certificate")),
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
    let mut fq = f.clone();
    if empty {
        fq.limit = Some(20);
    }
    let r2 = reg.clone();
    let res = blocking(move || {
        let page = r2.pool.with(|c| Ok(store::search(c, &fq)))??;
        let ws = r2.pool.with(store::workshops)?;
        Ok((page, ws))
    })
    .await;
    let (results, workshops) = match res {
        Ok(v) => v,
        Err(e) => return page_err(lang, e),
    };
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let mut h = format!(
        "<h1>{title}</h1><p>{help}</p><form class=\"search\" method=\"get\" action=\"/\" role=\"search\">\
<input type=\"hidden\" name=\"lang\" value=\"{l}\">\
<label>{ql}<input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\" size=\"32\"></label>\
<label>{wl}<select name=\"workshop\"><option value=\"\">{any}</option>",
        title = esc(lang.t("search.title")),
        help = esc(lang.t("search.help")),
        l = lang.code(),
        ql = esc(lang.t("search.q")),
        q = v(&f.q),
        wl = esc(lang.t("search.workshop")),
        any = esc(lang.t("search.any")),
    );
    for (w, _) in &workshops {
        let sel = if f.workshop.as_deref() == Some(w.as_str()) {
            " selected"
        } else {
            ""
        };
        h.push_str(&format!("<option value=\"{0}\"{sel}>{0}</option>", esc(w)));
    }
    h.push_str(&format!(
        "</select></label><label>{ol}<select name=\"outcome\"><option value=\"\">{any}</option>",
        ol = esc(lang.t("search.outcome")),
        any = esc(lang.t("search.any"))
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
        fl = esc(lang.t("search.from")),
        from = v(&f.from),
        tl = esc(lang.t("search.to")),
        to = v(&f.to),
        sb = esc(lang.t("search.submit")),
    ));
    h.push_str(&format!(
        "<h2>{}</h2>",
        esc(lang.t(if empty {
            "search.latest"
        } else {
            "search.results"
        }))
    ));
    if results.items.is_empty() {
        h.push_str(&format!(
            "<p id=\"no-results\">{}</p>",
            esc(lang.t("search.none"))
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
            esc(lang.t("search.next"))
        ));
    }
    let here = format!("/?{}", q.unwrap_or_default());
    page(lang, lang.t("search.title"), &here, h)
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

fn capacity(bytes: u64) -> String {
    let gb = bytes as f64 / 1e9;
    if gb >= 1000.0 {
        format!("{:.2} TB ({bytes} bytes)", gb / 1000.0)
    } else {
        format!("{gb:.1} GB ({bytes} bytes)")
    }
}

fn certificate_body(lang: Lang, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let m = &c.media;
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.medium"))));
    h.push_str(&dl(&[
        (
            t("f.model"),
            format!("{} {}", opt(&m.manufacturer), esc(&m.model)),
        ),
        (
            t("f.serial"),
            format!("<span class=\"mono\">{}</span>", esc(&m.serial)),
        ),
        (
            t("f.type"),
            esc(&format!("{} / {}", word(&m.media_type), word(&m.transport))),
        ),
        (t("f.capacity"), esc(&capacity(m.capacity_bytes))),
        (
            t("f.health"),
            esc(&format!(
                "{} {}",
                word(&m.health.grade),
                m.health.reasons.join("; ")
            )),
        ),
    ]));
    let s = &c.host.smbios;
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.host"))));
    h.push_str(&dl(&[
        (t("f.manufacturer"), opt(&s.system_manufacturer)),
        (t("f.product"), opt(&s.system_product)),
        (t("f.serial"), opt(&s.system_serial)),
        (t("f.asset"), opt(&c.host.asset_tag)),
    ]));
    let p = &c.provenance;
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.provenance"))));
    h.push_str(&dl(&[
        (t("f.donor"), esc(&p.donor.name)),
        (t("f.lot"), opt(&p.lot)),
        (t("f.donation"), opt(&p.donation_ref)),
    ]));
    let z = &c.sanitization;
    let mut steps = String::from("<ol>");
    for st in &z.steps {
        steps.push_str(&format!(
            "<li>{} — {} ({} → {}){}</li>",
            esc(&st.technique),
            esc(&word(&st.status)),
            esc(&ardoise_cert::fmt_time(st.started_at)),
            esc(&ardoise_cert::fmt_time(st.ended_at)),
            st.device_status
                .as_deref()
                .map(|d| format!(": {}", esc(d)))
                .unwrap_or_default()
        ));
    }
    steps.push_str("</ol>");
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.sanitization"))));
    h.push_str(&dl(&[
        (
            t("f.technique"),
            format!("<code>{}</code> — {}", esc(&z.technique), esc(&z.reason)),
        ),
        (
            t("f.level"),
            esc(&format!(
                "{} / {}",
                word(&z.level_requested),
                z.level_achieved
                    .map(|l| word(&l))
                    .unwrap_or_else(|| "—".into())
            )),
        ),
        (t("f.standard"), opt(&z.standard_claimed)),
        (t("f.steps"), steps),
    ]));
    let v = &c.verification;
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.verification"))));
    h.push_str(&dl(&[
        (t("f.method"), esc(&word(&v.method))),
        (
            t("f.result"),
            esc(&format!(
                "{}, {} mismatch(es), {} unreadable",
                word(&v.result),
                v.mismatches,
                v.unreadable_samples
            )),
        ),
        (t("f.samples"), esc(&v.parameters.samples.to_string())),
        (
            t("f.coverage"),
            esc(&ardoise_cert::model::ppm_text(v.parameters.coverage_ppm)),
        ),
        (
            t("f.assurance"),
            esc(v
                .assurance
                .as_ref()
                .map(|a| a.statement.as_str())
                .unwrap_or("—")),
        ),
    ]));
    let o = &c.outcome;
    let status = serde_json::to_value(o.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut exc = String::new();
    for e in &o.exceptions {
        exc.push_str(&format!(
            "<li><code>{}</code>: {}</li>",
            esc(&e.code),
            esc(&e.detail)
        ));
    }
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.outcome"))));
    h.push_str(&dl(&[
        (
            t("f.status"),
            format!(
                "<strong class=\"{}\" id=\"outcome\">{}</strong>",
                outcome_class(&status),
                esc(&outcome_word(lang, &status))
            ),
        ),
        (
            t("f.exceptions"),
            if exc.is_empty() {
                "—".into()
            } else {
                format!("<ul>{exc}</ul>")
            },
        ),
    ]));
    h.push_str(&format!("<h2>{}</h2><ul>", esc(t("cert.limitations"))));
    for l in &c.limitations {
        h.push_str(&format!("<li>{}</li>", esc(&l.text)));
    }
    h.push_str("</ul>");
    let i = &c.issuer;
    h.push_str(&format!("<h2>{}</h2>", esc(t("cert.issuer"))));
    h.push_str(&dl(&[
        (
            t("f.workshop"),
            format!(
                "{} (<code>{}</code>)",
                esc(&i.workshop_name),
                esc(&i.workshop_id)
            ),
        ),
        (
            t("f.station"),
            format!("<code>{}</code>", esc(&i.station_id)),
        ),
        (t("f.seq"), esc(&c.journal.seq.to_string())),
        (t("f.key"), format!("<code>{}</code>", esc(&i.key_id))),
        (
            t("f.operator"),
            format!(
                "<code>{}</code>{}",
                esc(&c.operator.id),
                c.operator
                    .role
                    .as_deref()
                    .map(|r| format!(" ({})", esc(r)))
                    .unwrap_or_default()
            ),
        ),
        (t("f.issued"), esc(&ardoise_cert::fmt_time(c.issued_at))),
        (
            t("f.tool"),
            esc(&format!(
                "{} {} {}",
                c.tool.name,
                c.tool.version,
                c.tool.image_digest.as_deref().unwrap_or("")
            )),
        ),
    ]));
    h
}

fn journal_section(lang: Lang, j: &JournalView, this_seq: Option<u64>, full_link: bool) -> String {
    let mut h = format!("<p>{}: {}. ", esc(lang.t("j.count")), j.certificates);
    if j.gaps.is_empty() {
        h.push_str(&format!("{}.</p>", esc(lang.t("j.nogap"))));
    } else {
        let gaps: Vec<String> = j
            .gaps
            .iter()
            .take(20)
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                }
            })
            .collect();
        h.push_str(&format!(
            "<span class=\"warn\">{}: {}</span></p>",
            esc(lang.t("j.gaps")),
            esc(&gaps.join(", "))
        ));
    }
    h.push_str("<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">");
    h.push_str(&esc(lang.t("col.date")));
    h.push_str("</th><th scope=\"col\">");
    h.push_str(&esc(lang.t("col.serial")));
    h.push_str("</th><th scope=\"col\">");
    h.push_str(&esc(lang.t("col.outcome")));
    h.push_str("</th><th scope=\"col\">");
    h.push_str(&esc(lang.t("col.certificate")));
    h.push_str("</th><th scope=\"col\"></th></tr></thead><tbody>");
    for e in &j.entries {
        let link = match e.link_ok {
            Some(true) => format!("<span class=\"ok\">{}</span>", esc(lang.t("j.link_ok"))),
            Some(false) => format!("<span class=\"bad\">{}</span>", esc(lang.t("j.link_bad"))),
            None => String::new(),
        };
        let this = if Some(e.seq) == this_seq {
            format!(" <strong>({})</strong>", esc(lang.t("j.this")))
        } else {
            String::new()
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td><a class=\"mono\" href=\"/c/{}?lang={}\">{}…</a>{}</td><td>{}</td></tr>",
            e.seq,
            esc(&e.issued_at[..10.min(e.issued_at.len())]),
            esc(&e.media_serial),
            esc(&outcome_word(lang, &e.outcome)),
            esc(&e.cert_id),
            lang.code(),
            esc(&e.cert_id[..16.min(e.cert_id.len())]),
            this,
            link
        ));
    }
    h.push_str("</tbody></table>");
    if full_link {
        h.push_str(&format!(
            "<p><a href=\"/stations/{}/{}?lang={}\">{}</a></p>",
            url_part(&j.workshop),
            url_part(&j.station),
            lang.code(),
            esc(lang.t("j.full"))
        ));
    }
    h
}

async fn certificate_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let id = id.to_ascii_lowercase();
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return error_page(lang, StatusCode::BAD_REQUEST, lang.t("notfound.cert"));
    }
    let r2 = reg.clone();
    let idc = id.clone();
    let res = blocking(move || {
        let Some(s) = r2.pool.with(|c| store::get_certificate(c, &idc))? else {
            return Ok(None);
        };
        let receipt = r2
            .receipt_for(&s.summary.cert_id, s.summary.log_index, s.received_at_unix)
            .ok();
        let j = r2.pool.with(|c| {
            store::journal(
                c,
                &s.summary.workshop,
                &s.summary.station,
                Some(s.summary.seq),
                3,
            )
        })?;
        Ok(Some((s, receipt, j)))
    })
    .await;
    let (s, receipt, j) = match res {
        Ok(Some(v)) => v,
        Ok(None) => return error_page(lang, StatusCode::NOT_FOUND, lang.t("notfound.cert")),
        Err(e) => return page_err(lang, e),
    };
    let state = verification(&reg, &s, receipt.as_ref());
    let mut h = format!(
        "<h1>{}</h1><p class=\"mono\">{}: {}</p>",
        esc(lang.t("cert.title")),
        esc(lang.t("f.certid")),
        esc(&s.summary.cert_id)
    );
    // Journal continuity of this entry with its stored neighbours.
    let mut checks = state.checks.clone();
    let mine = j.entries.iter().find(|e| e.seq == s.summary.seq);
    let next = j.entries.iter().find(|e| e.seq == s.summary.seq + 1);
    let broken =
        mine.and_then(|e| e.link_ok) == Some(false) || next.and_then(|e| e.link_ok) == Some(false);
    checks.push(PageCheck {
        name: "journal",
        status: if broken { "fail" } else { "pass" },
        detail: if broken {
            "broken link with a neighbour".into()
        } else {
            format!("seq {}", s.summary.seq)
        },
    });
    let valid = checks.iter().all(|c| c.status != "fail");
    h.push_str(&format!(
        "<section aria-labelledby=\"state\"><h2 id=\"state\">{}</h2><p class=\"verdict {}\" id=\"verdict\" data-valid=\"{}\">{}</p><ul class=\"checks\">",
        esc(lang.t("cert.state")),
        if valid { "ok" } else { "bad" },
        valid,
        esc(lang.t(if valid { "cert.valid" } else { "cert.invalid" }))
    ));
    for c in &checks {
        let (word, class) = status_word(lang, c.status);
        h.push_str(&format!(
            "<li class=\"{class}\" data-check=\"{name}\" data-status=\"{status}\"><strong>{label}: {word}</strong>{detail}</li>",
            name = c.name,
            status = c.status,
            label = esc(check_label(lang, c.name)),
            word = esc(word),
            detail = if c.detail.is_empty() { String::new() } else { format!(" <span class=\"muted\">({})</span>", esc(&c.detail)) }
        ));
    }
    h.push_str("</ul></section>");
    // The content: the signed payload (shown even when a check fails, under the warning).
    match ardoise_cert::envelope::Envelope::parse(s.envelope.as_bytes())
        .ok()
        .and_then(|e| parse_payload(&e.payload).ok())
    {
        Some(c) => h.push_str(&certificate_body(lang, &c)),
        None => h.push_str("<p class=\"bad\">payload unreadable</p>"),
    }
    h.push_str(&dl(&[(lang.t("f.received"), esc(&s.summary.received_at))]));
    h.push_str(&format!("<h2>{}</h2>", esc(lang.t("cert.journal"))));
    h.push_str(&journal_section(lang, &j, Some(s.summary.seq), true));
    h.push_str(&format!("<h2>{}</h2>", esc(lang.t("cert.logproof"))));
    if let Some(r) = &receipt {
        let cp = ardoise_cert::note::checkpoint_unverified(&r.checkpoint).ok();
        h.push_str(&dl(&[
            (lang.t("f.index"), esc(&r.log_index.to_string())),
            (
                lang.t("f.treesize"),
                esc(&cp.as_ref().map(|c| c.size.to_string()).unwrap_or_default()),
            ),
            (
                lang.t("f.root"),
                format!(
                    "<code>{}</code>",
                    esc(&cp.as_ref().map(|c| hex::encode(c.root)).unwrap_or_default())
                ),
            ),
            (
                lang.t("f.proof"),
                format!(
                    "<ol class=\"mono\">{}</ol>",
                    r.inclusion_proof
                        .iter()
                        .map(|p| format!("<li>{}</li>", esc(p)))
                        .collect::<String>()
                ),
            ),
            (
                lang.t("f.checkpoint"),
                format!("<pre>{}</pre>", esc(&r.checkpoint)),
            ),
            (
                lang.t("f.registrykey"),
                format!("<code>{}</code>", esc(&r.registry_key)),
            ),
        ]));
    }
    h.push_str(&format!(
        "<h2>{}</h2><ul><li><a href=\"/api/v1/certificates/{id}/envelope\" download=\"{id}.dsse.json\">{}</a></li><li><a href=\"/api/v1/certificates/{id}/receipt\" download=\"{id}.receipt.json\">{}</a></li></ul><p class=\"muted\">{}</p>",
        esc(lang.t("cert.downloads")),
        esc(lang.t("cert.envelope")),
        esc(lang.t("cert.receipt")),
        esc(lang.t("cert.offline")),
        id = esc(&s.summary.cert_id),
    ));
    let here = format!("/c/{}", s.summary.cert_id);
    page(lang, lang.t("cert.title"), &here, h)
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
    let p: LangOnly =
        serde_urlencoded::from_str(q.as_deref().unwrap_or_default()).unwrap_or_default();
    let (w2, s2) = (w.clone(), st.clone());
    let res = blocking(move || {
        Ok(reg
            .pool
            .with(|c| store::journal(c, &w2, &s2, p.around, 100))?)
    })
    .await;
    let j = match res {
        Ok(j) => j,
        Err(e) => return page_err(lang, e),
    };
    let title = format!("{} {} / {}", lang.t("cert.journal"), w, st);
    let h = format!(
        "<h1>{}</h1>{}",
        esc(&title),
        journal_section(lang, &j, None, false)
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
    let res = blocking(move || Ok(reg.pool.with(store::workshops)?)).await;
    let list = match res {
        Ok(l) => l,
        Err(e) => return page_err(lang, e),
    };
    let mut h = format!("<h1>{}</h1>", esc(lang.t("w.title")));
    if list.is_empty() {
        h.push_str(&format!("<p>{}</p>", esc(lang.t("w.none"))));
    } else {
        h.push_str(&format!(
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            esc(lang.t("f.workshop")),
            esc(lang.t("w.certificates"))
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
    page(lang, lang.t("w.title"), "/workshops", h)
}

fn count_table(lang: Lang, head: &str, rows: &[(String, u64)], outcome: bool) -> String {
    let mut h = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(head),
        esc(lang.t("col.count"))
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
    let res = blocking(move || Ok(reg.pool.with(|c| store::workshop_stats(c, &w2))?)).await;
    let s = match res {
        Ok(s) => s,
        Err(e) => return page_err(lang, e),
    };
    let t = |k| lang.t(k);
    let mut h = format!(
        "<h1>{}: {}</h1><dl><dt>{}</dt><dd id=\"total\">{}</dd><dt>{}</dt><dd id=\"erased\">{}</dd></dl>",
        esc(t("w.stats")),
        esc(&w),
        esc(t("w.certificates")),
        s.certificates,
        esc(t("w.erased")),
        s.disks_erased
    );
    h.push_str(&format!(
        "<h2>{}</h2>{}",
        esc(t("w.outcomes")),
        count_table(lang, t("col.outcome"), &s.outcomes, true)
    ));
    h.push_str(&format!(
        "<h2>{}</h2>{}",
        esc(t("w.techniques")),
        count_table(lang, t("f.technique"), &s.techniques, false)
    ));
    h.push_str(&format!(
        "<h2>{}</h2>{}",
        esc(t("w.methods")),
        count_table(lang, t("f.method"), &s.verification_methods, false)
    ));
    h.push_str(&format!(
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(t("w.months")),
        esc(t("col.month")),
        esc(t("w.certificates")),
        esc(t("outcome.erased")),
        esc(t("outcome.erased_with_exceptions")),
        esc(t("outcome.not_erased")),
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
    h.push_str(&format!(
        "<p><a href=\"/api/v1/export.csv?workshop={}\">{}</a></p>",
        url_part(&w),
        esc(t("w.export"))
    ));
    page(
        lang,
        t("w.stats"),
        &format!("/workshops/{}", url_part(&w)),
        h,
    )
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
        esc(lang.t("log.title")),
        esc(lang.t("log.help")),
        dl(&[
            (lang.t("f.registrykey"), format!("<code id=\"vkey\">{}</code>", esc(&reg.verifier.to_vkey()))),
            (lang.t("f.checkpoint"), format!("<pre id=\"checkpoint\">{}</pre>", esc(&note))),
            ("API", "<code>/api/v1/log/checkpoint</code>, <code>/api/v1/log/consistency?from=N</code>, <code>/api/v1/log/key</code>".into()),
        ])
    );
    page(lang, lang.t("log.title"), "/log", h)
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
        esc(t("audit.title")),
        esc(t("audit.help"))
    );
    let startup = reg.integrity.read().expect("lock").clone();
    if let Some(p) = startup {
        h.push_str(&format!(
            "<p class=\"verdict bad\">{}: {}</p>",
            esc(t("audit.startup")),
            esc(&p)
        ));
    }
    let last = reg.last_audit.lock().expect("lock").clone();
    match last {
        None => h.push_str(&format!("<p>{}</p>", esc(t("audit.never")))),
        Some(a) => {
            h.push_str(&format!(
                "<p class=\"verdict {}\" id=\"audit-verdict\" data-ok=\"{}\">{}</p>",
                if a.ok { "ok" } else { "bad" },
                a.ok,
                esc(t(if a.ok { "audit.ok" } else { "audit.bad" }))
            ));
            h.push_str(&dl(&[
                (t("audit.at"), esc(&a.at)),
                (t("audit.entries"), a.entries.to_string()),
                (t("audit.checkpoints"), a.checkpoints.to_string()),
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
    page(lang, t("audit.title"), "/audit", h)
}
