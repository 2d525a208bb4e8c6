//! Times the service report: `cargo run --release --example bench_print [N]` (default 50).
//!
//! Prints the cost of `Printer::new`, of the first render, and the median/min/max of N renders in
//! two cases: the same data every time (typst's memoization helps) and data that changes on every
//! render (ticket, print time and notes differ, as when printing one session after another).

use std::time::{Duration, Instant};

use amer_core::print::{Printer, Template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(50);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/print/data/service_report.json");
    let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;

    let t = Instant::now();
    let printer = Printer::new(None);
    println!("Printer::new          {:>8.2} ms", ms(t.elapsed()));

    let t = Instant::now();
    let pdf = printer.render(Template::ServiceReport, &data)?;
    println!("first render          {:>8.2} ms  ({} bytes)", ms(t.elapsed()), pdf.len());

    let mut same = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        printer.render(Template::ServiceReport, &data)?;
        same.push(t.elapsed());
    }
    report("same data", &mut same);

    let mut varied = Vec::with_capacity(n);
    for i in 0..n {
        let mut data = data.clone();
        data["session"]["ticket"] = format!("LYN-2611-B-{:04}", 1000 + i).into();
        data["printed_at"] = format!("27-11-2026 10:{:02} WITA", i % 60).into();
        let notes = data["session"]["notes"].as_str().unwrap_or_default().to_owned();
        data["session"]["notes"] = format!("{notes} Catatan tambahan nomor {i}.").into();
        let t = Instant::now();
        printer.render(Template::ServiceReport, &data)?;
        varied.push(t.elapsed());
    }
    report("changing data", &mut varied);
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    let (Some(min), Some(max)) = (times.first(), times.last()) else {
        return;
    };
    let median = times[times.len() / 2];
    println!(
        "{label:<21} median {:>6.2} ms  min {:>6.2} ms  max {:>6.2} ms  (n = {})",
        ms(median),
        ms(*min),
        ms(*max),
        times.len()
    );
}
