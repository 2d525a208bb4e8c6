//! Bar charts drawn on the server as SVG (no script, prints as it shows).

/// Escapes text for XML/HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart of `rows` (label, count), labelled for screen readers by `title`.
pub fn bars(testid: &str, title: &str, rows: &[(String, i64)]) -> String {
    const W: i64 = 560;
    const LABEL_W: i64 = 220;
    const ROW_H: i64 = 26;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let h = (rows.len() as i64).max(1) * ROW_H + 8;
    let mut svg = format!(
        r#"<svg data-testid="{}" class="chart" role="img" aria-label="{}" viewBox="0 0 {W} {h}" width="{W}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(testid),
        esc(title)
    );
    if rows.is_empty() {
        svg.push_str(r##"<text x="4" y="20" fill="#666">–</text>"##);
    }
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = i as i64 * ROW_H + 4;
        let bar = (W - LABEL_W - 50) * n / max;
        let short: String = label.chars().take(30).collect();
        let short = if label.chars().count() > 30 { format!("{short}…") } else { short };
        svg.push_str(&format!(
            r##"<g><title>{full}: {n}</title><text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#222">{short}</text><rect x="{LABEL_W}" y="{y}" width="{bar}" height="{bh}" rx="3" fill="#2f6f9f"/><text x="{vx}" y="{ty}" font-size="13" fill="#222">{n}</text></g>"##,
            full = esc(label),
            short = esc(&short),
            lx = LABEL_W - 8,
            ty = y + 15,
            bh = ROW_H - 8,
            vx = LABEL_W + bar + 6,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_scale_and_escape() {
        let svg = super::bars("chart-x", "T", &[("<b>".into(), 4), ("b".into(), 2)]);
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains(r#"width="290""#), "{svg}");
        assert!(svg.contains(r#"width="145""#), "{svg}");
    }
}
