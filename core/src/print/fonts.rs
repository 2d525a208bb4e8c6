//! The fonts compiled into the binary (DejaVu Sans; license in `assets/fonts/LICENSE-DejaVu.txt`).
//!
//! No system font is ever looked up: every PC prints the same document, whatever is installed.

use typst::foundations::Bytes;
use typst::text::Font;

/// The font family every template sets.
pub const FAMILY: &str = "DejaVu Sans";

static FILES: [&[u8]; 3] = [
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans.ttf")),
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans-Bold.ttf")),
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans-Oblique.ttf")),
];

/// Parses the embedded font files (done once per `Printer`).
pub(super) fn load() -> Vec<Font> {
    FILES.iter().flat_map(|data| Font::iter(Bytes::new(*data))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse_into_one_family() {
        let fonts = load();
        assert_eq!(fonts.len(), 3);
        for font in &fonts {
            assert_eq!(font.info().family, FAMILY);
        }
    }
}
