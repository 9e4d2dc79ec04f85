//! Who may do what (R7.7) and who may see personal data (R7.8). Checked inside every operation
//! through `require`, never by callers; the matrix is the `roles` of the table in `ops`, data a
//! test can walk.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{CoreError, Result};
use crate::model::Role;
use crate::ops::Op;

use Role::*;

/// The signed-in staff member an operation runs as.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Actor {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub department_id: Option<String>,
    pub branch_id: Option<String>,
    /// The password was set by an administrator (a new account, a reset) and only its owner may
    /// choose the real one: until then every command but `set_password` and `whoami` is refused.
    pub must_change_password: bool,
}

/// The roles the operation named `op` accepts (the table in `ops`); `None` for a name that is no
/// operation, which every caller refuses.
pub fn allowed_roles(op: &str) -> Option<&'static [Role]> {
    Op::from_name(op).map(Op::roles)
}

/// Refuses the operation unless the actor's role is in its row of the table in `ops`.
pub fn require(actor: &Actor, op: Op) -> Result<()> {
    if op.allows(actor.role) {
        Ok(())
    } else {
        Err(CoreError::Forbidden { op: op.name().to_string(), role: actor.role })
    }
}

/// R7.8: only customer-service staff and branch managers need a customer's full phone number.
pub fn may_see_personal_data(role: Role) -> bool {
    matches!(role, CsAgent | CsManager | BranchManager)
}

/// R7.8: 13812345678 → 138****5678; short numbers keep only their last two digits.
pub fn mask_phone(phone: &str) -> String {
    // Runs for every card of every list: no intermediate vector of chars (issue 8 profile).
    let n = phone.chars().count();
    let mut out = String::with_capacity(phone.len() + 4);
    if n >= 7 {
        out.extend(phone.chars().take(3));
        out.push_str("****");
        out.extend(phone.chars().skip(n - 4));
    } else if n > 2 {
        out.extend(std::iter::repeat_n('*', n - 2));
        out.extend(phone.chars().skip(n - 2));
    } else {
        out.extend(std::iter::repeat_n('*', n));
    }
    out
}

/// Customer names are masked too for roles without access: 张伟 → 张*.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let mut out = String::with_capacity(first.len_utf8() + name.len());
            out.push(first);
            out.extend(std::iter::repeat_n('*', chars.count().max(1)));
            out
        }
        None => String::new(),
    }
}

/// Minimum length of a staff password. Branch PCs are shared and the database file can be
/// copied: a short password falls to an offline guess against its Argon2 hash in hours.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The first thing anyone guesses: the 10,000 most common passwords and the Chinese favourites
/// (data/README-passwords.md says where they come from).
static COMMON_LISTS: &[&str] = &[include_str!("../data/common-passwords.txt"), include_str!("../data/common-passwords-cn.txt")];

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON_LISTS.iter().flat_map(|l| l.lines()).map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// Whether a password is on the shipped common lists (case does not make `PassWord` safer), or is
/// one character repeated.
pub fn is_common_password(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    let mut chars = lower.chars();
    let repeated = chars.next().is_some_and(|first| chars.all(|c| c == first));
    repeated || common_passwords().contains(lower.as_str())
}

/// The rules a new staff password must meet, checked before anything is hashed or stored.
pub fn check_password_policy(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(CoreError::invalid("password", "password_too_short"));
    }
    if n > 200 {
        return Err(CoreError::invalid("password", "too_long"));
    }
    if is_common_password(password) {
        return Err(CoreError::invalid("password", "password_too_common"));
    }
    Ok(())
}

/// Argon2id hash in PHC string form (algorithm, parameters and salt travel with the hash, so the
/// parameters can be raised later without breaking existing accounts). Refuses passwords that
/// break [`check_password_policy`], so no path can store a weak one.
pub fn hash_password(password: &str) -> Result<String> {
    check_password_policy(password)?;
    hash_unchecked(password)
}

fn hash_unchecked(password: &str) -> Result<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Integrity(format!("password hashing: {e}")))
}

