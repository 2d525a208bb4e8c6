//! The `amer` command: parses the command line, runs one command and turns the outcome into an
//! exit code. Everything that decides anything lives in the library crates; the command files
//! under `commands/` only call them and print.

mod args;
mod commands;
mod exit;
mod home;
mod logging;
mod output;
mod web;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match args::parse() {
        Ok(cli) => cli,
        // Help and version go to stdout with 0; usage errors to stderr with 2 (clap's codes).
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    ExitCode::from(run(cli))
}

/// Runs the parsed command and returns the process exit code; errors are printed to stderr in
/// plain words (never with personal data: the library's messages leave it out).
fn run(cli: args::Cli) -> u8 {
    // The long-running node also logs to a rotating file in its folder.
    let log_file = matches!(
        cli.command,
        args::Command::Sync { cmd: args::SyncCommand::Serve { .. } } | args::Command::Serve(_)
    )
    .then(|| cli.global.home.clone().unwrap_or_else(home::default_home).join("logs").join("amer.log"));
    logging::init(cli.global.verbose, cli.global.quiet, log_file);
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let code = exit::code_of(&err);
            tracing::debug!(code, "command failed");
            eprintln!("error: {err:#}");
            if let Some(hint) = exit::hint(&err) {
                eprintln!("{hint}");
            }
            code
        }
    }
}
