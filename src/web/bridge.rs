//! Blocking I/O for threads (threads build): a thread that "waits on a socket" sends its request here
//! and blocks on a channel; the real, abortable fetch or timer runs on the engine worker's event loop,
//! which answers on completion or on cancel. (A synchronous XHR could not be aborted or kept off the
//! cache lock; see TOOLCHAIN.md.)

use super::io::WebIo;
use crate::core::platform::{AsyncIo, BlockingIo, Fetch, IoError};
use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures_util::StreamExt;
use crate::core::platform::channel::{channel, Sender};
use std::sync::Mutex;

enum Op {
    Sleep(u32),
    Fetch(Fetch),
}

pub struct Request {
    op: Op,
    reply: Sender<Result<u64, IoError>>,
}

/// The threads' end of the bridge.
pub struct IoBridge(Mutex<UnboundedSender<Request>>);

pub fn bridge() -> (IoBridge, UnboundedReceiver<Request>) {
    let (tx, rx) = unbounded();
    (IoBridge(Mutex::new(tx)), rx)
}

impl IoBridge {
    fn call(&self, op: Op) -> Result<u64, IoError> {
        let (reply, answer) = channel();
        let sent = self.0.lock().map(|tx| tx.unbounded_send(Request { op, reply }).is_ok()).unwrap_or(false);
        if !sent {
            return Err(IoError::Cancelled);
        }
        // Blocks this thread (Atomics.wait underneath) until the event loop answers.
        answer.recv().unwrap_or(Err(IoError::Cancelled))
    }
}

impl BlockingIo for IoBridge {
    fn sleep(&self, ms: u32) -> Result<(), IoError> {
        self.call(Op::Sleep(ms)).map(|_| ())
    }
    fn fetch_delay(&self, req: Fetch) -> Result<u64, IoError> {
        self.call(Op::Fetch(req))
    }
}

/// Serves the threads' requests on the engine's event loop, all at once, until every sender is gone.
pub async fn serve(requests: UnboundedReceiver<Request>, io: &WebIo) {
    requests
        .for_each_concurrent(None, |Request { op, reply }| async move {
            let r = match op {
                Op::Sleep(ms) => io.sleep(ms).await.map(|()| u64::from(ms)),
                Op::Fetch(req) => io.fetch_delay(req).await,
            };
            reply.send(r);
        })
        .await;
}
