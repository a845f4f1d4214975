//! Python text from Rust: the spec as the page sent it (its keys in their order, for the header), numbers
//! as Python (and JavaScript) write them, indenting, joining the parts that are present, comments wrapped
//! at 99 characters, and `${name}` templates, so that each part of a program reads as Python.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value with its object keys in the order they came: the header prints the spec as given.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn parse(text: &str) -> Result<Json, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The field's number, if it is one (`typeof x === "number"`).
    pub fn num(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Json::Num(n)) => n.as_f64(),
            _ => None,
        }
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Json::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The field as a template literal shows it (`${spec.tasks}`): numbers as JavaScript writes them.
    pub fn show(&self, key: &str) -> String {
        match self.get(key) {
            None => "undefined".into(),
            Some(Json::Null) => "null".into(),
            Some(Json::Bool(b)) => b.to_string(),
            Some(Json::Num(n)) => number(n),
            Some(Json::Str(s)) => s.clone(),
            Some(Json::Arr(_)) | Some(Json::Obj(_)) => "[object Object]".into(),
        }
    }

    /// Compact JSON, keys in their order (as `JSON.stringify`).
    pub fn stringify(&self) -> String {
        match self {
            Json::Null => "null".into(),
            Json::Bool(b) => b.to_string(),
            Json::Num(n) => number(n),
            Json::Str(s) => serde_json::to_string(s).unwrap_or_default(),
            Json::Arr(items) => format!("[{}]", items.iter().map(Json::stringify).collect::<Vec<_>>().join(",")),
            Json::Obj(fields) => format!(
                "{{{}}}",
                fields.iter().map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), v.stringify())).collect::<Vec<_>>().join(",")
            ),
        }
    }
}

fn number(n: &serde_json::Number) -> String {
    if let Some(u) = n.as_u64() {
        u.to_string()
    } else if let Some(i) = n.as_i64() {
        i.to_string()
    } else {
        py_num(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
                Ok(Json::Num(n.into()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
                Ok(Json::Num(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
                Ok(serde_json::Number::from_f64(n).map_or(Json::Null, Json::Num))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element()? {
                    items.push(v);
                }
                Ok(Json::Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut fields: Vec<(String, Json)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    // As JSON.parse: a repeated key keeps its first place and its last value.
                    match fields.iter_mut().find(|(f, _)| *f == k) {
                        Some(slot) => slot.1 = v,
                        None => fields.push((k, v)),
                    }
                }
                Ok(Json::Obj(fields))
            }
        }
        d.deserialize_any(V)
    }
}

/// A number as a Python literal, written as JavaScript's `String(x)` writes it (the spec's numbers are
/// small and finite): integers without a point, the shortest digits that read back the same otherwise.
pub fn py_num(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e21 {
        format!("{}", x as i128)
    } else if x.is_finite() && x.abs() < 1e-6 {
        // JavaScript switches to an exponent below 1e-6 (`1e-7`); Rust never does.
        let s = format!("{x:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{x}")
    }
}

/// Seconds from milliseconds, as a Python literal.
pub fn seconds(ms: f64) -> String {
    py_num(ms / 1000.0)
}

/// Indents every non-empty line of `text` by `n` spaces.
pub fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.split('\n').map(|l| if l.is_empty() { l.to_string() } else { format!("{pad}{l}") }).collect::<Vec<_>>().join("\n")
}

/// Joins the parts that are present (and not empty) with `sep`.
pub fn join(parts: &[Option<String>], sep: &str) -> String {
    parts.iter().flatten().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(sep)
}

/// `text` as comment lines of at most 99 characters, broken at spaces.
pub fn comment(text: &str) -> String {
    const WIDTH: usize = 99;
    let mut lines = Vec::new();
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.chars().count() > 1 && line.chars().count() + 1 + word.chars().count() > WIDTH {
            lines.push(std::mem::replace(&mut line, "#  ".into()));
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

/// The spec as a Python-style dict, `{"k": v, ...}`: JSON with a space after each `,` and `:` that
/// precedes a string, an object or a number, so that it wraps at its spaces.
pub fn spec_text(spec: &Json) -> String {
    let json = spec.stringify();
    let chars: Vec<char> = json.chars().collect();
    let mut out = String::with_capacity(json.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        if (c == ',' || c == ':') && chars.get(i + 1).is_some_and(|n| *n == '"' || *n == '{' || *n == '-' || n.is_ascii_digit()) {
            out.push(' ');
        }
    }
    out
}

/// `template` with each `${name}` replaced by its value: Python written out whole, its holes named.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in vars {
        out = out.replace(&format!("${{{name}}}"), value);
    }
    out
}

/// `cond`'s text, or nothing.
pub fn when(cond: bool, text: impl Into<String>) -> Option<String> {
    cond.then(|| text.into())
}
