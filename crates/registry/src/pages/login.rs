//! `/login`: an auditor or admin pastes a token; the registry checks it and keeps it in an
//! HttpOnly, SameSite=Strict cookie that the pages read (the API takes the same token as a
//! bearer token). `/logout` clears the cookie.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{lang_from_query, page};
use crate::auth::{COOKIE, MIN_TOKEN_CHARS};
use crate::handler::Shared;
use crate::html::esc;
use crate::i18n::{Language, Words, W};

fn login_form(lang: Language, message: Option<&str>) -> String {
    format!(
        "<h1>{title}</h1><p>{help}</p>{msg}<form method=\"post\" action=\"/login?lang={l}\">\
<label>{tl} <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" size=\"48\"></label> \
<button id=\"login\" type=\"submit\">{sb}</button></form>",
        title = esc(lang.t(W::LoginTitle)),
        help = esc(lang.t(W::LoginHelp)),
        msg = message
            .map(|m| format!("<p class=\"bad\" id=\"login-error\">{}</p>", esc(m)))
            .unwrap_or_default(),
        l = lang.code(),
        tl = esc(lang.t(W::LoginToken)),
        sb = esc(lang.t(W::LoginSubmit)),
    )
}

/// What an anonymous reader gets instead of search: a certificate by its id, and the way in.
pub(super) fn public_landing(lang: Language) -> String {
    format!(
        "<h1>{title}</h1><p>{help}</p><form class=\"search\" method=\"get\" action=\"/c\" id=\"byid\">\
<label>{il}<input id=\"cert-id\" name=\"id\" size=\"64\" pattern=\"[0-9a-fA-F]{{64}}\"></label>\
<input type=\"hidden\" name=\"lang\" value=\"{l}\"><button type=\"submit\">{sb}</button></form>\
<p>{needs} <a href=\"/login?lang={l}\">{login}</a></p>",
        title = esc(lang.t(W::SearchTitle)),
        help = esc(lang.t(W::SearchByid)),
        il = esc(lang.t(W::FCertid)),
        l = lang.code(),
        sb = esc(lang.t(W::SearchSubmit)),
        needs = esc(lang.t(W::SearchNeedsToken)),
        login = esc(lang.t(W::NavLogin)),
    )
}

pub async fn login_page(headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    page(
        lang,
        lang.t(W::LoginTitle),
        "/login",
        login_form(lang, None),
    )
}

#[derive(serde::Deserialize)]
struct LoginForm {
    token: String,
}

pub async fn login(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let token = serde_urlencoded::from_bytes::<LoginForm>(&body)
        .map(|f| f.token.trim().to_string())
        .unwrap_or_default();
    let known = token.len() >= MIN_TOKEN_CHARS
        && token.bytes().all(|b| b.is_ascii_graphic())
        && reg.tokens().role_of(&token).is_some();
    if !known {
        let mut r = page(
            lang,
            lang.t(W::LoginTitle),
            "/login",
            login_form(lang, Some(lang.t(W::LoginBad))),
        );
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    }
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let mut r = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/?lang={}", lang.code()))],
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub async fn logout(headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let mut r = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/?lang={}", lang.code()))],
    )
        .into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("ardoise_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

#[derive(serde::Deserialize, Default)]
struct ById {
    id: Option<String>,
    lang: Option<String>,
}

/// `/c?id=…` (the lookup form): to the certificate's page.
pub async fn by_id(RawQuery(q): RawQuery) -> Response {
    let f: ById = serde_urlencoded::from_str(q.as_deref().unwrap_or_default()).unwrap_or_default();
    let id: String =
        f.id.unwrap_or_default()
            .trim()
            .chars()
            .filter(|c| c.is_ascii_hexdigit())
            .collect();
    let lang = if f.lang.as_deref() == Some("en") {
        "en"
    } else {
        "fr"
    };
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/c/{id}?lang={lang}"))],
    )
        .into_response()
}
