//! A progress line on stderr for scans that take longer than a second (terminals only).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Stats, human_bytes};

const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(120);

pub struct Progress<'scope> {
    done: Arc<AtomicBool>,
    handle: Option<ScopedJoinHandle<'scope, ()>>,
}

impl<'scope> Progress<'scope> {
    /// Starts the ticker when `enabled`; it draws nothing until the scan has run for a second.
    pub fn start<'env>(
        scope: &'scope Scope<'scope, 'env>,
        enabled: bool,
        stats: &'env Stats,
    ) -> Progress<'scope> {
        let done = Arc::new(AtomicBool::new(false));
        let handle = enabled.then(|| {
            let done = done.clone();
            scope.spawn(move || ticker(stats, &done))
        });
        Progress { done, handle }
    }

    pub fn finish(self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle {
            let _ = h.join();
        }
    }
}

fn ticker(stats: &Stats, done: &AtomicBool) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(TICK);
        if started.elapsed() < DELAY {
            continue;
        }
        let bar = bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .expect("static template is valid"),
            );
            b
        });
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let parts = match *stats.parts.lock().expect("progress parts poisoned") {
            Some((what, done, total)) => format!("{done}/{total} {what}, "),
            None => String::new(),
        };
        bar.set_message(format!(
            "{parts}{} blobs, {} scanned, {} findings",
            get(&stats.blobs),
            human_bytes(get(&stats.bytes)),
            get(&stats.matches)
        ));
        bar.tick();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
