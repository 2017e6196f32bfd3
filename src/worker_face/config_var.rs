//! `AUTHZ` from the environment: an object (`[vars.AUTHZ]`) or a JSON
//! string (`--var`, dashboards, `.dev.vars`). Parsed once per isolate,
//! with the HS secrets it names; a bad one is logged once and refuses
//! every request.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use worker::Env;

use crate::config::{Config, ConfigError};
use crate::error::AuthError;

/// The var as the runtime gave it, and what it parsed to.
type Parsed = (JsValue, Result<Rc<Config>, ConfigError>);

thread_local! {
    static PARSED: RefCell<Option<Parsed>> = const { RefCell::new(None) };
    /// The binding's name as a JS string, made once: read on every request.
    static NAME: JsValue = JsValue::from_str("AUTHZ");
}

pub fn load(env: &Env) -> Result<Rc<Config>, AuthError> {
    let value = NAME
        .with(|name| js_sys::Reflect::get(env, name))
        .unwrap_or(JsValue::UNDEFINED);
    // The same binding object (or equal string) on every request of an
    // isolate: compare by identity instead of serialising it each time.
    let known = PARSED.with(|cell| {
        cell.borrow()
            .as_ref()
            .filter(|(seen, _)| js_sys::Object::is(seen, &value))
            .map(|(_, parsed)| parsed.clone())
    });
    let parsed = match known {
        Some(parsed) => parsed,
        None => {
            let parsed = raw_text(&value)
                .and_then(|raw| Config::from_json_str(&raw))
                .and_then(|cfg| {
                    cfg.check_hs_secrets(|var| {
                        let value = env.secret(var).ok()?.to_string();
                        Some(crate::secret::Secret::new(value))
                    })?;
                    Ok(cfg)
                })
                .map(Rc::new);
            if let Err(e) = &parsed {
                worker::console_error!(
                    "{}",
                    serde_json::json!({"authz": {"decision": "config_error", "key": e.key, "message": e.message}})
                );
            }
            PARSED.with(|cell| *cell.borrow_mut() = Some((value, parsed.clone())));
            parsed
        }
    };
    parsed.map_err(AuthError::from)
}

fn raw_text(value: &JsValue) -> Result<String, ConfigError> {
    if value.is_undefined() || value.is_null() {
        return Err(ConfigError {
            key: "AUTHZ".into(),
            message: "the AUTHZ var is not set".into(),
        });
    }
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| ConfigError {
            key: "AUTHZ".into(),
            message: "must be a table or a JSON string".into(),
        })
}
