//! Finished tasks reach the page as they happen: the core reports each one (from whichever thread ran
//! it) into a channel, and the engine worker's event loop hands them to the page's callback.

use crate::core::platform::Progress;
use crate::core::record::TaskRecord;
use crate::core::workload::TaskOutput;
use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;
use js_sys::{Function, Object, Reflect, Uint32Array};
use std::sync::{Arc, Mutex};
use wasm_bindgen::JsValue;

type Event = (String, Option<TaskOutput>);

pub struct Sink(Mutex<UnboundedSender<Event>>);

impl Progress for Sink {
    fn task_done(&self, record: &TaskRecord, output: Option<TaskOutput>) {
        if let (Ok(json), Ok(tx)) = (serde_json::to_string(record), self.0.lock()) {
            let _ = tx.unbounded_send((json, output));
        }
    }
}

pub fn channel() -> (Arc<Sink>, UnboundedReceiver<Event>) {
    let (tx, rx) = unbounded();
    (Arc::new(Sink(Mutex::new(tx))), rx)
}

/// Calls `on_task(recordJson, output)` for every event until every sink is gone.
pub async fn deliver(events: UnboundedReceiver<Event>, on_task: Option<Function>) {
    events
        .for_each(|(json, output)| {
            if let Some(f) = &on_task {
                let _ = f.call2(&JsValue::NULL, &JsValue::from_str(&json), &output_to_js(output));
            }
            async {}
        })
        .await;
}

/// `{ kind, offset, width, max, data: Uint32Array }` (a copy in ordinary memory, so it can be
/// transferred to the page), or `undefined`.
fn output_to_js(output: Option<TaskOutput>) -> JsValue {
    let Some(o) = output else { return JsValue::UNDEFINED };
    let obj = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), &v);
    };
    set("kind", JsValue::from_str(o.kind));
    set("offset", JsValue::from(o.offset));
    set("width", JsValue::from(o.width));
    set("max", JsValue::from(o.max));
    set("data", Uint32Array::from(&o.data[..]).into());
    obj.into()
}
