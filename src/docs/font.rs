//! The one font every document uses: Noto Sans SC Regular (SIL OFL 1.1, `assets/fonts/`), built
//! into the binary so printing needs no system font and no download. It covers simplified and
//! traditional Chinese and Latin with accents. Parsing a CJK font costs tens of milliseconds, so
//! it is parsed once per process; each PDF embeds only the subset of glyphs it uses.

use std::collections::HashMap;
use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::error::{CoreError, Result};

/// The font file, licensed under the SIL Open Font License 1.1 (`assets/fonts/OFL.txt`).
pub static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular.otf");
/// Its licence, shipped inside the program together with the font.
pub static FONT_LICENSE: &str = include_str!("../../assets/fonts/OFL.txt");

/// The parsed font plus what text measuring needs, computed once.
pub struct Font {
    pub parsed: ParsedFont,
    units_per_em: f32,
    /// Advance of the glyph shown for a character the font lacks (.notdef).
    notdef_advance: u16,
    /// Advances of the characters met so far are cheap anyway (cmap + hmtx lookups), but ASCII
    /// is measured constantly: keep it in a table.
    ascii: [u16; 128],
}

static FONT: OnceLock<std::result::Result<Font, String>> = OnceLock::new();

/// The shared font, parsed on first use.
pub fn font() -> Result<&'static Font> {
    FONT.get_or_init(|| {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(FONT_BYTES, 0, &mut warnings)
            .ok_or_else(|| format!("the built-in font could not be parsed: {warnings:?}"))?;
        let upem = parsed.pdf_font_metrics.units_per_em.max(1) as f32;
        let notdef_advance = parsed.get_horizontal_advance(0);
        let mut ascii = [0u16; 128];
        for (i, a) in ascii.iter_mut().enumerate() {
            *a = parsed.lookup_glyph_index(i as u32).map(|g| parsed.get_horizontal_advance(g)).unwrap_or(notdef_advance);
        }
        Ok(Font { parsed, units_per_em: upem, notdef_advance, ascii })
    })
    .as_ref()
    .map_err(|e| CoreError::Integrity(e.clone()))
}

impl Font {
    /// Advance of one character in font units.
    fn advance(&self, ch: char) -> u16 {
        let cp = ch as u32;
        if cp < 128 {
            return self.ascii[cp as usize];
        }
        match self.parsed.lookup_glyph_index(cp) {
            Some(g) => self.parsed.get_horizontal_advance(g),
            None => self.notdef_advance,
        }
    }

    /// Width of `s` at `size` points, from the glyph advances (no kerning: CJK has none and
    /// the documents' Latin text does not need it).
    pub fn width(&self, s: &str, size: f32) -> f32 {
        let units: u32 = s.chars().map(|c| self.advance(c) as u32).sum();
        units as f32 / self.units_per_em * size
    }

    pub fn char_width(&self, ch: char, size: f32) -> f32 {
        self.advance(ch) as f32 / self.units_per_em * size
    }

    /// True when every character of `s` (ignoring line breaks) has a glyph.
    pub fn covers(&self, s: &str) -> bool {
        self.missing(s).is_empty()
    }

    /// The characters of `s` that the font has no glyph for.
    pub fn missing(&self, s: &str) -> Vec<char> {
        let mut seen = HashMap::new();
        for ch in s.chars().filter(|c| !c.is_control()) {
            if self.parsed.lookup_glyph_index(ch as u32).is_none() {
                seen.entry(ch).or_insert(());
            }
        }
        let mut v: Vec<char> = seen.into_keys().collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_covers_simplified_traditional_chinese_and_spanish_accents() {
        let f = font().unwrap();
        for s in ["处理投诉登记回执", "處理投訴登記回執", "ñáéíóúü¿¡ÑÁÉÍÓÚÜ", "Recibo de registro de la queja", "0123456789¥％：，。（）"]
        {
            assert!(f.covers(s), "{s}: missing {:?}", f.missing(s));
        }
        assert!(FONT_LICENSE.contains("SIL OPEN FONT LICENSE Version 1.1"), "the licence ships with the font");
    }

    #[test]
    fn widths_come_from_the_glyph_advances() {
        let f = font().unwrap();
        // A Han character is one em wide in this font; Latin letters are narrower.
        assert!((f.width("中", 10.0) - 10.0).abs() < 0.01, "{}", f.width("中", 10.0));
        assert!(f.width("i", 10.0) < f.width("m", 10.0));
        assert!((f.width("ab", 12.0) - f.width("a", 12.0) - f.width("b", 12.0)).abs() < 0.001);
    }
}
