//! A value computed on a thread of its own while the caller goes on; the first reader waits.

use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

pub struct Background<T> {
    value: OnceLock<T>,
    job: Mutex<Option<JoinHandle<T>>>,
}

impl<T: Send + 'static> Background<T> {
    /// Starts `make` on a new thread named `name`.
    pub fn start(name: &str, make: impl FnOnce() -> T + Send + 'static) -> Background<T> {
        let job = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(make)
            .expect("cannot start a thread");
        Background {
            value: OnceLock::new(),
            job: Mutex::new(Some(job)),
        }
    }

    /// The value, waiting for the thread the first time. A panic on the thread is re-raised here.
    pub fn get(&self) -> &T {
        self.value.get_or_init(|| {
            let job = self
                .job
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("a background value is joined once");
            job.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}
