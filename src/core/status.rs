//! How a task ended. Its own file: a task's record (`record.rs`) and the events (`events.rs`, a task's
//! end) both carry it, and the record is built of events.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    Error,
    Timeout,
    Cancelled,
}
