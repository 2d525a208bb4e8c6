//! Diagnostic logs on stderr, by `-v`/`-q` (or `AMER_LOG` with tracing's filter syntax).
//! Log lines carry ids, tickets, codes and counts, never visitors' personal data.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger: warnings by default, `-v` info, `-vv` debug, `-vvv` trace,
/// `-q` errors only, `-qq` nothing.
pub fn init(verbose: u8, quiet: u8) {
    let level = match (verbose, quiet) {
        (_, q) if q >= 2 => "off",
        (_, 1) => "error",
        (0, _) => "warn",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    let filter = std::env::var("AMER_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(format!("{level},automerge=warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}
