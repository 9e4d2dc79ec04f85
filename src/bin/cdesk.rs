//! `cdesk`: the headless Complaint Desk. Every operation the desktop app offers is reachable as
//! `cdesk call NAME JSON`, through the same core code, so scripts and tests see what users see.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};

use complaint_desk::store::{default_db_path, Store};
use complaint_desk::{api, demo, workflow, CoreError};

#[derive(Parser)]
#[command(name = "cdesk", version, about = "Complaint Desk (客诉台) command line")]
struct Cli {
    /// Database file (default: the per-user data folder the desktop app uses).
    #[arg(long, global = true, env = "CDESK_DB")]
    db: Option<PathBuf>,
    /// Pretend the current time is this RFC 3339 instant (tests, demos). Every timeline event
    /// written so is marked `clock_injected`, with the real time beside it.
    #[arg(long, global = true, env = "CDESK_NOW")]
    now: Option<String>,
    /// Act as this staff login. A login that has a password needs it: from the environment
    /// variable CDESK_PASSWORD (scripts), else asked on the terminal; refused without either.
    #[arg(long, global = true, env = "CDESK_USER", default_value = "admin")]
    user: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create or migrate the database, with default branch, departments, admin, policies and calendar.
    Init,
    /// Add realistic demo data; refused on a database that holds real complaints. New demo
    /// accounts get random passwords, printed once in the reply (`accounts`); with the
    /// environment variable CDESK_DEMO_PASSWORD set they all get that one instead (scripts and
    /// tests that sign in as them; it must meet the password rules).
    Demo {
        #[arg(long, default_value_t = 1000)]
        complaints: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Every command with the JSON schema of its arguments.
    Commands,
    /// The TypeScript types of every command (the desktop window's `ui/src/api/types.gen.ts`).
    Typescript,
    /// Run one command as the desktop app would; prints JSON.
    Call {
        name: String,
        #[arg(default_value = "{}")]
        json: String,
    },
    /// Print the open complaints with their deadlines (what the board shows).
    List {
        #[arg(long, default_value_t = 30)]
        limit: u32,
    },
    /// Check database integrity, the timeline hash chain and every signature digest.
    Verify,
    /// Write a verified online backup into the backup folder DIR (one directory per backup, with
    /// the evidence files; the folder's older backups are rotated). Prints the backup's path.
    Backup {
        #[arg(short = 'o', long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Replace the database with a verified backup (a backup directory, its manifest.json, or a
    /// bare database file of an older version). The current database is kept as a safety copy.
    Restore {
        file: PathBuf,
        /// Restore even if some evidence files of the backup cannot be found.
        #[arg(long)]
        allow_missing_attachments: bool,
        /// Restore a backup made by another installation (or of unknown origin). Without it,
        /// such a backup's preview (counts, administrators, origin) is printed and it is refused.
        #[arg(long)]
        confirm_foreign: bool,
    },
    /// Write a printable document of a complaint as PDF (receipt, not_accepted, dispatch_sheet,
    /// decision, survey_blank, survey). Run as the default `admin`, it acts as the first CS
    /// manager (the administrator does not handle complaints), like `list`.
    Pdf {
        /// Complaint number (or id).
        number: String,
        #[arg(long, default_value = "receipt")]
        form: String,
        /// zh-CN, zh-TW, en or es.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
        /// a4, or a5 (receipt only).
        #[arg(long, default_value = "a4")]
        paper: String,
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// The monthly report (R7.3) as PDF (with charts) and/or Excel workbook, e.g.
    /// `cdesk report --month 2026-03 --pdf report.pdf --xlsx report.xlsx`. Run as the default
    /// `admin`, it acts as the first CS manager, like `pdf`.
    Report {
        /// YYYY-MM (default: last month).
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        pdf: Option<PathBuf>,
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// zh-CN, zh-TW, en or es.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Export the complaints of a board filter (JSON, as `search` takes it) to XLSX or CSV,
    /// personal data masked (R7.8); the export is logged.
    Export {
        #[arg(long, default_value = "{}")]
        filter: String,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
        #[arg(long, default_value = "zh-CN")]
        lang: String,
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Import customers or workers from XLSX or CSV: a preview with per-row errors, written
    /// only with --apply and only when no row has an error.
    Import {
        /// customers or workers.
        what: String,
        file: PathBuf,
        #[arg(long)]
        apply: bool,
    },
    /// Read a saved document's number and digest (or a scanned QR text with --payload) and say
    /// whether it still matches the record: matches / mismatch / unsigned / unknown_number.
    /// Exit status 0 only when it matches.
    VerifyReceipt {
        file: Option<PathBuf>,
        #[arg(long)]
        payload: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(v) => {
            if !v.is_null() {
                out(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", serde_json::to_string_pretty(&e).unwrap_or_default());
            ExitCode::from(1)
        }
    }
}

/// Writes to stdout; a closed pipe (`cdesk list | head`) ends the output quietly instead of
/// panicking.
fn out(s: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if o.write_all(s.as_bytes()).and_then(|_| o.flush()).is_err() {
        std::process::exit(0);
    }
}

fn now(cli: &Cli) -> Result<DateTime<Utc>, Value> {
    match &cli.now {
        Some(s) => complaint_desk::clock::parse_ts("--now", s).map_err(|e| json!(e.to_api())),
        None => Ok(Utc::now()),
    }
}

fn err(e: CoreError) -> Value {
    json!(e.to_api())
}

fn open(cli: &Cli, now: DateTime<Utc>) -> Result<Store, Value> {
    let path = cli.db.clone().unwrap_or_else(default_db_path);
    let store = Store::open(&path).map_err(err)?;
    // One transaction: a first start killed half-way must not leave half the defaults behind
    // (init_defaults does nothing once a branch exists).
    let tx = store.conn.unchecked_transaction().map_err(|e| err(e.into()))?;
    workflow::settings::init_defaults(&tx, now).map_err(err)?;
    tx.commit().map_err(|e| err(e.into()))?;
    Ok(store)
}

fn run(cli: Cli) -> Result<Value, Value> {
    let now = now(&cli)?;
    match &cli.cmd {
        Cmd::Init => {
            let store = open(&cli, now)?;
            let path = cli.db.clone().unwrap_or_else(default_db_path);
            let complaints = complaint_desk::desk::complaint_count(&store.conn).map_err(err)?;
            Ok(json!({ "database": path.display().to_string(), "complaints": complaints }))
        }
        Cmd::Demo { complaints, seed } => {
            let mut store = open(&cli, now)?;
            let password = std::env::var("CDESK_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
            let r = demo::generate_with_password(&mut store, now, *complaints, *seed, password.as_deref()).map_err(err)?;
            Ok(json!(r))
        }
        Cmd::Commands => Ok(api::describe()),
        Cmd::Typescript => {
            out(&complaint_desk::tsgen::generate());
            Ok(Value::Null)
        }
        Cmd::Call { name, json: args } => {
            let args: Value = serde_json::from_str(args).map_err(|e| json!(CoreError::BadArguments(format!("JSON: {e}")).to_api()))?;
            let mut store = open(&cli, now)?;
            sign_in(&cli, &store, &cli.user)?;
            api::call(&mut store, now, &cli.user, name, args).map_err(|e| json!(e))
        }
        Cmd::List { limit } => {
            let mut store = open(&cli, now)?;
            let actor = acting_user(&store, &cli.user);
            sign_in(&cli, &store, &actor)?;
            list(&mut store, now, &actor, *limit)?;
            Ok(Value::Null)
        }
        Cmd::Verify => {
            let store = open(&cli, now)?;
            let report = complaint_desk::maintenance::verify::verify_database(&store.conn, Some(&store.attachments_dir())).map_err(err)?;
            let ok = report.ok;
            let report = json!(report);
            if ok {
                Ok(report)
            } else {
                Err(json!({ "code": "integrity", "message_key": "error.integrity", "details": report }))
            }
        }
        Cmd::Backup { output } => {
            let mut store = open(&cli, now)?;
            sign_in(&cli, &store, &cli.user)?;
            let args = json!({ "folder": absolute(output).display().to_string() });
            api::call(&mut store, now, &cli.user, "backup_now", args).map_err(|e| json!(e))
        }
        Cmd::Pdf { number, form, lang, paper, output } => {
            let mut store = open(&cli, now)?;
            let actor = acting_user(&store, &cli.user);
            sign_in(&cli, &store, &actor)?;
            let lang = complaint_desk::docs::Lang::parse(lang).map(|l| l.as_str().to_string()).unwrap_or_else(|| lang.clone());
            let args = json!({
                "complaint": number, "form": form.trim().to_lowercase(), "lang": lang, "paper": paper.trim().to_lowercase(),
                "path": output.display().to_string(),
            });
            api::call(&mut store, now, &actor, "export_document", args).map_err(|e| json!(e))
        }
        Cmd::VerifyReceipt { file, payload } => {
            let mut store = open(&cli, now)?;
            sign_in(&cli, &store, &cli.user)?;
            let args = json!({ "path": file.as_ref().map(|f| f.display().to_string()), "payload": payload });
            let r = api::call(&mut store, now, &cli.user, "verify_receipt", args).map_err(|e| json!(e))?;
            if r["status"] != "matches" {
                out(&format!("{}\n", serde_json::to_string_pretty(&r).unwrap_or_default()));
                std::process::exit(3);
            }
            Ok(r)
        }
        Cmd::Report { month, pdf, xlsx, lang } => {
            let mut store = open(&cli, now)?;
            let actor = acting_user(&store, &cli.user);
            sign_in(&cli, &store, &actor)?;
            let lang = complaint_desk::docs::Lang::parse(lang).map(|l| l.as_str().to_string()).unwrap_or_else(|| lang.clone());
            let args = json!({
                "month": month, "lang": lang,
                "pdf_path": pdf.as_ref().map(|p| p.display().to_string()),
                "xlsx_path": xlsx.as_ref().map(|p| p.display().to_string()),
            });
            api::call(&mut store, now, &actor, "export_monthly_report", args).map_err(|e| json!(e))
        }
        Cmd::Export { filter, format, lang, output } => {
            let filter: Value =
                serde_json::from_str(filter).map_err(|e| json!(CoreError::BadArguments(format!("--filter: {e}")).to_api()))?;
            let mut store = open(&cli, now)?;
            let actor = acting_user(&store, &cli.user);
            sign_in(&cli, &store, &actor)?;
            let lang = complaint_desk::docs::Lang::parse(lang).map(|l| l.as_str().to_string()).unwrap_or_else(|| lang.clone());
            let args =
                json!({ "filter": filter, "format": format.trim().to_lowercase(), "lang": lang, "path": output.display().to_string() });
            api::call(&mut store, now, &actor, "export_complaints", args).map_err(|e| json!(e))
        }
        Cmd::Import { what, file, apply } => {
            let mut store = open(&cli, now)?;
            let name = match what.trim() {
                "customers" => "import_customers",
                "workers" => "import_workers",
                other => return Err(json!(CoreError::BadArguments(format!("import what? {other} (customers or workers)")).to_api())),
            };
            sign_in(&cli, &store, &cli.user)?;
            let args = json!({ "path": file.display().to_string(), "dry_run": !apply });
            api::call(&mut store, now, &cli.user, name, args).map_err(|e| json!(e))
        }
        Cmd::Restore { file, allow_missing_attachments, confirm_foreign } => {
            let mut store = open(&cli, now)?;
            sign_in(&cli, &store, &cli.user)?;
            let path = absolute(file).display().to_string();
            let args = json!({ "path": path, "allow_missing_attachments": allow_missing_attachments, "confirm_foreign": confirm_foreign });
            match api::call(&mut store, now, &cli.user, "restore_backup", args) {
                Err(e) if e.message_key == "error.precondition.backup_foreign_unconfirmed" => {
                    // What the backup would bring in, so that the operator can decide.
                    if let Ok(preview) = api::call(&mut store, now, &cli.user, "preview_restore", json!({ "path": path })) {
                        out(&format!("{}\n", serde_json::to_string_pretty(&preview).unwrap_or_default()));
                    }
                    eprintln!("this backup was made by another installation: check the preview above and run again with --confirm-foreign");
                    Err(json!(e))
                }
                r => r.map_err(|e| json!(e)),
            }
        }
    }
}

/// Proves the caller may act as `login` before any command runs as them: a login that has a
/// password needs it (CDESK_PASSWORD, or asked on a terminal), checked and throttled like a
/// sign-in at the desk, on the real clock (an injected `--now` must not shorten a hold). A login
/// without a password (the administrator of a database made by `cdesk init`, before one is
/// set) needs none. From here on, with `--now` given, every event is marked as backdated.
fn sign_in(cli: &Cli, store: &Store, login: &str) -> Result<(), Value> {
    use std::io::IsTerminal;
    let has_password = complaint_desk::desk::needs_password(&store.conn, login).map_err(err)?;
    if has_password {
        let password = match std::env::var("CDESK_PASSWORD") {
            Ok(p) => p,
            Err(_) if std::io::stdin().is_terminal() => {
                rpassword::prompt_password(format!("{login} 的密码 / password: ")).map_err(|e| err(CoreError::Io(e)))?
            }
            Err(_) => return Err(err(CoreError::precondition("R7.7", "password_required"))),
        };
        complaint_desk::desk::check_credentials(&store.conn, Utc::now(), login, &password).map_err(err)?;
    }
    if cli.now.is_some() {
        complaint_desk::timeline::set_clock_injected(true);
    }
    Ok(())
}

/// The run command's default view: the open complaints, most urgent first, in local time.
fn list(store: &mut Store, now: DateTime<Utc>, user: &str, limit: u32) -> Result<(), Value> {
    let tz = complaint_desk::desk::display_tz(&store.conn);
    let args = json!({ "filter": { "open_only": true }, "limit": limit, "with_total": true });
    // Listing is read-only; run it as the first CS manager when the caller is the administrator,
    // who is not allowed to see complaints in lists.
    let actor = acting_user(store, user);
    let res = api::call(store, now, &actor, "board", args).map_err(|e| json!(e))?;
    let total = res["total"].as_i64().unwrap_or(0);
    out(&format!("未结投诉 / open complaints: {total}  (now {})\n", now.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")));
    out(&format!(
        "{:<18} {:<17} {:<8} {:<7} {:<14} {:<17} {}\n",
        "编号 number", "阶段 stage", "客户", "性质", "电话 phone", "最近时限 due", "状态"
    ));
    for c in res["items"].as_array().into_iter().flatten() {
        let due = c["next_due_at"].as_str().map(|d| complaint_desk::clock::local(d, tz)).unwrap_or_else(|| "-".into());
        out(&format!(
            "{:<18} {:<17} {:<8} {:<7} {:<14} {:<17} {}\n",
            c["number"].as_str().unwrap_or(""),
            c["stage"].as_str().unwrap_or(""),
            c["customer_name"].as_str().unwrap_or(""),
            c["nature"].as_str().unwrap_or(""),
            c["phone_masked"].as_str().unwrap_or(""),
            due,
            c["urgency"].as_str().unwrap_or(""),
        ));
    }
    Ok(())
}

/// A path given on the command line, made absolute against the current directory.
fn absolute(p: &std::path::Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The default `admin` does not handle complaints: reading commands run as the first CS manager.
fn acting_user(store: &Store, user: &str) -> String {
    complaint_desk::desk::reading_login(&store.conn, user)
}
