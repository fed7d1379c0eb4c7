//! The result line the benchmark's native contenders print, in the shape `run.js` reads from
//! every contender. Included by `raw-quickxml` and `core-only` with `#[path]`: each is a
//! standalone crate, and this is all they share.

use std::time::Duration;

/// Peak resident set size in KiB, from /proc (avoids a libc dependency).
fn max_rss_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reports the contender as failed and exits.
pub fn fail(name: &str, msg: &str) -> ! {
    println!("{{\"name\":\"{name}\",\"error\":{:?}}}", msg);
    std::process::exit(1);
}

/// Prints a finished run. `count` is a contender's own counter, as `"key":value`. There is no
/// event loop here, so "busy" is the one thread's wall time, which it spends parsing.
pub fn report(name: &str, records: u64, count: (&str, u64), bytes: u64, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    let mb = bytes as f64 / 1e6;
    let rss_mib = max_rss_kib().map_or("null".to_string(), |k| format!("{:.1}", k / 1024.0));
    let (key, value) = count;
    println!(
        "{{\"name\":\"{name}\",\"records\":{records},\"checksum\":null,\"{key}\":{value},\
\"bytes\":{bytes},\"seconds\":{seconds:.3},\"mbPerSec\":{:.2},\"maxRssMiB\":{rss_mib},\
\"elDelayP99Ms\":null,\"elDelayMaxMs\":null,\"busyMsPerMB\":{:.2}}}",
        mb / seconds,
        seconds * 1000.0 / mb
    );
}
