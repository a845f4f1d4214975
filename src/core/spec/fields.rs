//! Reading one raw field of a spec: a whole number, a decimal, a boolean or a name, given as JSON or as
//! the string a URL carries; a bad value is a `FieldError` naming the field, its label and allowed range.

use super::definition::label_of;
use crate::core::error::FieldError;
use crate::core::workload::FieldInfo;
use serde_json::{Map, Value};

/// The value, or `None` with its error kept.
pub(super) fn ok<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The error of a field that takes one of a list of names.
pub(super) fn one_of(field: &str, allowed: &str, got: &str) -> FieldError {
    let label = label_of(field, None).unwrap_or(field);
    FieldError::new(field, label, allowed, format!("{label} must be one of {allowed} (got {got})"))
}

pub(super) fn required_str<'a>(obj: &'a Map<String, Value>, field: &str, allowed: &str) -> Result<&'a str, FieldError> {
    match obj.get(field) {
        None | Some(Value::Null) => {
            let label = label_of(field, None).unwrap_or(field);
            Err(FieldError::new(field, label, allowed, format!("{label} is required: one of {allowed}")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(one_of(field, allowed, &other.to_string())),
    }
}

/// Reads a decimal number field, or its default when absent.
pub(super) fn num_field(obj: &Map<String, Value>, name: &str, (min, max, default): (f64, f64, f64)) -> Result<f64, FieldError> {
    let allowed = format!("{min}..{max}");
    let label = label_of(name, None).unwrap_or(name);
    let bad = |got: &dyn std::fmt::Display| FieldError::new(name, label, allowed.clone(), format!("{label} must be a number in {allowed} (got {got})"));
    let x = match obj.get(name) {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| bad(n))?,
        Some(Value::String(s)) => {
            let t = s.trim();
            let plain = !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') && t.bytes().filter(|&b| b == b'.').count() <= 1;
            if !plain {
                return Err(bad(&format!("\"{s}\"")));
            }
            t.parse::<f64>().map_err(|_| bad(&format!("\"{s}\"")))?
        }
        Some(other) => return Err(bad(other)),
    };
    if !x.is_finite() || x < min || x > max {
        return Err(bad(&x));
    }
    Ok(x)
}

/// Reads a boolean field (`true`/`false`, or the strings a URL carries), `false` when absent.
pub(super) fn bool_field(obj: &Map<String, Value>, name: &str) -> Result<bool, FieldError> {
    let label = label_of(name, None).unwrap_or(name);
    match obj.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(true),
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "0") => Ok(false),
        Some(other) => Err(FieldError::new(name, label, "true, false", format!("{label} must be true or false (got {other})"))),
    }
}

/// Reads an integer field, or its default when absent.
pub(super) fn int_field(obj: &Map<String, Value>, f: &FieldInfo) -> Result<i64, FieldError> {
    let allowed = format!("{}..{}", f.min, f.max);
    let bad = |got: &dyn std::fmt::Display| {
        FieldError::new(f.name, f.label, allowed.clone(), format!("{} must be a whole number in {} (got {})", f.label, allowed, got))
    };
    let n = match obj.get(f.name) {
        None | Some(Value::Null) => return Ok(f.default),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(x)) if x.fract() == 0.0 && x.abs() < 9.0e15 => x as i64,
            _ => return Err(bad(n)),
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("\"{s}\"")));
            }
            t.parse::<i64>().map_err(|_| bad(&format!("\"{s}\"")))?
        }
        Some(other) => return Err(bad(other)),
    };
    if n < f.min || n > f.max {
        return Err(bad(&n));
    }
    Ok(n)
}
