//! Complaint Desk (客诉台) core: every rule of the complaint-handling rule book, enforced in Rust
//! over an embedded SQLite database, the same way for every caller (CLI, desktop app, import).
//! See `docs/ARCHITECTURE.md` for the map and its layers (checked by `tests/it/architecture.rs`).

pub mod api;
pub mod auth;
pub mod clock;
pub mod deadlines;
pub mod demo;
pub mod desk;
pub mod docs;
pub mod error;
pub mod lang;
pub mod maintenance;
pub mod model;
pub mod ops;
pub mod privacy;
pub mod reply;
pub mod report;
pub mod retention;
pub mod signature;
pub mod store;
pub mod timeline;
pub mod tsgen;
pub mod workflow;

pub use error::{ApiError, CoreError, Result};
pub use store::Store;
