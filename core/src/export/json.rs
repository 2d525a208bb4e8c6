//! JSON: the serialised list or report, pretty-printed, codes and Indonesian labels side by side.

use std::io::Write;

use serde::Serialize;

use crate::{Error, Result};

/// Writes `value` as pretty JSON with a final newline.
pub fn write<T: Serialize + ?Sized>(w: &mut impl Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)
        .map_err(|e| Error::Export(format!("cannot write JSON: {e}")))?;
    w.write_all(b"\n").map_err(|e| Error::Export(format!("cannot write JSON: {e}")))
}
