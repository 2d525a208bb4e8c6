//! Cross-crate test scenarios of AMER live in `tests/` beside this file; this library is empty.
