//! The core's integration tests, as one test binary: each file used to be its own binary, and
//! each of those linked the whole core again (23 links per `cargo test`). The modules follow the
//! rule book's sections (rule ids R1.1 …) where a test proves rules, then the program's
//! own promises: nothing lost (durability), nobody in (security), the CLI.
//!
//! Run a part with a filter: `cargo test --test it reports::`, `cargo test --test it
//! durability::crash_safety -- --nocapture`. Tests that re-run this binary in a child process
//! name their child test by its full path (`common::this_test`).

mod common;

/// §2 Classification and §3 Acceptance (受理): registration, refusal, cancellation.
mod intake {
    mod rules;
}

/// §4 Deadlines (时限) and statutory holidays (R3.9).
mod deadlines {
    mod properties;
    mod rules;
}

/// §5 Dispatch and handling, §6 Follow-up and closing, §8 the rest of the process, and the
/// lifecycle as a whole (what is offered, random operation sequences).
mod handling {
    mod allowed_actions;
    mod lifecycle_properties;
    mod rules;
    mod smoke;
}

/// §7 Records: the timeline and its integrity (R7.1, R7.11), retention and anonymisation (R7.2),
/// roles (R7.7), privacy (R7.8), search (R7.10).
mod records {
    mod anonymise_everything;
    mod integrity;
    mod privacy;
    mod retention;
    mod rules;
    mod search_listing;
}

/// §7 Analysis: the monthly report (R7.3), KPIs (R7.4), flags and ledger (R7.5, R7.9), exports
/// and imports.
mod reports {
    mod files;
    mod kpis;
    mod month_cache;
    mod month_cache_plans;
}

/// Printed documents (the rule book's list of PDFs) and where documents and exports may be written.
mod documents {
    mod output_paths;
    mod pdf;
}

/// Nothing lost: backups and restore, crashes, a full or read-only disk.
mod durability {
    mod backup_restore;
    mod crash_safety;
    mod disk_full;
}

/// Nobody in: hostile input to every command, hostile backups and imports, data at rest.
mod security {
    mod backup_hostile;
    mod data_at_rest;
    mod hostile_input;
    mod import_bounds;
}

/// `cdesk` driven as a separate process, as a script or an operator would.
mod cli {
    mod scenarios;
}

/// The layering of `src/`: arrows point down, documents import no wing, no cycle between folders.
mod architecture;
