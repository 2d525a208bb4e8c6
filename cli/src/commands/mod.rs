//! One file per command area; each calls the library and prints through [`Output`].
//! [`Ctx`] carries what every command needs: the home folder, the acting person and the output.

mod audit;
mod backup;
mod completions;
mod demo;
mod export;
mod holidays;
mod import;
mod init;
mod inspect;
pub(crate) mod peer;
mod report;
mod risk;
mod serve;
mod session;
mod staff;
mod status;
pub(crate) mod sync;
mod visitor;

use std::path::PathBuf;

use amer_core::model::{Lang, Nip};
use amer_core::store::Actor;
use amer_core::Store;
use anyhow::Context;

use crate::args::{Cli, Command, LangArg};
use crate::output::{Clock, Output};
use crate::{exit, home};

/// What every command needs.
#[derive(Debug)]
pub struct Ctx {
    /// The node's folder.
    pub home: PathBuf,
    /// How to print.
    pub out: Output,
    /// `--by`, unparsed (parsing it is the library's job and a refusal when wrong).
    by: Option<String>,
}

impl Ctx {
    /// The PDF printer; templates in `HOME/templates/` replace the built-in ones.
    pub fn printer(&self) -> amer_core::print::Printer {
        amer_core::print::Printer::new(Some(self.home.join("templates")))
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.home.join(home::DB_FILE)
    }

    /// Opens the existing store; a folder without one is "not initialised", and nothing is
    /// created there.
    pub fn open(&self) -> anyhow::Result<Store> {
        let store = self.open_uninitialised()?;
        if !store.is_initialised()? {
            return Err(anyhow::Error::new(amer_core::Error::NotInitialised)
                .context(format!("the store in {} has no office yet", self.home.display())));
        }
        Ok(store)
    }

    /// Opens an existing database file, initialised or not.
    pub fn open_uninitialised(&self) -> anyhow::Result<Store> {
        let db = self.db_path();
        if !db.exists() {
            return Err(anyhow::Error::new(amer_core::Error::NotInitialised)
                .context(format!("there is no AMER store in {}", self.home.display())));
        }
        tracing::debug!(db = %db.display(), "opening the store");
        Store::open(&db).with_context(|| format!("cannot open the store in {}", self.home.display()))
    }

    /// The person acting: `--by NIP` (or AMER_USER), else this PC itself.
    pub fn actor(&self) -> anyhow::Result<Actor> {
        match self.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Actor::device()),
            Some(nip) => Ok(Actor::staff(Nip::parse(nip).context("the NIP given with --by (or AMER_USER)")?)),
        }
    }

    /// A clock in the office's time zone.
    pub fn clock(&self, store: &Store) -> anyhow::Result<Clock> {
        Ok(Clock::new(store.timezone()?))
    }
}

/// Runs the command; returns the exit code of a successful run (errors carry theirs, see
/// [`exit::code_of`]).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let g = cli.global;
    let ctx = Ctx {
        home: g.home.unwrap_or_else(home::default_home),
        out: Output {
            json: g.json,
            lang: match g.lang {
                LangArg::Id => Lang::Id,
                LangArg::En => Lang::En,
            },
            quiet: g.quiet > 0,
        },
        by: g.by,
    };
    tracing::debug!(home = %ctx.home.display(), "running");
    match cli.command {
        // The office and this node.
        Command::Init(a) => init::run(&ctx, a),
        Command::Status => status::run(&ctx),
        // Records.
        Command::Staff(c) => staff::run(&ctx, c),
        Command::Session(c) => session::run(&ctx, c),
        Command::Risk(c) => risk::run(&ctx, c),
        Command::Visitor(c) => visitor::run(&ctx, c),
        Command::Holidays(c) => holidays::run(&ctx, c),
        Command::Import(a) => import::run(&ctx, a),
        // Reports and exports.
        Command::Report(c) => report::run(&ctx, c),
        Command::Export(a) => export::run(&ctx, a),
        // Looking inside, keeping safe.
        Command::Inspect(c) => inspect::run(&ctx, c),
        Command::Doctor => inspect::doctor(&ctx),
        Command::Backup(a) => backup::backup(&ctx, a),
        Command::Restore(a) => backup::restore(&ctx, a),
        Command::Completions(a) => completions::run(a),
        Command::Peer { cmd } => peer::run(&ctx, cmd),
        Command::Sync { cmd } => sync::run(&ctx, cmd),
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a),
        Command::Templates { cmd: crate::args::TemplatesCommand::Export { dir, force } } => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            let mut written = Vec::new();
            for (name, text) in amer_core::print::embedded_files() {
                let path = dir.join(name);
                if path.exists() && !force {
                    continue;
                }
                std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                written.push(path.display().to_string());
            }
            ctx.out.emit(&written, |w| {
                for f in &written {
                    writeln!(w, "{f}")?;
                }
                Ok(())
            })
        }
    }
    .map(|()| exit::OK)
}

/// Writes a file the user asked for, refusing to replace an existing one without `--force`.
pub fn write_new_file(path: &std::path::Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        return Err(crate::exit::refuse(format!(
            "{} already exists; add --force to replace it",
            path.display()
        )));
    }
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
