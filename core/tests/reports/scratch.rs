#[test]
#[ignore]
fn plans() {
    let c = rusqlite::Connection::open("/tmp/amer-bench-100k/amer.db").unwrap();
    let (m0, m1) = (1759248000000i64 - 8 * 3600000, 1761926400000i64 - 8 * 3600000);
    let scope = "s.invalid_reason IS NULL AND s.arrived_at >= ?1 AND s.arrived_at < ?2";
    for q in [
        format!("SELECT f.subject, f.notes FROM sessions s CROSS JOIN session_fts f ON f.rowid = s.rowid WHERE {scope}"),
        format!("SELECT f.c0, f.c2 FROM sessions s CROSS JOIN session_fts_content f ON f.id = s.rowid WHERE {scope}"),
    ] {
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let mut st = c.prepare(&q).unwrap();
            let mut rows = st.query([m0, m1]).unwrap();
            let mut n = 0usize;
            while let Some(r) = rows.next().unwrap() { n += r.get_ref(0).unwrap().as_str().unwrap().len(); }
            println!("{:8.1} ms {n}  {}", t.elapsed().as_secs_f64() * 1000.0, &q[..60]);
        }
    }
}
