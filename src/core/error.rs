//! The lab's errors, with the names of the public contract (`SpecError`, `AbortError`, `EngineError`,
//! `Unavailable`). They travel to JavaScript as plain objects `{ name, message, field?, allowed?, reason? }`.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "name")]
pub enum LabError {
    /// Bad input: `field` names the field (or URL parameter) and `allowed` its range or values.
    SpecError { message: String, field: String, allowed: String },
    /// This build or browser cannot run what was asked; `reason` says why and what would.
    Unavailable { message: String, field: String, reason: String },
    /// The engine failed; the message carries what it knows (a panic's text).
    EngineError { message: String },
}

impl LabError {
    pub fn spec(field: &str, allowed: impl Into<String>, message: impl Into<String>) -> Self {
        LabError::SpecError { field: field.to_string(), allowed: allowed.into(), message: message.into() }
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

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}
