//! How long the window's calls take on the desk: what support and the start-up benchmark need
//! to tell "the database is slow" from "the call waited behind another one" (issue 8).
//!
//! A call that ran longer than [`SLOW`] goes to the app's log (its name and times only: no
//! arguments, nothing personal). With `CDESK_TRACE_CALLS=FILE` every call, and the start-up
//! steps, are appended to FILE as `epoch_ms name waited_ms ran_ms` — for measuring, not for staff.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::applog;

/// A call slower than this is worth a line in the log.
const SLOW: Duration = Duration::from_secs(1);

static TRACE: OnceLock<Option<Mutex<File>>> = OnceLock::new();

fn trace() -> Option<&'static Mutex<File>> {
    TRACE
        .get_or_init(|| {
            let path = std::env::var_os("CDESK_TRACE_CALLS").filter(|v| !v.is_empty())?;
            OpenOptions::new().create(true).append(true).open(path).ok().map(Mutex::new)
        })
        .as_ref()
}

fn epoch_ms(at: Instant) -> f64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (now.saturating_sub(at.elapsed())).as_secs_f64() * 1e3
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One call: asked for at `asked`, the desk free at `started`, done now.
pub fn record(what: &str, asked: Instant, started: Instant) {
    let (waited, ran) = (started.duration_since(asked), started.elapsed());
    if ran >= SLOW {
        applog::info(&format!("slow call: {what} ran {:.0} ms (waited {:.0} ms for the desk)", ms(ran), ms(waited)));
    }
    append(what, asked, waited, ran);
}

/// A start-up step that took from `since` to now (traced only).
pub fn step(what: &str, since: Instant) {
    append(what, since, Duration::ZERO, since.elapsed());
}

/// One line of the trace file, when there is one.
fn append(what: &str, at: Instant, waited: Duration, ran: Duration) {
    if let Some(f) = trace() {
        let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(f, "{:.1} {what} {:.2} {:.2}", epoch_ms(at), ms(waited), ms(ran));
    }
}
