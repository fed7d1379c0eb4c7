//! The threads parsing runs on: a few of sluice's own, started on demand and kept.
//!
//! Why not libuv's pool, which the binding used first: measured on the 2-core benchmark
//! machine, 100 MiB through the stream, three runs each, own threads parsed XML at 136-145
//! MB/s where libuv work items managed 111-120, and NDJSON at 122-124 against 111-114, with
//! the same event-loop delay. A stream's runs must also go one at a time, which on libuv's
//! pool meant a queued run blocking a pool thread (shared with fs, dns and crypto) until its
//! turn; here a stream's runs simply queue behind each other. Lowering these threads'
//! priority was tried too: nice +10 cost about 5% of XML throughput and did not lower the
//! event-loop p99.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// At most this many parse threads, however many cores there are: each stream runs one job at
/// a time, so more threads only help many streams at once.
const MAX_THREADS: usize = 8;

/// Records are written out recursively: `crate::limits::MAX_XML_DEPTH` is sized to this.
pub const STACK_BYTES: usize = 8 << 20;

type Job = Box<dyn FnOnce() + Send>;

struct Workers {
    state: Mutex<State>,
    wake: Condvar,
    max: usize,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    threads: usize,
    idle: usize,
}

static WORKERS: OnceLock<Workers> = OnceLock::new();

fn workers() -> &'static Workers {
    WORKERS.get_or_init(|| Workers {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
        max: std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, MAX_THREADS),
    })
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // Jobs run outside the lock, so a poisoned lock still holds a consistent queue.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `job` on a parse thread, starting one if none is idle and the limit allows. Jobs run
/// in the order submitted when there is one thread, and concurrently otherwise: callers that
/// need an order keep it themselves. A panicking job takes only itself down.
pub fn submit(job: impl FnOnce() + Send + 'static) {
    let w = workers();
    let mut st = lock(&w.state);
    st.jobs.push_back(Box::new(job));
    if st.idle > 0 {
        w.wake.notify_one();
    } else if st.threads < w.max {
        let spawned = std::thread::Builder::new()
            .name(format!("sluice-parse-{}", st.threads))
            .stack_size(STACK_BYTES)
            .spawn(move || work(w));
        // Without a new thread the job waits for a busy one; with none at all it would never
        // run, so it runs here.
        match spawned {
            Ok(_) => st.threads += 1,
            Err(_) if st.threads == 0 => {
                let job = st.jobs.pop_back();
                drop(st);
                if let Some(job) = job {
                    run(job);
                }
            }
            Err(_) => {}
        }
    }
}

fn work(w: &'static Workers) {
    let mut st = lock(&w.state);
    loop {
        match st.jobs.pop_front() {
            Some(job) => {
                drop(st);
                run(job);
                st = lock(&w.state);
            }
            None => {
                st.idle += 1;
                st = w.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                st.idle -= 1;
            }
        }
    }
}

fn run(job: Job) {
    // The caller's job catches its own panics; this only keeps the thread alive if one slips.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn runs_every_job_and_survives_panics() {
        let (tx, rx) = mpsc::channel();
        submit(|| panic!("a job that panics"));
        for i in 0..100 {
            let tx = tx.clone();
            submit(move || {
                let _ = tx.send(i);
            });
        }
        let mut got: Vec<i32> = (0..100)
            .map(|_| rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert!(lock(&workers().state).threads <= workers().max);
    }
}
