//! The desk: one open database plus the staff member signed in at this PC. The desktop shell holds
//! exactly one `Desk` and forwards every UI request to it, so sign-in, the idle lock and sign-in
//! throttling are core rules tested here, not window code.
//!
//! Why the idle lock is enforced here and not only in the window: a branch PC is shared, and a
//! screen that merely looks locked while the backend still takes orders is not locked.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use crate::auth::{self, Actor};
use crate::clock::{stored_ts, ts};
use crate::error::{ApiError, CoreError, Result};
use crate::ops::Op;
use crate::store::Store;
use crate::workflow::{load, settings};
use crate::{api, demo, timeline};

/// Failed sign-ins allowed before the login is held back.
pub const MAX_FAILURES: i64 = 5;
/// How long a login is held back after too many failures.
pub const HOLD_SECONDS: i64 = 60;
/// Failed sign-ins across all logins, within `DESK_WINDOW_MINUTES`, that hold every login back
/// until they age out of the window: guessing one password at many logins is throttled too.
pub const DESK_MAX_FAILURES: i64 = 20;
pub const DESK_WINDOW_MINUTES: i64 = 10;

/// What the window may ask for in the background: lists and reminders, never anything that writes
/// a file or changes a record.
const PEEKABLE: &[Op] = &[Op::DueAlerts, Op::Board, Op::Search, Op::Escalations, Op::Whoami, Op::GetComplaint, Op::Timeline];

struct Session {
    login: String,
    last_active: DateTime<Utc>,
    locked: bool,
}

pub struct Desk {
    pub store: Store,
    session: Option<Session>,
    /// Whether the database holds demo data: asked at every start and sign-in, and it only
    /// changes at setup, so it is read once (it was a scan of the whole timeline: ~0.5 s at
    /// 100k complaints, issue 8 case 7).
    demo: Option<bool>,
    /// Set once the database is known to be set up; it never goes back (see [`is_set_up`]).
    set_up: bool,
}

/// The reply of the first-run setup: the desk's state, and the demo accounts it created with
/// their passwords, shown this once.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SetupReply {
    pub status: DeskStatus,
    pub demo_accounts: Vec<demo::DemoAccount>,
}

/// What the window needs to decide which screen to show.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeskStatus {
    /// The database has never been set up: the unauthenticated first-run setup must run before
    /// anyone signs in. Never true again once setup ran, a password exists or a complaint does.
    pub first_run: bool,
    pub user: Option<Actor>,
    pub locked: bool,
    pub idle_lock_minutes: i64,
    pub database: String,
    /// The database holds demo data: the window shows a permanent "not for customers" banner.
    pub demo: bool,
}

impl Desk {
    /// Opens (creating on first run) the database and its shipped defaults.
    pub fn open(path: &Path, now: DateTime<Utc>) -> Result<Desk> {
        let store = Store::open(path)?;
        settings::init_defaults(&store.conn, now)?;
        Ok(Desk { store, session: None, demo: None, set_up: false })
    }

    pub fn from_store(store: Store, now: DateTime<Utc>) -> Result<Desk> {
        settings::init_defaults(&store.conn, now)?;
        Ok(Desk { store, session: None, demo: None, set_up: false })
    }

    fn idle_minutes(&self) -> i64 {
        load::setting_i64(&self.store.conn, "idle_lock_minutes", 15).unwrap_or(15).clamp(1, 24 * 60)
    }

    /// Locks the session when it has been idle longer than the configured time.
    fn apply_idle(&mut self, now: DateTime<Utc>) {
        let limit = Duration::minutes(self.idle_minutes());
        if let Some(s) = self.session.as_mut() {
            if !s.locked && now - s.last_active > limit {
                s.locked = true;
            }
        }
    }

