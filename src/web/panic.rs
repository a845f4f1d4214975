//! Panics reported to the page before the thread aborts: tagged with the engine's id, so the page
//! restarts only its own engine. Its own file: the facade installs the hook, and every thread the engine
//! starts (`threads.rs`) tags its reports with the same id.

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    fn report_panic(engine_id: u32, message: &str);
}

/// Tags panic reports so the page restarts only its own engine (in shared memory: every thread sees it).
static ENGINE_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The engine id given to `start` (what every worker of this engine tags its crash reports with).
pub(crate) fn engine_id() -> u32 {
    ENGINE_ID.load(std::sync::atomic::Ordering::Relaxed)
}

/// Keeps `engine_id` and installs the panic hook that posts each panic's message and place.
pub(crate) fn install(engine_id: u32) {
    ENGINE_ID.store(engine_id, std::sync::atomic::Ordering::Relaxed);
    std::panic::set_hook(Box::new(|info| {
        let message = match info.payload().downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| info.payload().downcast_ref::<String>().cloned()) {
            Some(text) => format!("{text} (at {})", info.location().map_or("?".into(), |l| format!("{}:{}", l.file(), l.line()))),
            None => info.to_string(),
        };
        // The JavaScript side adds which worker panicked (its name).
        report_panic(self::engine_id(), &message);
    }));
}
