//! Exit codes: one table that `run` maps errors onto and `--help` prints, so the two never
//! disagree. Scripts rely on these numbers; never renumber them.

/// The command did what was asked.
pub const OK: u8 = 0;
/// The input was refused (a rule of the domain, an unknown ticket, a bad NIP...); nothing changed.
pub const REFUSED: u8 = 1;
/// The command line itself was wrong (unknown option, missing argument, bad date format).
pub const USAGE: u8 = 2;
/// The folder holds no initialised AMER store yet.
pub const NOT_INITIALISED: u8 = 3;
/// The database, a key file or a file named on the command line could not be read or written,
/// or `doctor` found damage.
pub const STORAGE: u8 = 4;
/// Talking to the other PCs of the office failed (the `sync` and `peer` commands).
pub const SYNC: u8 = 5;

/// Every code with its meaning, for `amer --help`.
pub const TABLE: &[(u8, &str)] = &[
    (OK, "success"),
    (REFUSED, "input refused (a rule, an unknown ticket, a bad NIP...); nothing was changed"),
    (USAGE, "usage error: unknown command or option, missing or malformed argument"),
    (NOT_INITIALISED, "no initialised store in the home folder: run `amer init` first"),
    (STORAGE, "storage or file failure (database, key file, input/output file), or damage found"),
    (SYNC, "synchronisation with other PCs failed"),
];

/// The exit-code section of `amer --help`.
pub fn help_text() -> String {
    let mut s = String::from("Exit codes:\n");
    for (code, meaning) in TABLE {
        s.push_str(&format!("  {code}  {meaning}\n"));
    }
    s
}

/// A refusal decided by the command line program itself (not by the library), such as
/// overwriting a file without `--force`. Maps to [`REFUSED`].
#[derive(Debug)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// A refusal as an error value.
pub fn refuse(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refusal(msg.into()))
}

/// The exit code for an error: the first library error or refusal in its chain decides;
/// anything else (files, output) is a storage/IO failure.
pub fn code_of(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<amer_core::Error>() {
            return match e {
                amer_core::Error::NotInitialised => NOT_INITIALISED,
                e if e.is_refusal() => REFUSED,
                _ => STORAGE,
            };
        }
        if cause.is::<Refusal>() {
            return REFUSED;
        }
        if cause.is::<crate::commands::sync::SyncFailure>() {
            return SYNC;
        }
    }
    STORAGE
}

/// A short line on what to do next, for errors whose messages may not say it in terms of this
/// command line.
pub fn hint(err: &anyhow::Error) -> Option<&'static str> {
    let forbidden = err.chain().any(|c| matches!(c.downcast_ref(), Some(amer_core::Error::Forbidden { .. })));
    if forbidden {
        return Some(
            "hint: act as a staff member with --by NIP (or set AMER_USER); `amer staff list` shows who has \
             which role",
        );
    }
    match code_of(err) {
        NOT_INITIALISED => Some(
            "hint: pass the right folder with --home DIR (or AMER_HOME), or create a store there with \
             `amer init --office NAME --device NAME`",
        ),
        STORAGE => Some(
            "hint: check that the folder and files exist and are writable, that the disk is not full, \
             and run `amer doctor`; restore from a backup if the database is damaged",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_their_codes() {
        let refused = anyhow::Error::new(amer_core::Error::Invalid { field: "rating", reason: "x".into() });
        assert_eq!(code_of(&refused), REFUSED);
        assert_eq!(code_of(&anyhow::Error::new(amer_core::Error::NotInitialised)), NOT_INITIALISED);
        let io = amer_core::Error::Io(std::io::Error::other("disk"));
        assert_eq!(code_of(&anyhow::Error::new(io).context("while saving")), STORAGE);
        assert_eq!(code_of(&refuse("no")), REFUSED);
        assert_eq!(code_of(&anyhow::anyhow!("plain")), STORAGE);
    }
}