    pub fn status(&mut self, now: DateTime<Utc>) -> Result<DeskStatus> {
        self.apply_idle(now);
        if !self.set_up {
            self.set_up = is_set_up(&self.store.conn)?;
        }
        let first_run = !self.set_up;
        let conn = &self.store.conn;
        let user = match &self.session {
            Some(s) => auth::actor_by_login(conn, &s.login).ok(),
            None => None,
        };
        let demo = match self.demo {
            Some(d) => d,
            None => {
                // The demo generator's event has no complaint: the `events_complaint` index's
                // NULL part holds it, a small fraction of the timeline.
                let d =
                    conn.query_row("SELECT EXISTS (SELECT 1 FROM events WHERE complaint_id IS NULL AND kind = 'demo_loaded')", [], |r| {
                        r.get::<_, bool>(0)
                    })?;
                self.demo = Some(d);
                d
            }
        };
        let conn = &self.store.conn;
        Ok(DeskStatus {
            first_run,
            user,
            locked: self.session.as_ref().is_some_and(|s| s.locked),
            idle_lock_minutes: self.idle_minutes(),
            database: conn.path().unwrap_or("").to_string(),
            demo,
        })
    }

    /// First run: sets the administrator's password and, if asked, loads demo data (whose staff
    /// accounts get random passwords, returned this once). Refused on a database that has been
    /// set up in any way ([`is_set_up`]): it runs unauthenticated, so it must never come back.
    pub fn setup(&mut self, now: DateTime<Utc>, admin_password: &str, demo_complaints: usize) -> Result<SetupReply> {
        if is_set_up(&self.store.conn)? {
            self.set_up = true;
            return Err(CoreError::precondition("R7.7", "already_set_up"));
        }
        let hash = auth::hash_password(admin_password)?;
        // The administrator and the marker first, in one transaction: demo data (batches of
        // their own) that fails half-way leaves a set-up desk, never an open first run.
        let tx = self.store.conn.transaction()?;
        let n = tx.execute(
            "UPDATE users SET password_hash = ?1, must_change_password = 0 WHERE login = 'admin' AND role = 'admin' AND active = 1",
            params![hash],
        )?;
        if n != 1 {
            return Err(CoreError::NotFound { what: "user", key: "admin".into() });
        }
        timeline::append(&tx, None, now, None, "set_up", &serde_json::json!({ "demo_complaints": demo_complaints }))?;
        tx.commit()?;
        self.set_up = true;
        let demo_accounts =
            if demo_complaints > 0 { demo::generate(&mut self.store, now, demo_complaints.min(200_000), 42)?.accounts } else { Vec::new() };
        self.demo = None;
        Ok(SetupReply { status: self.status(now)?, demo_accounts })
    }

    /// Signs a staff member in. Wrong passwords and unknown logins get the same answer, in the
    /// same time ([`check_credentials`]).
    pub fn login(&mut self, now: DateTime<Utc>, login: &str, password: &str) -> Result<Actor> {
        let login = login.trim();
        check_credentials(&self.store.conn, now, login, password)?;
        let conn = &self.store.conn;
        let actor = auth::actor_by_login(conn, login)?;
        timeline::append(conn, None, now, Some(&actor.id), "signed_in", &serde_json::json!({ "login": login }))?;
        self.session = Some(Session { login: login.to_string(), last_active: now, locked: false });
        Ok(actor)
    }

    pub fn logout(&mut self, now: DateTime<Utc>) -> Result<()> {
        if let Some(s) = self.session.take() {
            let actor = auth::actor_by_login(&self.store.conn, &s.login).ok();
            timeline::append(
                &self.store.conn,
                None,
                now,
                actor.as_ref().map(|a| a.id.as_str()),
                "signed_out",
                &serde_json::json!({ "login": s.login }),
            )?;
        }
        Ok(())
    }

    /// Locks the screen at once (the user stepped away and pressed "lock").
    pub fn lock(&mut self) {
        if let Some(s) = self.session.as_mut() {
            s.locked = true;
        }
    }

