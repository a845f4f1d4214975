//! The GIL's tests: its rules exactly, threads as scripts on a virtual clock (`rules.rs`, `scripted.rs`,
//! which the single build's turns are tested with too), and the real-thread runner's order and progress
//! (`threads.rs`).

mod rules;
pub mod scripted;
mod threads;
