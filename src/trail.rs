//! The steps that led to a decision: what the log line summarises and what
//! the page shows to the engineer asking "why was I refused?".

use std::fmt::Display;

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
pub struct Trail {
    steps: Vec<Step>,
    /// Keeps no steps: the worker answers from the log fields and never
    /// shows a trail, and writing each step's text was a measurable part
    /// of its time per request.
    #[serde(skip)]
    quiet: bool,
}

impl Trail {
    pub fn new() -> Self {
        Trail::default()
    }

    /// A trail that records nothing ([`Trail::steps`] stays empty).
    pub fn quiet() -> Self {
        Trail {
            steps: Vec::new(),
            quiet: true,
        }
    }

    /// `detail` is only written out when the trail records: callers pass
    /// `format_args!` rather than `format!`.
    pub fn pass(&mut self, stage: Stage, detail: impl Display) {
        self.push(stage, true, detail);
    }

    pub fn fail(&mut self, stage: Stage, detail: impl Display) {
        self.push(stage, false, detail);
    }

    fn push(&mut self, stage: Stage, ok: bool, detail: impl Display) {
        if !self.quiet {
            self.steps.push(Step {
                stage,
                ok,
                detail: detail.to_string(),
            });
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
}