    /// Unlocks with the signed-in user's password; a different person must sign out first.
    pub fn unlock(&mut self, now: DateTime<Utc>, password: &str) -> Result<Actor> {
        let login = self.session.as_ref().map(|s| s.login.clone()).ok_or(CoreError::Unauthenticated)?;
        let actor = self.login(now, &login, password)?;
        Ok(actor)
    }

    /// Activity in the window (typing, clicking) keeps the session from locking.
    pub fn touch(&mut self, now: DateTime<Utc>) -> Result<()> {
        self.active_login(now).map(|_| ())
    }

    fn active_login(&mut self, now: DateTime<Utc>) -> Result<String> {
        self.apply_idle(now);
        match self.session.as_mut() {
            None => Err(CoreError::Unauthenticated),
            Some(s) if s.locked => Err(CoreError::Locked),
            Some(s) => {
                s.last_active = now;
                Ok(s.login.clone())
            }
        }
    }

    /// A read the window makes by itself (notification polling, countdown refresh): refused when
    /// signed out or locked, allowed only for read-only commands, and not counted as activity,
    /// so background polling never keeps an unattended PC unlocked.
    pub fn peek_json(&mut self, now: DateTime<Utc>, name: &str, args: Value) -> std::result::Result<String, ApiError> {
        self.apply_idle(now);
        let login = match &self.session {
            None => return Err(CoreError::Unauthenticated.to_api()),
            Some(s) if s.locked => return Err(CoreError::Locked.to_api()),
            Some(s) => s.login.clone(),
        };
        if !Op::from_name(name).is_some_and(|op| PEEKABLE.contains(&op) && op.read_only()) {
            return Err(CoreError::BadArguments(format!("{name} is not a read-only command")).to_api());
        }
        api::call_raw(&mut self.store, now, &login, name, args)
    }

    /// Runs one command of the registry as the signed-in user.
    /// The reply is JSON text, handed to the window as is.
    pub fn call_json(&mut self, now: DateTime<Utc>, name: &str, args: Value) -> std::result::Result<String, ApiError> {
        let login = self.active_login(now).map_err(|e| e.to_api())?;
        api::call_raw(&mut self.store, now, &login, name, args)
    }

    /// `call_json` with the reply as a value (the CLI and tests).
    pub fn call(&mut self, now: DateTime<Utc>, name: &str, args: Value) -> std::result::Result<Value, ApiError> {
        parse_reply(self.call_json(now, name, args)?)
    }

    /// `peek_json` with the reply as a value.
    pub fn peek(&mut self, now: DateTime<Utc>, name: &str, args: Value) -> std::result::Result<Value, ApiError> {
        parse_reply(self.peek_json(now, name, args)?)
    }

    /// The session check of `call_json` for what the shell does itself (printing, previews,
    /// the app's paths): the same idle lock and sign-in, so a locked screen refuses those too
    /// (issue 25, item 6). Counts as activity, like any command the user asked for.
    pub fn require_active(&mut self, now: DateTime<Utc>) -> Result<Actor> {
        let login = self.active_login(now)?;
        auth::actor_by_login(&self.store.conn, &login)
    }
}

/// Whether the database has been set up: the first-run setup ran (its `set_up` event is in the
/// append-only timeline), or any account has a password, or any complaint exists (a database
/// made with `cdesk`). Deactivating the administrator or clearing their hash changes none of
/// these, so the unauthenticated setup cannot be brought back to take the desk over.
pub fn is_set_up(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE complaint_id IS NULL AND kind = 'set_up')
             OR EXISTS (SELECT 1 FROM users WHERE password_hash IS NOT NULL)
             OR EXISTS (SELECT 1 FROM complaints)",
        [],
        |r| r.get(0),
    )?)
}

/// How many complaints the database holds, for `cdesk init`'s answer.
pub fn complaint_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM complaints", [], |r| r.get(0))?)
}