thread_local! {
    /// Argon2 verifications run on this thread: lets a test prove that an unknown login costs a
    /// full verification (timing itself is too noisy to assert on a shared machine).
    static VERIFICATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many Argon2 verifications this thread has run.
pub fn verifications_on_this_thread() -> u64 {
    VERIFICATIONS.with(|v| v.get())
}

/// Constant-time check of a password against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    VERIFICATIONS.with(|v| v.set(v.get() + 1));
    match PasswordHash::new(phc) {
        Ok(h) => argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Spends one verification against a hash nobody knows the password of, with the same Argon2
/// parameters as real accounts: an unknown login, an inactive one or one without a password then
/// takes as long to refuse as a wrong password, so timing does not tell which logins exist.
pub fn verify_against_dummy(password: &str) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_unchecked(&random_secret(24)).unwrap_or_default());
    let _ = verify_password(password, phc);
    false
}

/// A random password of `n` characters from an alphabet without look-alikes (no 0/O, 1/l/I), read
/// off the operating system's generator: the demo accounts' passwords, shown once.
pub fn random_secret(n: usize) -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        // Rejection sampling keeps every character equally likely.
        let b = (OsRng.next_u32() & 0xff) as usize;
        if b < 256 - 256 % ALPHABET.len() {
            out.push(ALPHABET[b % ALPHABET.len()] as char);
        }
    }
    out
}

/// Loads an active user by login; the CLI and the desktop app both start from here.
pub fn actor_by_login(conn: &Connection, login: &str) -> Result<Actor> {
    // Cached: every command starts here.
    conn.prepare_cached(
        "SELECT id, login, name, role, department_id, branch_id, must_change_password FROM users WHERE login = ?1 AND active = 1",
    )?
    .query_row(params![login], |r| {
        Ok(Actor {
            id: r.get(0)?,
            login: r.get(1)?,
            name: r.get(2)?,
            role: r.get(3)?,
            department_id: r.get(4)?,
            branch_id: r.get(5)?,
            must_change_password: r.get(6)?,
        })
    })
    .optional()?
    .ok_or_else(|| CoreError::NotFound { what: "user", key: login.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_like_the_rule_book_example() {
        // R7.8
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_name("张伟"), "张*");
        // Edges: short phones, non-ASCII digits, one-character and empty names.
        assert_eq!(mask_phone("1234567"), "123****4567");
        assert_eq!(mask_phone("12"), "**");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("８５２１２３４５６７８"), "８５２****５６７８");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("A"), "A*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        // R7.7: staff sign in with their own account; only the hash is stored.
        let h = hash_password("s3cret-pass").unwrap();
        assert!(h.starts_with("$argon2id$"), "the stored form must be an Argon2id PHC string: {h}");
        assert!(verify_password("s3cret-pass", &h));
        assert!(!verify_password("s3cret-pasS", &h), "a wrong password must not match");
        assert!(!verify_password("s3cret-pass", "not a hash"), "a corrupt hash must never match");
        assert!(hash_password("12345").is_err(), "short passwords are refused");
    }

    #[test]
    fn short_and_common_passwords_are_refused() {
        // R7.7: a named account is only as good as its password. Seven characters, the most
        // common passwords (in any case) and a repeated digit were all accepted before.
        let reason = |pw: &str| hash_password(pw).err().map(|e| e.to_api().message_key);
        assert_eq!(reason("abc4567").as_deref(), Some("error.invalid.password_too_short"));
        for pw in ["password", "PassWord1", "12345678", "iloveyou", "1qaz2wsx", "88888888", "woaini1314", "Kesutai123", "zzzzzzzzzz"] {
            assert_eq!(reason(pw).as_deref(), Some("error.invalid.password_too_common"), "{pw} must be refused");
        }
        assert_eq!(reason("青山绿水长流不息"), None, "eight characters of any script are fine");
        assert_eq!(reason("Tide-Lamp-7-orchid"), None);
        assert!(common_passwords().len() >= 10_000, "the shipped list is there");
        let secret = random_secret(12);
        assert_eq!(secret.chars().count(), 12);
        assert!(check_password_policy(&secret).is_ok() && secret != random_secret(12));
    }

    #[test]
    fn an_operation_without_a_row_is_refused() {
        // R7.7
        let a = Actor {
            id: "x".into(),
            login: "x".into(),
            name: "x".into(),
            role: Admin,
            department_id: None,
            branch_id: None,
            must_change_password: false,
        };
        assert!(allowed_roles("no_such_operation").is_none(), "the matrix must fail closed");
        assert!(require(&a, Op::Register).is_err(), "an administrator does not take complaints");
    }
}
