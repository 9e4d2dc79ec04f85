//! Personal data inside free text (R7.8, issue 25 item 7). The customer's name, phone and
//! address have their own fields, masked for roles without access; but staff also type them into
//! descriptions, incident places, expected outcomes, handling records and notes, where the field
//! masking cannot see them. [`mask_text`] finds them there, for the replies built for roles that
//! may not see personal data and for masked exports.
//!
//! # What is caught
//! - The complaint's own customer data as literal strings, wherever they appear: the customer's
//!   name (two characters or more, masked like the name field: 王芳 → 王*), every recorded phone
//!   (also written with spaces or dashes) and the recorded addresses.
//! - Numbers: any run of 7 or more digits (ASCII or full-width, single spaces or dashes between
//!   them, an optional +86 / 0086 in front) — mainland mobiles `1[3-9]…`, landlines with area code
//!   `0xx-xxxxxxxx`, bare 7–8 digit local numbers — masked like the phone field (138****5678);
//!   18-character PRC ID-card numbers (17 digits and a check digit or X) keep their first 3 and last
//!   2 characters. Dates written as 20260310 are masked too: an unknown number could be a phone.
//! - Addresses written the Chinese way: an administrative part (…省, …市, …区, …县, …旗) followed by
//!   a street (…路, …街, …大道, …巷, …弄, …胡同, …村, …镇, …乡) and house numbers (12号, 3栋,
//!   2单元, 502室, 5楼 …), or a street with a house number, or two house-number units in a row
//!   (3栋502室). The match may swallow up to a few characters written just before the street
//!   name ("反映世纪大道100号" hides "反映" too): masking too much is the safe side.
//!
//! # What is not caught
//! Addresses without a street or house number ("客户家中", "小区门口"), addresses in Latin script,
//! names of other people than the customer (a neighbour, a relative), phone numbers of fewer than 7
//! digits, numbers spelled out in words (一三八…), e-mail addresses and anything deliberately
//! disguised ("138 一二三四 5678"). Those still need the staff's care; the anonymisation of R7.2
//! does not rely on this module for the free text (it replaces the text whole).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::auth::{mask_name, mask_phone};

/// What personal data is replaced with when a customer is anonymised (R7.2); masking must not
/// treat it as a name to hide.
pub const ANONYMISED: &str = "***";

/// What replaces an address found in text.
pub const MASKED_ADDRESS: &str = "***";

/// Digits (ASCII or full-width) with at most one space or dash between neighbours, optionally led
/// by a country code; the run is classified in `mask_number`.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:(?:\+|＋|00)?86[ \-－]?)?[0-9０-９](?:[ \-－]?[0-9０-９])+[XxＸｘ]?").expect("number pattern"));

/// A Chinese address: administrative part, street, house numbers (see the module documentation).
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    let admin = r"(?:\p{Han}{1,8}?(?:省|自治区|特别行政区|市|自治州|地区|盟|区|县|旗))";
    let street = r"(?:[\p{Han}0-9０-９]{1,10}?(?:路|街|大道|巷|弄|胡同|村|镇|乡|街道))";
    let unit = r"(?:[0-9０-９A-Za-z]+[\-－]?(?:号楼|号|栋|幢|座|单元|室|楼|层|弄))";
    Regex::new(&format!(r"{admin}+{street}{unit}*|{street}{unit}+|{unit}{{2,}}")).expect("address pattern")
});

fn digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// The digits of `s`, ASCII, without separators.
pub fn digits_of(s: &str) -> String {
    s.chars().filter_map(digit).map(|d| (b'0' + d) as char).collect()
}

/// An ID-card number: keeps its first 3 and last 2 characters.
fn mask_id(id: &str) -> String {
    let n = id.chars().count();
    let mut out: String = id.chars().take(3).collect();
    out.extend(std::iter::repeat_n('*', n.saturating_sub(5)));
    out.extend(id.chars().skip(n.saturating_sub(2)));
    out
}