/// Whether signing in as `login` needs a password: the administrator of a database made by
/// `cdesk init` has none until one is set, and the CLI then asks for none.
pub fn needs_password(conn: &Connection, login: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE login = ?1 AND password_hash IS NOT NULL)", [login], |r| r.get(0))?)
}

/// The office's time zone for showing instants: the first branch's, or Shanghai's on a database
/// without a readable one (display only; the rules use each branch's own zone).
pub fn display_tz(conn: &Connection) -> chrono_tz::Tz {
    conn.query_row("SELECT tz FROM branches ORDER BY created_at LIMIT 1", [], |r| r.get::<_, String>(0))
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Who reads complaints for `login`: the default `admin` does not handle complaints and may not
/// list them, so its reading commands run as the first active CS manager (or agent).
pub fn reading_login(conn: &Connection, login: &str) -> String {
    if login == "admin" {
        conn.query_row(
            "SELECT login FROM users WHERE role IN ('cs_manager','cs_agent') AND active = 1 ORDER BY role DESC, login LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap_or_else(|_| login.to_string())
    } else {
        login.to_string()
    }
}

/// Checks a login's password, as the window's sign-in and unlock and the CLI do. Held back after
/// `MAX_FAILURES` failures of one login for `HOLD_SECONDS`, and for every login while the desk
/// has had `DESK_MAX_FAILURES` failures in `DESK_WINDOW_MINUTES`. A login that does not exist,
/// is inactive or has no password costs one Argon2 verification like any other, so neither the
/// answer nor its timing tells which logins exist.
pub fn check_credentials(conn: &Connection, now: DateTime<Utc>, login: &str, password: &str) -> Result<()> {
    let too_many = || CoreError::Precondition { rule: "R7.7", reason: "too_many_attempts".into() };
    let held: Option<(i64, String)> = conn
        .query_row("SELECT failures, last_at FROM sign_in_failures WHERE login = ?1", params![login], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((n, last)) = &held {
        let wait = HOLD_SECONDS - (now - stored_ts(last)).num_seconds();
        if *n >= MAX_FAILURES && wait > 0 {
            return Err(too_many());
        }
    }
    let window_start = ts(now - Duration::minutes(DESK_WINDOW_MINUTES));
    let recent: i64 = conn.query_row("SELECT COUNT(*) FROM desk_sign_in_failures WHERE at > ?1", params![window_start], |r| r.get(0))?;
    if recent >= DESK_MAX_FAILURES {
        return Err(too_many());
    }
    let row: Option<(Option<String>, bool)> = conn
        .query_row("SELECT password_hash, active FROM users WHERE login = ?1", params![login], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let ok = match &row {
        Some((Some(h), active)) => auth::verify_password(password, h) && *active,
        _ => auth::verify_against_dummy(password),
    };
    if !ok {
        conn.execute(
            "INSERT INTO sign_in_failures (login, failures, last_at) VALUES (?1, 1, ?2)
             ON CONFLICT (login) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at",
            params![login, ts(now)],
        )?;
        conn.execute("DELETE FROM desk_sign_in_failures WHERE at < ?1", params![ts(now - Duration::days(1))])?;
        conn.execute("INSERT INTO desk_sign_in_failures (at) VALUES (?1)", params![ts(now)])?;
        return Err(CoreError::invalid("password", "wrong_login_or_password"));
    }
    conn.execute("DELETE FROM sign_in_failures WHERE login = ?1", params![login])?;
    Ok(())
}

fn parse_reply(json: String) -> std::result::Result<Value, ApiError> {
    serde_json::from_str(&json).map_err(|e| CoreError::Integrity(format!("reading a reply: {e}")).to_api())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn desk() -> Desk {
        let now = t("2026-03-10T02:00:00Z");
        let mut d = Desk::from_store(Store::open_in_memory().unwrap(), now).unwrap();
        d.setup(now, "admin-pass", 0).unwrap();
        d
    }

    #[test]
    fn nothing_runs_before_sign_in() {
        // R7.7: every operation is taken by a signed-in staff member.
        let mut d = desk();
        let e = d.call(t("2026-03-10T02:01:00Z"), "whoami", Value::Null).unwrap_err();
        assert_eq!(e.code, "unauthenticated");
        d.login(t("2026-03-10T02:01:00Z"), "admin", "admin-pass").unwrap();
        let me = d.call(t("2026-03-10T02:02:00Z"), "whoami", Value::Null).unwrap();
        assert_eq!(me["login"], "admin");
    }

    #[test]
    fn background_reads_do_not_keep_the_session_open() {
        // R7.7: polling for notifications is not activity, and writes cannot sneak through it.
        let mut d = desk();
        let t0 = t("2026-03-10T02:00:00Z");
        d.login(t0, "admin", "admin-pass").unwrap();
        for m in [5, 10, 14] {
            assert!(d.peek(t0 + Duration::minutes(m), "whoami", Value::Null).is_ok());
        }
        assert_eq!(d.peek(t0 + Duration::minutes(16), "whoami", Value::Null).unwrap_err().code, "locked");
        d.unlock(t0 + Duration::minutes(17), "admin-pass").unwrap();
        let e = d.peek(t0 + Duration::minutes(18), "set_setting", serde_json::json!({"key": "batch_threshold", "value": 4})).unwrap_err();
        assert_eq!(e.code, "bad_arguments", "peek must refuse commands that change data");
    }

    #[test]
    fn setup_runs_once() {
        let mut d = desk();
        let e = d.setup(t("2026-03-10T02:05:00Z"), "other-pass", 0).unwrap_err();
        assert_eq!(e.code(), "precondition", "a second setup must not replace the admin password");
    }

    #[test]
    fn setup_cannot_come_back_after_the_admin_is_reset_or_deactivated() {
        // R7.7: the first-run setup runs unauthenticated. It used to reopen as soon as the
        // earliest active administrator had no password: a second admin deactivating the first,
        // or a hash cleared in the file, handed the desk to whoever sat down next.
        let now = t("2026-03-10T02:00:00Z");
        let mut d = desk();
        d.login(now, "admin", "admin-pass").unwrap();
        d.call(
            now,
            "upsert_user",
            serde_json::json!({ "login": "admin2", "name": "第二管理员", "role": "admin", "password": "Second-Admin-77" }),
        )
        .unwrap();
        let mut fresh = Desk::from_store(std::mem::replace(&mut d.store, Store::open_in_memory().unwrap()), now).unwrap();
        fresh.store.conn.execute("UPDATE users SET active = 0 WHERE login = 'admin'", []).unwrap();
        assert!(!fresh.status(now).unwrap().first_run, "a deactivated first admin must not reopen the setup");
        fresh.store.conn.execute("UPDATE users SET password_hash = NULL, active = 1 WHERE login = 'admin'", []).unwrap();
        fresh.store.conn.execute("UPDATE users SET password_hash = NULL WHERE login = 'admin2'", []).unwrap();
        let mut fresh = Desk::from_store(std::mem::replace(&mut fresh.store, Store::open_in_memory().unwrap()), now).unwrap();
        assert!(!fresh.status(now).unwrap().first_run, "cleared hashes must not reopen the setup");
        let e = fresh.setup(now, "taken-over-99", 0).unwrap_err();
        assert_eq!(e.to_api().message_key, "error.precondition.already_set_up");
        assert!(fresh.login(now, "admin", "taken-over-99").is_err(), "the refused setup set no password");
    }

    #[test]
    fn a_database_made_with_cdesk_is_not_a_first_run() {
        // Demo staff with passwords, or any complaint, mean the database is in use.
        let now = t("2026-03-10T02:00:00Z");
        let mut store = Store::open_in_memory().unwrap();
        settings::init_defaults(&store.conn, now).unwrap();
        let mut d = Desk::from_store(Store::open_in_memory().unwrap(), now).unwrap();
        assert!(d.status(now).unwrap().first_run, "an empty database is a first run");
        demo::generate_with_password(&mut store, now, 0, 1, Some("Tea-Garden-2026")).unwrap();
        let mut d2 = Desk::from_store(store, now).unwrap();
        assert!(!d2.status(now).unwrap().first_run);
        assert_eq!(d2.setup(now, "admin-pass", 0).unwrap_err().code(), "precondition");
    }

    #[test]
    fn the_default_setup_loads_no_demo_and_a_demo_setup_shows_its_random_passwords_once() {
        // Issue 25 item 1: no demo data unless asked; demo accounts never share a known password.
        let now = t("2026-03-10T02:00:00Z");
        let mut d = Desk::from_store(Store::open_in_memory().unwrap(), now).unwrap();
        let r = d.setup(now, "admin-pass", 0).unwrap();
        assert!(!r.status.demo && r.demo_accounts.is_empty());
        let users: i64 = d.store.conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).unwrap();
        assert_eq!(users, 1, "only the administrator");

        let mut d = Desk::from_store(Store::open_in_memory().unwrap(), now).unwrap();
        let r = d.setup(now, "admin-pass", 3).unwrap();
        assert!(r.status.demo, "the banner's flag is on");
        let manager = r.demo_accounts.iter().find(|a| a.login == "manager").expect("the demo manager is reported");
        let cs01 = r.demo_accounts.iter().find(|a| a.login == "cs01").unwrap();
        assert_ne!(manager.password, cs01.password, "every demo account has a password of its own");
        assert!(d.login(now, "manager", "123456").is_err(), "the old shared demo password is gone");
        d.login(now, "manager", &manager.password).expect("the reported password signs in");
    }

    #[test]
    fn accounts_set_by_an_administrator_must_change_their_password_first() {
        // R7.7: an administrator who typed a colleague's password knows it; only the owner's
        // own choice makes the account theirs. Until then nothing but the change is allowed.
        let now = t("2026-03-10T02:00:00Z");
        let mut d = desk();
        d.login(now, "admin", "admin-pass").unwrap();
        d.call(
            now,
            "upsert_user",
            serde_json::json!({ "login": "newbie", "name": "新同事", "role": "cs_agent", "password": "Given-By-Admin-1" }),
        )
        .unwrap();
        d.logout(now).unwrap();
        let me = d.login(now, "newbie", "Given-By-Admin-1").unwrap();
        assert!(me.must_change_password, "sign-in tells the window to ask for a new password");
        for (cmd, args) in [
            ("board", serde_json::json!({})),
            ("register", serde_json::json!({})),
            ("save_view", serde_json::json!({"name": "x", "filter": {}})),
        ] {
            assert_eq!(d.call(now, cmd, args.clone()).unwrap_err().code, "password_change_required", "{cmd}");
            assert_eq!(d.peek(now, "board", serde_json::json!({})).unwrap_err().code, "password_change_required");
        }
        assert_eq!(d.call(now, "whoami", Value::Null).unwrap()["must_change_password"], true);
        let same = d
            .call(now, "set_password", serde_json::json!({ "current_password": "Given-By-Admin-1", "new_password": "Given-By-Admin-1" }))
            .unwrap_err();
        assert_eq!(same.message_key, "error.invalid.password_unchanged");
        d.call(now, "set_password", serde_json::json!({ "current_password": "Given-By-Admin-1", "new_password": "My-Own-Secret-9" }))
            .unwrap();
        assert!(d.call(now, "board", serde_json::json!({})).is_ok(), "after the change the account works");
        // An administrator's reset puts the flag back.
        d.logout(now).unwrap();
        d.login(now, "admin", "admin-pass").unwrap();
        d.call(now, "set_password", serde_json::json!({ "login": "newbie", "new_password": "Reset-By-Admin-2" })).unwrap();
        d.logout(now).unwrap();
        assert!(d.login(now, "newbie", "Reset-By-Admin-2").unwrap().must_change_password);
    }

    #[test]
    fn failures_across_many_logins_hold_the_whole_desk() {
        // R7.7: one guess at each of many logins never hit the per-login limit.
        let mut d = desk();
        let t0 = t("2026-03-10T02:00:00Z");
        for i in 0..DESK_MAX_FAILURES {
            let e = d.login(t0 + Duration::seconds(i), &format!("user{i}"), "guess-guess").unwrap_err();
            assert_eq!(e.code(), "invalid");
        }
        let e = d.login(t0 + Duration::seconds(30), "admin", "admin-pass").unwrap_err();
        assert_eq!(e.to_api().message_key, "error.precondition.too_many_attempts", "every login waits, the right password too");
        d.login(t0 + Duration::minutes(DESK_WINDOW_MINUTES) + Duration::seconds(30), "admin", "admin-pass")
            .expect("once the failures age out of the window, sign-in works again");
    }

    #[test]
    fn unknown_logins_cost_a_full_password_verification() {
        // Equal timing: an unknown, inactive or password-less login runs Argon2 like a wrong
        // password does (counted, since timing is too noisy to assert on a shared machine).
        let mut d = desk();
        let now = t("2026-03-10T02:00:00Z");
        d.store
            .conn
            .execute("INSERT INTO users (id, login, name, role, created_at) VALUES ('u-np', 'nopass', '无密码', 'cs_agent', ?1)", [ts(now)])
            .unwrap();
        for login in ["nobody", "nopass", "admin"] {
            let before = auth::verifications_on_this_thread();
            assert!(d.login(now, login, "whatever-pass").is_err());
            assert_eq!(auth::verifications_on_this_thread() - before, 1, "{login}: one Argon2 verification");
        }
    }

    #[test]
    fn idle_sessions_lock_and_unlock_with_the_password() {
        // R7.7 on a shared branch PC: the idle lock is enforced by the backend.
        let mut d = desk();
        let t0 = t("2026-03-10T02:00:00Z");
        d.login(t0, "admin", "admin-pass").unwrap();
        assert!(d.call(t0 + Duration::minutes(14), "whoami", Value::Null).is_ok());
        let e = d.call(t0 + Duration::minutes(30), "whoami", Value::Null).unwrap_err();
        assert_eq!(e.code, "locked", "15 idle minutes must lock the session");
        assert!(d.unlock(t0 + Duration::minutes(31), "wrong-pass").is_err());
        assert!(d.call(t0 + Duration::minutes(31), "whoami", Value::Null).is_err(), "a failed unlock keeps it locked");
        d.unlock(t0 + Duration::minutes(32), "admin-pass").unwrap();
        assert!(d.call(t0 + Duration::minutes(33), "whoami", Value::Null).is_ok());
    }

    #[test]
    fn repeated_failures_hold_the_login_back() {
        // R7.7: guessing passwords is throttled.
        let mut d = desk();
        let t0 = t("2026-03-10T02:00:00Z");
        for i in 0..MAX_FAILURES {
            let e = d.login(t0 + Duration::seconds(i), "admin", "nope-nope").unwrap_err();
            assert_eq!(e.code(), "invalid");
        }
        let e = d.login(t0 + Duration::seconds(10), "admin", "admin-pass").unwrap_err();
        assert_eq!(e.to_api().message_key, "error.precondition.too_many_attempts", "even the right password waits");
        d.login(t0 + Duration::seconds(10 + HOLD_SECONDS), "admin", "admin-pass").expect("after the hold, the right password works");
    }

    #[test]
    fn unknown_logins_and_wrong_passwords_look_the_same() {
        let mut d = desk();
        let now = t("2026-03-10T02:00:00Z");
        let a = d.login(now, "nobody", "whatever").unwrap_err().to_api();
        let b = d.login(now, "admin", "whatever").unwrap_err().to_api();
        assert_eq!(a.message_key, b.message_key, "the answer must not reveal which logins exist");
    }
}
