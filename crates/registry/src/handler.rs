//! What every request handler shares, whether it answers JSON (`http`, `admin`, `export`,
//! `heartbeats`) or HTML (`pages`): the registry handle, the API error and its JSON body, role checks,
//! blocking work off the async threads, query strings. The router (`http`) sits above all of
//! them; none of them imports the router.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::Role;
use crate::db::DbError;
use crate::records::{self, QueryError};
use crate::registry::Registry;
use crate::submit::Rejection;

/// The registry as the handlers share it.
pub type Shared = Arc<Registry>;

/// An API error: status and `{error, message, field?}`.
#[derive(Debug)]
pub struct ApiError(pub Rejection);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(&self.0)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError(r)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError(crate::incident::db_unavailable(&e))
    }
}

impl From<crate::registry::ReceiptError> for ApiError {
    /// Database failures as [`crate::incident::db_unavailable`] (503, `Retry-After`), a proof
    /// that cannot be computed as an internal error: either way an incident id, never the
    /// error's text (it quotes the database).
    fn from(e: crate::registry::ReceiptError) -> Self {
        use crate::registry::ReceiptError;
        ApiError(match e {
            ReceiptError::Db(d) => crate::incident::db_unavailable(&d),
            ReceiptError::Proof(p) => crate::incident::internal(&p),
            ReceiptError::NotCovered(_) => crate::incident::unavailable(
                "the certificate is not yet covered by a signed checkpoint; retry in a moment"
                    .into(),
            ),
        })
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Filter(records::FilterError::Invalid { field, message }) => ApiError(
                Rejection::new(400, "invalid_query", format!("{field}: {message}")).field(field),
            ),
            QueryError::Db(d) => d.into(),
        }
    }
}

/// Requires a token of at least `role` (see [`crate::auth`]).
pub fn require(reg: &Registry, headers: &HeaderMap, role: Role) -> Result<Role, ApiError> {
    if role == Role::Admin
        && reg.config.admin_token.is_none()
        && crate::auth::presented(headers).is_none()
    {
        return Err(err(403, "admin_disabled", "the admin API is disabled: start the registry with --admin-token-file or ARDOISE_REGISTRY_ADMIN_TOKEN"));
    }
    Ok(crate::auth::require(&reg.tokens(), headers, role)?)
}

/// An API error with this status, machine-readable code and message.
pub fn err(status: u16, code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError(Rejection::new(status, code, msg))
}

/// Runs blocking work (database) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(crate::incident::internal(&e)))?
}

/// Parses a query string into `T` (its default when absent or empty); 400 `invalid_query`
/// otherwise.
pub fn parse_query<T: for<'de> Deserialize<'de> + Default>(q: Option<&str>) -> Result<T, ApiError> {
    match q {
        None | Some("") => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(q)
            .map_err(|e| err(400, "invalid_query", format!("query string: {e}"))),
    }
}
