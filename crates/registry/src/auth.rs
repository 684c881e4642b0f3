//! Who may read what (GDPR): roles and access tokens.
//!
//! - Anyone: a certificate's public page by id (`/c/{id}`, what the donor PDF's QR code
//!   points to) with personal fields masked, its receipt, the log, the audit, per-workshop
//!   counts.
//! - `auditor`: search, exports, the full content of certificates (envelopes included, they
//!   carry the whole signed payload), station journals.
//! - `admin`: everything an auditor may, plus station keys, tokens, running the audit.
//!
//! The admin token comes from the server's configuration; auditor and further admin tokens
//! are issued by the admin API (`POST /api/v1/tokens`). Only the blake3 of a token is stored.
//! A token travels as `Authorization: Bearer <token>`, or for the pages as the `ardoise_token`
//! cookie set by `/login` (HttpOnly, SameSite=Strict).

use std::collections::HashMap;

use axum::http::{header, HeaderMap};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::db::{Conn, DbError, Value};
use crate::submit::Rejection;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything personal: search, exports, full certificates, journals.
    Auditor,
    /// Everything an auditor may, plus station keys, tokens and running the audit.
    Admin,
}

impl Role {
    /// Name as stored and in the API (`auditor`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Inverse of `as_str`; None for an unknown name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "auditor" => Some(Role::Auditor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Name of the cookie the pages read the token from.
pub const COOKIE: &str = "ardoise_token";
/// Shortest token accepted (the configured admin token, tokens the API issues are longer).
pub const MIN_TOKEN_CHARS: usize = 16;

/// blake3 (hex) of a token: what is stored and compared.
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.trim().as_bytes()).to_hex().to_string()
}

/// The tokens the registry knows: hash → role (a small map kept in memory, reloaded with the
/// station keys).
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_hash: HashMap<String, Role>,
}

impl Tokens {
    /// The configured admin token (if any) and the live tokens stored in the database.
    pub fn load(c: &mut Conn, admin_token: Option<&str>) -> Result<Tokens, DbError> {
        let mut by_hash = HashMap::new();
        for t in list(c)? {
            if t.revoked_at.is_none() {
                by_hash.insert(t.token_hash, t.role);
            }
        }
        if let Some(a) = admin_token {
            by_hash.insert(token_hash(a), Role::Admin);
        }
        Ok(Tokens { by_hash })
    }

    /// The role of a presented token, if it is known and live.
    pub fn role_of(&self, token: &str) -> Option<Role> {
        // Compare digests: the map lookup does not depend on the secret's bytes.
        self.by_hash.get(&token_hash(token)).copied()
    }
}

