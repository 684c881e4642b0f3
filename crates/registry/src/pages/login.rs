//! `/login`: an auditor or admin pastes a token; the registry checks it and keeps it in an
//! HttpOnly, SameSite=Strict cookie that the pages read (the API takes the same token as a
//! bearer token). `/logout` clears the cookie.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::{lang_from_query, page};
use crate::auth::{COOKIE, MIN_TOKEN_CHARS};
use crate::handler::Shared;
use crate::i18n::{Language, Words, W};

fn login_form(lang: Language, message: Option<&str>) -> Markup {
    html! {
        h1 { (lang.t(W::LoginTitle)) }
        p { (lang.t(W::LoginHelp)) }
        @if let Some(m) = message {
            p.bad #login-error { (m) }
        }
        form method="post" action={ "/login?lang=" (lang.code()) } {
            label {
                (lang.t(W::LoginToken)) " "
                input #token name="token" type="password" autocomplete="off" size="48";
            }
            " "
            button #login type="submit" { (lang.t(W::LoginSubmit)) }
        }
    }
}

/// What an anonymous reader gets instead of search: a certificate by its id, and the way in.
pub(super) fn public_landing(lang: Language) -> Markup {
    let l = lang.code();
    html! {
        h1 { (lang.t(W::SearchTitle)) }
        p { (lang.t(W::SearchByid)) }
        form.search #byid method="get" action="/c" {
            label {
                (lang.t(W::FCertid))
                input #cert-id name="id" size="64" pattern="[0-9a-fA-F]{64}";
            }
            input type="hidden" name="lang" value=(l);
            button type="submit" { (lang.t(W::SearchSubmit)) }
        }
        p { (lang.t(W::SearchNeedsToken)) " " a href={ "/login?lang=" (l) } { (lang.t(W::NavLogin)) } }
    }
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
