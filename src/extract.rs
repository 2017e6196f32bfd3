//! Credential extraction (contract 3.2): exactly one `Authorization` header,
//! scheme case-insensitive, `Bearer <jwt>` or `Basic <b64>`.

use crate::error::AuthError;
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    /// The compact JWS as sent.
    Bearer(String),
    /// The base64 value after `Basic `, unchanged (the issuer decodes it).
    Basic(Secret),
}

/// `authorization` holds every `Authorization` header value of the request.
pub fn extract(
    authorization: &[&str],
    max_token_bytes: usize,
    basic_enabled: bool,
) -> Result<Credentials, AuthError> {
    let _ = (authorization, max_token_bytes, basic_enabled);
    todo!()
}
