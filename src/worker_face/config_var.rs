//! `AUTHZ` from the environment: an object (`[vars.AUTHZ]`) or a JSON
//! string (`--var`, dashboards, `.dev.vars`). Parsed once per isolate;
//! a bad one is logged once and refuses every request.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use worker::Env;

use crate::config::{Config, ConfigError};
use crate::error::AuthError;

/// The raw text the config was parsed from, and the result.
type Parsed = (String, Result<Rc<Config>, ConfigError>);

thread_local! {
    static PARSED: RefCell<Option<Parsed>> = const { RefCell::new(None) };
}

pub fn load(env: &Env) -> Result<Rc<Config>, AuthError> {
    let raw = raw_var(env)?;
    PARSED.with(|cell| {
        let mut slot = cell.borrow_mut();
        if let Some((seen, parsed)) = slot.as_ref() {
            if *seen == raw {
                return parsed.clone().map_err(AuthError::from);
            }
        }
        let parsed = Config::from_json_str(&raw).map(Rc::new);
        if let Err(e) = &parsed {
            worker::console_error!(
                "{}",
                serde_json::json!({"authz": {"decision": "config_error", "key": e.key, "message": e.message}})
            );
        }
        *slot = Some((raw, parsed.clone()));
        parsed.map_err(AuthError::from)
    })
}

fn raw_var(env: &Env) -> Result<String, AuthError> {
    let missing = || AuthError::Config {
        key: "AUTHZ".into(),
        message: "the AUTHZ var is not set".into(),
    };
    let value = js_sys::Reflect::get(env, &JsValue::from_str("AUTHZ")).map_err(|_| missing())?;
    if value.is_undefined() || value.is_null() {
        return Err(missing());
    }
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| AuthError::Config {
            key: "AUTHZ".into(),
            message: "must be a table or a JSON string".into(),
        })
}
