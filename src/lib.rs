//! Edge authorizer core.
//!
//! The core does no I/O (as `rustls` does none): the faces fetch keys, call
//! the token endpoint and proxy; the core decodes, selects keys, checks
//! claims, evaluates policy and explains the decision. Only the two face
//! modules (`worker_face`, `browser_face`) touch `worker` or `wasm-bindgen`.

pub mod alg;
pub mod b64;
pub mod claims;
pub mod claims_doc;
pub mod config;
pub mod decision;
pub mod error;
pub mod exchange;
pub mod extract;
pub mod forward;
/// The page's reading of tokens, keys and configs (pure-Rust engine).
#[cfg(feature = "rust-crypto")]
pub mod inspect;
// The worker's answer writer; tested natively with the rest.
#[cfg(any(feature = "worker-face", test))]
mod json_text;
pub mod json_tree;
pub mod jwks;
pub mod keycache;
pub mod percent;
pub mod policy;
pub mod routes;
mod same;
pub mod secret;
pub mod signature;
pub mod target;
pub mod token;
pub mod trail;
pub mod verified_cache;
pub mod when;

#[cfg(feature = "browser")]
mod browser_face;
#[cfg(feature = "worker-face")]
mod worker_face;
