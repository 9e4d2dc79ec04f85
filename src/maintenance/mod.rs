//! The operations wing: the commands that look after the database as a whole (backups and
//! restore, the full verification) rather than after a complaint. The store below them knows how
//! to copy, check and restore a file; the rules of who may do it and what is logged live here.

pub mod backup;
pub mod verify;
