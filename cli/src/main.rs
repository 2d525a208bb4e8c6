//! The `amer` command (being built).
fn main() {}
