//! Line breaking by hand (printpdf has no text layout of its own that fits): widths come from the
//! font's glyph advances; Chinese may break between any two characters, Latin words break at
//! spaces (and are split only when longer than a whole line), closing punctuation (，。、）」 …)
//! never starts a line and opening punctuation (（「《 …) never ends one (禁则, kinsoku).

/// Characters that must not start a line.
pub fn is_closing(ch: char) -> bool {
    "，。、；：？！）」』》〉】〕］｝〗〙’”…‥·・ー〜～%％‰,.;:?!)]}»›".contains(ch)
}

/// Characters that must not end a line.
pub fn is_opening(ch: char) -> bool {
    "（「『《〈【〔［｛〖〘‘“([{«‹¥￥$".contains(ch)
}

/// Ideographs, kana, Hangul, full-width forms and CJK punctuation: a line may break before and
/// after each of them.
pub fn is_cjk(ch: char) -> bool {
    matches!(ch as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x31BF    // bopomofo
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xAC00..=0xD7AF    // Hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF00..=0xFFEF    // full-width forms
        | 0x20000..=0x3FFFF) // extensions B and later
}

/// An unbreakable piece of a paragraph, with the spaces that precede it.
#[derive(Debug, Clone, PartialEq)]
struct Atom {
    text: String,
    /// Spaces before it: dropped when it starts a line, kept otherwise.
    glue: String,
}

fn atoms(paragraph: &str) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    let mut glue = String::new();
    let mut word = String::new();
    let flush = |out: &mut Vec<Atom>, word: &mut String, glue: &mut String| {
        if !word.is_empty() {
            out.push(Atom { text: std::mem::take(word), glue: std::mem::take(glue) });
        }
    };
    for ch in paragraph.chars() {
        if ch == ' ' || ch == '\t' || ch == '\u{3000}' {
            flush(&mut out, &mut word, &mut glue);
            glue.push(if ch == '\u{3000}' { ch } else { ' ' });
        } else if is_cjk(ch) {
            flush(&mut out, &mut word, &mut glue);
            word.push(ch);
            flush(&mut out, &mut word, &mut glue);
        } else {
            word.push(ch);
        }
    }
    flush(&mut out, &mut word, &mut glue);
    // Kinsoku: glue closing punctuation to what precedes it, opening punctuation to what follows.
    let mut merged: Vec<Atom> = Vec::with_capacity(out.len());
    let mut carry: Option<Atom> = None;
    for mut a in out {
        if let Some(open) = carry.take() {
            a.text = format!("{}{}{}", open.text, a.glue, a.text);
            a.glue = open.glue;
        }
        let first = a.text.chars().next().unwrap_or(' ');
        let last = a.text.chars().last().unwrap_or(' ');
        if is_closing(first) && a.glue.is_empty() && !merged.is_empty() {
            let prev = merged.last_mut().unwrap();
            prev.text.push_str(&a.text);
            // A merged atom may now end with opening punctuation: handled by the check below.
            if is_opening(prev.text.chars().last().unwrap_or(' ')) {
                carry = merged.pop();
            }
            continue;
        }
        if is_opening(last) && a.text.chars().all(is_opening) {
            carry = Some(a);
            continue;
        }
        merged.push(a);
    }
    if let Some(open) = carry {
        merged.push(open);
    }
    merged
}

/// Splits `text` into lines no wider than `max_width` (as measured by `width`). Explicit line
/// breaks are kept; an empty paragraph gives an empty line. Never returns zero lines.
pub fn wrap(text: &str, max_width: f32, width: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        for a in atoms(paragraph) {
            let aw = width(&a.text);
            let gw = if line.is_empty() { 0.0 } else { width(&a.glue) };
            if line_w + gw + aw <= max_width + 0.01 {
                if !line.is_empty() {
                    line.push_str(&a.glue);
                }
                line.push_str(&a.text);
                line_w += gw + aw;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if aw <= max_width + 0.01 {
                line.push_str(&a.text);
                line_w = aw;
                continue;
            }
            // Longer than a whole line (a long number, a URL): split it by characters, keeping
            // closing punctuation off the start of the next line.
            for ch in a.text.chars() {
                let cw = width(ch.encode_utf8(&mut [0u8; 4]));
                if line_w + cw > max_width + 0.01 && !line.is_empty() && !is_closing(ch) {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(ch);
                line_w += cw;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One unit per Han character, half a unit for anything else.
    fn w(s: &str) -> f32 {
        s.chars().map(|c| if is_cjk(c) { 1.0 } else { 0.5 }).sum()
    }

    #[test]
    fn chinese_breaks_anywhere_but_closing_punctuation_never_starts_a_line() {
        let lines = wrap("保洁员迟到两小时，空调也没有清洗。", 9.0, &w);
        assert!(lines.iter().all(|l| w(l) <= 9.0 + 1.0), "{lines:?}");
        for l in &lines[1..] {
            assert!(!is_closing(l.chars().next().unwrap()), "a line starts with closing punctuation: {lines:?}");
        }
        assert_eq!(lines.concat(), "保洁员迟到两小时，空调也没有清洗。");
        // "，" falls exactly at the start of the second line without the rule.
        let lines = wrap("一二三四五六七八，九十", 8.0, &w);
        assert_eq!(lines, vec!["一二三四五六七", "八，九十"], "the comma takes the last character with it");
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        let lines = wrap("一二三四五六七（八九）", 8.0, &w);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
        assert_eq!(lines.concat(), "一二三四五六七（八九）");
    }

    #[test]
    fn latin_words_break_at_spaces_and_long_words_are_split() {
        let lines = wrap("La trabajadora llegó dos horas tarde", 8.0, &w);
        assert_eq!(lines, vec!["La trabajadora", "llegó dos horas", "tarde"]);
        let long = "x".repeat(40);
        let lines = wrap(&long, 8.0, &w);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| w(l) <= 8.0));
    }

    #[test]
    fn explicit_line_breaks_and_mixed_text() {
        let lines = wrap("第一行\n\nline 3 空调Hello", 20.0, &w);
        assert_eq!(lines, vec!["第一行", "", "line 3 空调Hello"]);
        assert_eq!(wrap("", 10.0, &w), vec![String::new()]);
    }
}
