//! Renders every template with its sample data from `tests/print/data/` into a folder (default
//! `target/print-samples`), to look at them: `cargo run --example render_all [OUT_DIR] [--empty]`.
//! With `--empty` every template gets `{}` instead, to see how missing data prints; with
//! `--overrides=DIR` templates in DIR replace the built-in ones (to preview an edited template).

use std::path::PathBuf;

use amer_core::print::{Printer, Template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let empty = args.iter().any(|a| a == "--empty");
    let out = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/print-samples"));
    std::fs::create_dir_all(&out)?;
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/print/data");
    let overrides = args.iter().find_map(|a| a.strip_prefix("--overrides=")).map(PathBuf::from);
    let printer = Printer::new(overrides);
    let mut failed = 0;
    for template in Template::ALL {
        let stem = template.file_name().trim_end_matches(".typ");
        let data: serde_json::Value = if empty {
            serde_json::json!({})
        } else {
            serde_json::from_str(&std::fs::read_to_string(samples.join(format!("{stem}.json")))?)?
        };
        match printer.render(template, &data) {
            Ok(pdf) => {
                let path = out.join(format!("{stem}.pdf"));
                std::fs::write(&path, pdf)?;
                println!("{}", path.display());
            }
            Err(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} template(s) failed").into());
    }
    Ok(())
}