/// Masks one run matched by `NUMBER`; `None` keeps it (short numbers: amounts, times, counts).
fn mask_number(run: &str) -> Option<String> {
    let digits = digits_of(run);
    let check = run.ends_with(['X', 'x', 'Ｘ', 'ｘ']);
    if digits.len() == 17 && check || digits.len() == 18 && !run.contains([' ', '-', '－']) && id_like(&digits) {
        return Some(mask_id(&format!("{digits}{}", if check { "X" } else { "" })));
    }
    if digits.len() < 7 {
        return None;
    }
    let mut national = digits.as_str();
    // A mobile written with the country code is masked as the mobile itself.
    for cc in ["0086", "86"] {
        if let Some(rest) = national.strip_prefix(cc) {
            if rest.len() == 11 && rest.starts_with('1') {
                national = rest;
            }
        }
    }
    Some(format!("{}{}", mask_phone(national), if check { "X" } else { "" }))
}

/// 18 digits that read as an ID-card number: a plausible birth date in characters 7–14.
fn id_like(d: &str) -> bool {
    let year: u32 = d[6..10].parse().unwrap_or(0);
    let month: u32 = d[10..12].parse().unwrap_or(0);
    let day: u32 = d[12..14].parse().unwrap_or(0);
    (1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The customer data recorded for a complaint, to be found as literal strings in its texts.
#[derive(Debug, Default, Clone)]
pub struct Known {
    pub names: Vec<String>,
    pub phones: Vec<String>,
    pub addresses: Vec<String>,
}

impl Known {
    pub fn new(names: &[&str], phones: &[&str], addresses: &[&str]) -> Known {
        let keep = |v: &[&str], min: usize| -> Vec<String> {
            let mut out: Vec<String> = v.iter().map(|s| s.trim().to_string()).filter(|s| s.chars().count() >= min).collect();
            // Longest first, so a name that contains another is replaced whole.
            out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
            out.dedup();
            out
        };
        Known { names: keep(names, 2), phones: keep(phones, 5), addresses: keep(addresses, 4) }
    }
}

/// The customer data recorded for a complaint: the complaint's own name, phone and address and
/// those of its customer's profile.
pub fn known_for(conn: &rusqlite::Connection, complaint_id: &str) -> crate::Result<Known> {
    let (n1, p1, a1, n2, a2, customer): (String, String, String, String, String, String) = conn
        .prepare_cached(
            "SELECT c.customer_name, c.contact_phone, c.address, cu.name, cu.address, c.customer_id
             FROM complaints c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?1",
        )?
        .query_row([complaint_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
    let mut phones: Vec<String> = conn
        .prepare_cached("SELECT phone FROM customer_phones WHERE customer_id = ?1")?
        .query_map([&customer], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    phones.push(p1);
    let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
    Ok(Known::new(&[&n1, &n2], &phones, &[&a1, &a2]))
}

/// Replaces phone numbers, ID-card numbers, addresses and the complaint's own customer data
/// found in `text` by their masked forms (see the module documentation for what is caught).
pub fn mask_text<'a>(text: &'a str, known: &Known) -> Cow<'a, str> {
    if text.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out: Cow<'a, str> = Cow::Borrowed(text);
    for a in &known.addresses {
        if out.contains(a.as_str()) {
            out = Cow::Owned(out.replace(a.as_str(), MASKED_ADDRESS));
        }
    }
    for n in &known.names {
        if n != ANONYMISED && out.contains(n.as_str()) {
            out = Cow::Owned(out.replace(n.as_str(), &mask_name(n)));
        }
    }
    // Recorded phones shorter than the generic pattern's seven digits (short numbers, extensions).
    for p in known.phones.iter().filter(|p| digits_of(p).len() < 7) {
        if out.contains(p.as_str()) {
            out = Cow::Owned(out.replace(p.as_str(), &mask_phone(p)));
        }
    }
    if NUMBER.is_match(&out) {
        let mut changed = false;
        let replaced = NUMBER.replace_all(&out, |c: &regex::Captures<'_>| match mask_number(&c[0]) {
            Some(m) => {
                changed = true;
                m
            }
            None => c[0].to_string(),
        });
        if changed {
            out = Cow::Owned(replaced.into_owned());
        }
    }
    if ADDRESS.is_match(&out) {
        out = Cow::Owned(ADDRESS.replace_all(&out, MASKED_ADDRESS).into_owned());
    }
    out
}

/// `mask_text` over every string of a JSON value except identifiers, digests, instants and
/// enumerations, which carry no personal data and must stay usable (an id is not a phone).
pub fn mask_json(v: &mut serde_json::Value, known: &Known) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(m) = mask_text(s, known) {
                *s = m;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_json(x, known)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if !structural_key(k) {
                    mask_json(x, known);
                }
            }
        }
        _ => {}
    }
}

