//! The spec: one run's description, defined and validated here once. The page's form, the URL,
//! `window.lab` and embed messages all pass through [`parse`], so every limit a user sees comes from here.
//!
//! What a spec is (its fields, their limits and labels, what a valid spec gives the modes) is
//! `definition.rs`; checking raw input against it is `validate.rs`; reading one raw field is `fields.rs`.

mod definition;
mod fields;
#[cfg(test)]
mod tests;
mod validate;

pub use definition::*;
pub use validate::{parse, parse_with};
