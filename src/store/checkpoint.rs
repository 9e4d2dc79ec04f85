//! WAL checkpoints on a thread of their own, off the path of the command that writes.
//!
//! In WAL mode SQLite copies the log back into the database file from inside the commit that
//! took the log past `wal_autocheckpoint` pages (1,000 by default, ~4 MB), and with
//! `synchronous=FULL` syncs the database file too: whichever command happened to cross the
//! mark waited for pages written by the commands before it. At a million complaints that was a
//! rebuilt monthly report (it keeps its lists: megabytes) and every twentieth-or-so
//! registration (issue 8, cases 4 and 5b).
//!
//! Here a second connection runs a PASSIVE checkpoint a moment after the log has grown: PASSIVE
//! never waits for readers or the writer and never blocks them, so commands go on while it
//! copies. Durability does not change: each commit is synced in the log as before, and a
//! checkpoint interrupted by a crash is redone from the log at the next open. The store's own
//! connection keeps a high automatic mark as a backstop for bulk writers (the demo generator,
//! an import) that outrun this thread.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// How often the thread looks at the log.
const TICK: Duration = Duration::from_millis(250);

/// The automatic mark of the store's own connection while the thread runs, in pages
/// (8,192 × 4 KB = 32 MB).
pub const BACKSTOP_PAGES: i64 = 8192;

pub struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread, which opens its own connection to the database file at `path`: on
    /// the thread, so that opening the store (the app's start, every CLI call) does not wait
    /// for it. Should that connection fail to open, the log is copied by the store's
    /// connection at the backstop mark.
    pub fn start(path: &Path) -> Option<Checkpointer> {
        let path = path.to_path_buf();
        let (stop, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                let Ok(conn) = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                else {
                    return;
                };
                // A checkpoint syncs the log before and the database file after copying, as
                // the store's connection would have.
                if conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;").is_err() {
                    return;
                }
                // Until the store says stop (a message, or its end of the channel gone).
                while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(TICK) {
                    // Nothing to copy costs a look at the log's index. Busy or failing
                    // (a full disk) leaves the log as it is: the next tick tries again.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok()?;
        Some(Checkpointer { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel ends the loop at once; the thread's connection closes with it.
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_copied_back_by_the_thread_not_by_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).unwrap();
        conn.execute_batch("PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x BLOB);").unwrap();
        let cp = Checkpointer::start(&path).expect("started");
        for _ in 0..50 {
            conn.execute("INSERT INTO t VALUES (zeroblob(16000))", []).unwrap();
        }
        // Within a few ticks every frame of the log is in the database file.
        let mut copied = false;
        for _ in 0..40 {
            std::thread::sleep(TICK);
            let size = std::fs::metadata(&path).unwrap().len();
            if size > 50 * 16000 {
                copied = true;
                break;
            }
        }
        // The writer never checkpoints (mark 0): only the thread can have grown the file.
        assert!(copied, "the database file grew by the rows written: the log was copied back");
        drop(cp);
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 50);
    }
}
