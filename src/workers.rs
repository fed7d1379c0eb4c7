//! The threads parsing runs on: a few of sluice's own, started on demand, at a lower CPU
//! priority than the process's other threads (on Linux).
//!
//! Why not libuv's pool: on a machine with few cores, a parse thread competing as an equal
//! with the JavaScript thread preempts it for whole scheduler slices, and the event loop
//! stalls for milliseconds at a time; a lower priority makes the parser yield instead. A
//! libuv pool thread is shared with fs, dns and crypto work and cannot be given back its
//! priority once lowered without privileges, so it is not ours to lower.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// How much lower than normal the parse threads run: a nice value of 10 weighs about a tenth
/// of a normal thread's, so the event loop wins a contended core almost at once, while an idle
/// core is used in full.
pub const NICE: i32 = 10;

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
    lower_priority();
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

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain syscalls about the calling thread, no pointers. On Linux the nice value is
    // per thread, and `PRIO_PROCESS` with a thread id sets that thread's. Failing (e.g. under a
    // seccomp filter) only leaves the thread at normal priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        // Relative to the thread it was started from, which a niced process passes on.
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (now + NICE).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

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

    #[cfg(target_os = "linux")]
    #[test]
    fn parse_threads_run_at_lower_priority() {
        let (tx, rx) = mpsc::channel();
        submit(move || {
            // SAFETY: reads this thread's nice value; no pointers.
            let nice = unsafe {
                let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                libc::getpriority(libc::PRIO_PROCESS, tid)
            };
            let _ = tx.send(nice);
        });
        let nice = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        // Relative to a process that may itself run niced.
        // SAFETY: reads the process's nice value; no pointers.
        let base = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(nice, (base + NICE).min(19));
    }
}