/// The token a request presents: the bearer token, else the pages' cookie.
pub fn presented(headers: &HeaderMap) -> Option<String> {
    if let Some(b) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(b.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The role of the request's token; `None` for anonymous requests.
pub fn role(tokens: &Tokens, headers: &HeaderMap) -> Result<Option<Role>, Rejection> {
    match presented(headers) {
        None => Ok(None),
        Some(t) => tokens
            .role_of(&t)
            .map(Some)
            .ok_or_else(|| Rejection::new(401, "unauthorized", "unknown or revoked token")),
    }
}

/// Requires at least `needed`: 401 without a token (or with an unknown one), 403 with a
/// token of a lesser role.
pub fn require(tokens: &Tokens, headers: &HeaderMap, needed: Role) -> Result<Role, Rejection> {
    match role(tokens, headers)? {
        None => Err(Rejection::new(
            401,
            "unauthorized",
            format!(
                "this needs an {} token (Authorization: Bearer …): it shows personal data",
                needed.as_str()
            ),
        )),
        Some(r) if r >= needed => Ok(r),
        Some(r) => Err(Rejection::new(
            403,
            "forbidden",
            format!(
                "a {} token may not do this ({} needed)",
                r.as_str(),
                needed.as_str()
            ),
        )),
    }
}

/// A stored token (never the token itself).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public identifier, used to list and revoke the token.
    pub token_id: String,
    /// blake3 of the token, hex; never serialized.
    #[serde(skip)]
    pub token_hash: String,
    /// What the token may do.
    pub role: Role,
    /// Free note given when it was issued.
    pub comment: Option<String>,
    /// Issue time, RFC 3339 UTC.
    pub created_at: String,
    /// Revocation time, if revoked; a revoked token authorizes nothing.
    pub revoked_at: Option<String>,
}

/// All stored tokens, oldest first.
pub fn list(c: &mut Conn) -> Result<Vec<TokenRecord>, DbError> {
    c.query(
        "SELECT token_id, token_hash, role, comment, created_at, revoked_at FROM api_tokens ORDER BY created_at, token_id",
        &[],
    )?
    .iter()
    .map(|r| {
        let role = r[2].text()?;
        Ok(TokenRecord {
            token_id: r[0].text()?,
            token_hash: r[1].text()?,
            role: Role::parse(&role)
                .ok_or_else(|| DbError::Other(format!("unknown token role {role:?}")))?,
            comment: r[3].opt_text()?,
            created_at: r[4].text()?,
            revoked_at: r[5].opt_text()?,
        })
    })
    .collect()
}

/// Issues a new token of `role`; returns the record and the token (shown once, not stored).
pub fn issue(
    c: &mut Conn,
    role: Role,
    comment: Option<String>,
    now: OffsetDateTime,
) -> Result<(TokenRecord, String), DbError> {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).map_err(|e| DbError::Other(e.to_string()))?;
    let token = format!("ardoise-{}-{}", role.as_str(), hex::encode(secret));
    let hash = token_hash(&token);
    let rec = TokenRecord {
        token_id: hash[..16].to_string(),
        token_hash: hash,
        role,
        comment,
        created_at: crate::records::rfc3339(now),
        revoked_at: None,
    };
    c.transaction(|c| {
        c.execute(
            "INSERT INTO api_tokens (token_id, token_hash, role, comment, created_at) VALUES (?, ?, ?, ?, ?)",
            &[
                rec.token_id.clone().into(),
                rec.token_hash.clone().into(),
                role.as_str().into(),
                rec.comment.clone().into(),
                rec.created_at.clone().into(),
            ],
        )?;
        crate::records::bump_keys_version(c)
    })?;
    Ok((rec, token))
}

/// Revokes a token by id; `false` when no live token has that id.
pub fn revoke(c: &mut Conn, token_id: &str, now: OffsetDateTime) -> Result<bool, DbError> {
    c.transaction(|c| {
        let n = c.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
            &[Value::Text(crate::records::rfc3339(now)), token_id.into()],
        )?;
        if n > 0 {
            crate::records::bump_keys_version(c)?;
        }
        Ok(n > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_then_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(presented(&h), None);
        h.insert(header::COOKIE, "a=b; ardoise_token=tok-1".parse().unwrap());
        assert_eq!(presented(&h).as_deref(), Some("tok-1"));
        h.insert(header::AUTHORIZATION, "Bearer tok-2".parse().unwrap());
        assert_eq!(presented(&h).as_deref(), Some("tok-2"));
    }

    #[test]
    fn roles_are_ordered() {
        let mut t = Tokens::default();
        t.by_hash
            .insert(token_hash("auditor-token-123456"), Role::Auditor);
        let mut h = HeaderMap::new();
        assert_eq!(
            require(&t, &h, Role::Auditor).unwrap_err().status,
            401,
            "anonymous"
        );
        h.insert(
            header::AUTHORIZATION,
            "Bearer auditor-token-123456".parse().unwrap(),
        );
        assert_eq!(require(&t, &h, Role::Auditor).unwrap(), Role::Auditor);
        assert_eq!(require(&t, &h, Role::Admin).unwrap_err().status, 403);
        h.insert(header::AUTHORIZATION, "Bearer nope".parse().unwrap());
        assert_eq!(require(&t, &h, Role::Auditor).unwrap_err().status, 401);
    }
}
