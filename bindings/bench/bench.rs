//! The Rust side of the bindings' figures: the same calls `bench.py` makes from Python, made
//! here directly on `amer_core::Store` ("core") and on `AmerStore` without a foreign boundary
//! ("bindings-rs": adds the record conversions). The difference to the Python numbers is the
//! cost of crossing the boundary (lowering, lifting, ctypes).
//!
//! Run with the same profile as the Python package it is compared with, e.g.
//! `cargo run --release -p amer-bindings --example bench`; prints one JSON object.

use std::time::{Duration, Instant};

use amer_bindings::codes::{Category, StaffRole};
use amer_bindings::records::{InitOptions, NewSession, NewStaff, SessionFilter, VisitorInput};
use amer_bindings::AmerStore;
use amer_core::store::{
    Actor, NewSession as CoreNewSession, SessionFilter as CoreFilter, VisitorInput as CoreVisitor,
};
use anyhow::Context;

const ADMIN: &str = "198503122010011003";
const REGISTER_CALLS: usize = 300;
const LIST_SIZE: usize = 1_000;
const LIST_CALLS: usize = 30;
const SMALL_CALLS: usize = 2_000;

fn median_us(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples.get(samples.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e6)
}

fn time<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<Duration> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed())
}

fn phone(i: usize) -> String {
    format!("0812{:08}", i % 100_000_000)
}

/// Opens a store in a fresh folder with an office and an admin, through the bindings' API.
fn fresh(dir: &std::path::Path) -> anyhow::Result<std::sync::Arc<AmerStore>> {
    let store = AmerStore::open(dir.display().to_string())?;
    store.init_office(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa".into(),
        device_name: "PC Bench".into(),
        timezone: None,
    })?;
    store.add_staff(
        NewStaff { nip: ADMIN.into(), name: "Andi Admin".into(), role: StaffRole::Admin, title: None },
        None,
    )?;
    Ok(store)
}

fn bindings_session(i: usize) -> NewSession {
    NewSession {
        category: Category::Konsultasi,
        visitor: VisitorInput { name: "Rina Wulandari".into(), phone: Some(phone(i)), ..Default::default() },
        subject: format!("Pertanyaan nomor {i}"),
        description: Some("Pertanyaan tentang dokumen pemilihan".into()),
        channel: None,
        package: None,
        stage: None,
        objection: None,
        arrived_at: None,
    }
}

fn core_session(i: usize) -> CoreNewSession {
    CoreNewSession {
        category: "konsultasi".into(),
        visitor: CoreVisitor { name: "Rina Wulandari".into(), phone: Some(phone(i)), ..Default::default() },
        subject: format!("Pertanyaan nomor {i}"),
        description: Some("Pertanyaan tentang dokumen pemilihan".into()),
        ..Default::default()
    }
}

fn main() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut out = serde_json::Map::new();
    for api in ["core", "bindings-rs"] {
        let store = fresh(&tmp.path().join(api))?;
        let core = store.core().clone();
        let register = |i: usize| -> anyhow::Result<()> {
            match api {
                "core" => core.register(&Actor::device(), core_session(i)).map(drop).context("register"),
                _ => store.register(bindings_session(i), None).map(drop).context("register"),
            }
        };
        let samples =
            (0..REGISTER_CALLS).map(|i| time(|| register(i))).collect::<anyhow::Result<Vec<_>>>()?;
        let register_us = median_us(samples);
        // Fill up to LIST_SIZE sessions in one go is not possible through the API; keep calling.
        for i in REGISTER_CALLS..LIST_SIZE {
            register(i)?;
        }
        let list = || -> anyhow::Result<usize> {
            Ok(match api {
                "core" => core.list_sessions(&CoreFilter::default())?.len(),
                _ => store.list_sessions(SessionFilter::default())?.len(),
            })
        };
        anyhow::ensure!(list()? == LIST_SIZE, "expected {LIST_SIZE} sessions");
        let samples = (0..LIST_CALLS).map(|_| time(list)).collect::<anyhow::Result<Vec<_>>>()?;
        let list_ms = median_us(samples) / 1000.0;
        let small = || -> anyhow::Result<()> {
            match api {
                "core" => core.counts().map(drop).context("counts"),
                _ => store.counts().map(drop).context("counts"),
            }
        };
        let samples = (0..SMALL_CALLS).map(|_| time(small)).collect::<anyhow::Result<Vec<_>>>()?;
        let counts_us = median_us(samples);
        out.insert(
            api.into(),
            serde_json::json!({
                "register_median_us": register_us,
                "list_1000_median_ms": list_ms,
                "counts_median_us": counts_us,
            }),
        );
    }
    out.insert("profile".into(), (if cfg!(debug_assertions) { "debug" } else { "release" }).into());
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
