//! `amer completions SHELL`: the completion script for a shell, on stdout.

use crate::args::CompletionsArgs;

pub fn run(a: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = crate::args::command();
    // Generated into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "amer", &mut script);
    crate::output::write_raw(&script)
}
