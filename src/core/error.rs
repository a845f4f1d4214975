//! The lab's errors, with the names of the public contract (`SpecError`, `AbortError`, `EngineError`,
//! `Unavailable`). They travel to JavaScript as plain objects `{ name, message, field?, allowed?, errors?,
//! reason? }`.
//!
//! A `SpecError` always carries `errors`, one entry per bad field (at least one): every bad field of the
//! spec at once, in the form's order, each with its `label` (the field's name as the page shows it).
//! Its own `field`, `allowed` and `message` are those of `errors[0]`.

use serde::Serialize;

/// One bad field of a spec.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldError {
    /// The field's name in the spec and the URL (`size`, `faults.rate`, a typo as given).
    pub field: String,
    /// The field's name as the page shows it (`Image size (px)`); the name itself for an unknown field.
    pub label: String,
    /// Its range or values (`16..5792`, `raise, return-exceptions`).
    pub allowed: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "name")]
pub enum LabError {
    /// Bad input: `field` names the (first bad) field or URL parameter and `allowed` its range or values;
    /// `errors` lists every bad field, the first one included.
    SpecError { message: String, field: String, allowed: String, errors: Vec<FieldError> },
    /// This build or browser cannot run what was asked; `reason` says why and what would.
    Unavailable { message: String, field: String, reason: String },
    /// The engine failed; the message carries what it knows (a panic's text).
    EngineError { message: String },
}

impl LabError {
    /// A `SpecError` listing `errors` (not empty); the first one is the error's own field.
    pub fn spec_errors(errors: Vec<FieldError>) -> Self {
        let first = errors.first().expect("a SpecError names at least one field").clone();
        LabError::SpecError { message: first.message, field: first.field, allowed: first.allowed, errors }
    }

    pub fn unavailable(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        LabError::Unavailable { field: field.to_string(), message: reason.clone(), reason }
    }

    pub fn message(&self) -> &str {
        match self {
            LabError::SpecError { message, .. }
            | LabError::Unavailable { message, .. }
            | LabError::EngineError { message } => message,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("errors serialise")
    }
}

impl FieldError {
    pub fn new(field: &str, label: &str, allowed: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), label: label.to_string(), allowed: allowed.into(), message: message.into() }
    }
}

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}
