//! The steps that led to a decision: what the log line summarises and what
//! the page shows to the engineer asking "why was I refused?".

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Config,
    Route,
    Credentials,
    Exchange,
    Issuer,
    Key,
    Signature,
    Claims,
    Scope,
    Forward,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub stage: Stage,
    pub ok: bool,
    /// Written by us from configuration and claim names: never a token or
    /// a secret.
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Trail(Vec<Step>);

impl Trail {
    pub fn new() -> Self {
        Trail(Vec::new())
    }

    pub fn pass(&mut self, stage: Stage, detail: impl Into<String>) {
        self.0.push(Step {
            stage,
            ok: true,
            detail: detail.into(),
        });
    }

    pub fn fail(&mut self, stage: Stage, detail: impl Into<String>) {
        self.0.push(Step {
            stage,
            ok: false,
            detail: detail.into(),
        });
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}