/// `mask_json` over a typed reply, through its JSON form, so a typed record is masked by exactly
/// the same keys as the JSON it replaced. Masking only rewrites strings, so the value always
/// reads back; if it ever did not, that is reported rather than shown unmasked.
pub fn mask_typed<T: serde::Serialize + serde::de::DeserializeOwned>(v: &mut T, known: &Known) -> crate::Result<()> {
    let err = |e: serde_json::Error| crate::CoreError::Integrity(format!("masking a reply: {e}"));
    let mut j = serde_json::to_value(&*v).map_err(err)?;
    mask_json(&mut j, known);
    *v = serde_json::from_value(j).map_err(err)?;
    Ok(())
}

// What counts as free text (as opposed to a code or an identifier) is decided by the timeline,
// which salts every event that holds some; masking and anonymisation use the same decision.
pub(crate) use crate::timeline::structural_key;
pub use crate::timeline::{holds_text, is_code};

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Known {
        Known::default()
    }

    #[test]
    fn phones_in_every_common_spelling_are_masked() {
        // R7.8
        for (raw, shown) in [
            ("请回电13812345678谢谢", "请回电138****5678谢谢"),
            ("电话 138 1234 5678。", "电话 138****5678。"),
            ("电话138-1234-5678", "电话138****5678"),
            ("+86 13812345678", "138****5678"),
            ("座机021-62345678", "座机021****5678"),
            ("座机 (0755)82345678", "座机 (0755)823****5678"),
            ("全角１３８１２３４５６７８", "全角138****5678"),
        ] {
            let m = mask_text(raw, &none());
            assert_eq!(m, shown, "{raw}");
            assert!(!digits_of(&m).contains("1234"), "{raw} → {m}");
        }
        // Short numbers are not personal data: times, amounts, counts.
        assert_eq!(mask_text("上午9点，赔偿200元，共3次，100号", &none()), "上午9点，赔偿200元，共3次，100号");
    }

    #[test]
    fn id_card_numbers_are_masked() {
        // R7.8: 18-character PRC resident ID, with a digit or X as check character.
        assert_eq!(mask_text("身份证11010519491231002X", &none()), "身份证110*************2X");
        assert_eq!(mask_text("身份证110105194912310021。", &none()), "身份证110*************21。");
    }

    #[test]
    fn addresses_written_in_the_text_are_masked() {
        // R7.8
        for raw in ["住在上海市浦东新区世纪大道100号3栋502室，", "地址：广东省深圳市南山区科技园路5号", "人民路12号", "他家3栋502室漏水"]
        {
            let m = mask_text(raw, &none());
            assert!(m.contains(MASKED_ADDRESS), "{raw} → {m}");
            for frag in ["世纪大道", "科技园路", "人民路", "502室", "100号"] {
                assert!(!m.contains(frag), "{raw} → {m}");
            }
        }
        let plain = "保洁员迟到两个小时，空调也没有清洗，去超市买了东西。";
        assert_eq!(mask_text(plain, &none()), plain, "ordinary text is untouched");
    }

    #[test]
    fn the_customers_own_data_is_masked_as_literal_strings() {
        let k = Known::new(&["王芳"], &["12345"], &["阳光花园东门"]);
        let m = mask_text("王芳说在阳光花园东门等，分机12345", &k);
        assert_eq!(m, "王*说在***等，分机***45");
    }
}
