//! The branch business calendar (R4.5 c): which local dates are working days.
//!
//! Weekends are the baseline; the calendar only stores the exceptions a government publishes each
//! year — statutory holidays and adjusted working days (调休, a Saturday or Sunday that is worked).
//! Because those are only known a year ahead, the calendar also remembers which years it holds, so
//! a deadline computed in an unknown year can be flagged instead of silently trusted.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a calendar row changes about a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off, whatever weekday it falls on.
    Holiday,
    /// An adjusted working day (调休上班): a Saturday or Sunday that is worked.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One exception day. A struct rather than a tuple so the JSON reads `{"kind":…, "name":…}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DayEntry {
    pub kind: DayKind,
    /// The festival it belongs to (春节, 国庆节 …), shown next to deadlines that cross it.
    pub name: String,
}

/// Exception days of one branch. `loaded_years` is kept apart from `days` because a year with data
/// is what makes a weekday trustworthy, not the presence of a row on that particular date.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BusinessCalendar {
    pub days: BTreeMap<NaiveDate, DayEntry>,
    pub loaded_years: BTreeSet<i32>,
}

/// Why a calendar CSV was refused. Every variant carries the 1-based line number so an
/// administrator importing a file can fix it without guessing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarCsvError {
    #[error("line {line}: expected the header `date,kind,name`, found {found:?}")]
    MissingHeader { line: usize, found: String },
    #[error("line {line}: missing the `kind` column")]
    MissingKind { line: usize },
    #[error("line {line}: {value:?} is not a date in YYYY-MM-DD form")]
    BadDate { line: usize, value: String },
    #[error("line {line}: {value:?} is not a kind (holiday or workday)")]
    BadKind { line: usize, value: String },
    #[error("line {line}: {date} is a {weekday:?}; an adjusted workday must be a Saturday or Sunday")]
    WorkdayOnWeekday { line: usize, date: NaiveDate, weekday: Weekday },
    #[error("line {line}: {date} is already listed as a different kind on line {previous_line}")]
    ConflictingDuplicate { line: usize, date: NaiveDate, previous_line: usize },
}

const HEADER: &str = "date,kind,name";

const CN_2025: &str = include_str!("../../data/calendars/cn-mainland-2025.csv");
const CN_2026: &str = include_str!("../../data/calendars/cn-mainland-2026.csv");

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Strict `YYYY-MM-DD`: chrono alone would also take signs and extra digits, which in an imported
/// file are far more likely typos than intent.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape_ok =
        b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))
}

/// Names are free text but must stay on one line for the file to read back.
fn clean_name(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.trim().to_string();
    }
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

impl BusinessCalendar {
    /// Mainland China, 2025 and 2026, as published by the State Council General Office.
    ///
    /// The embedded files are checked by tests; should one ever fail to parse, the result is an
    /// empty calendar, whose years are then "not loaded" and every deadline carries the warning —
    /// a visible degradation rather than a crash at start-up.
    pub fn china_mainland() -> Self {
        let mut cal = Self::default();
        for text in [CN_2025, CN_2026] {
            if let Ok(year) = Self::from_csv(text) {
                cal.merge(&year);
            }
        }
        cal
    }

    /// Parses `date,kind,name` rows. The name is everything after the second comma, so festival
    /// names need no quoting. A repeated date of the same kind is accepted (the later name wins);
    /// of a different kind it is refused, since one of the two rows must be a mistake.
    pub fn from_csv(text: &str) -> Result<Self, CalendarCsvError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut cal = Self::default();
        let mut seen: HashMap<NaiveDate, usize> = HashMap::new();
        let mut header_seen = false;
        let mut last_line = 0;
        for (idx, raw) in text.lines().enumerate() {
            let line = idx + 1;
            last_line = line;
            let row = raw.trim();
            if row.is_empty() || row.starts_with('#') {
                continue;
            }
            if !header_seen {
                let normalized: String = row.split(',').map(str::trim).collect::<Vec<_>>().join(",");
                if !normalized.eq_ignore_ascii_case(HEADER) {
                    return Err(CalendarCsvError::MissingHeader { line, found: row.to_string() });
                }
                header_seen = true;
                continue;
            }
            let mut fields = row.splitn(3, ',');
            let date_text = fields.next().unwrap_or("").trim();
            let kind_text = fields.next().ok_or(CalendarCsvError::MissingKind { line })?;
            cal.add_row(line, date_text, kind_text, fields.next().unwrap_or(""), &mut seen)?;
        }
        if !header_seen {
            return Err(CalendarCsvError::MissingHeader { line: last_line + 1, found: String::new() });
        }
        Ok(cal)
    }

    /// The same rows as `from_csv` takes, already split (date, kind, name): the calendar as the
    /// database stores it, checked by the same rules, without writing and re-reading a file on
    /// every deadline computed. Row numbers in errors count from 1.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> Result<Self, CalendarCsvError> {
        let mut cal = Self::default();
        let mut seen = HashMap::new();
        for (i, (date, kind, name)) in rows.into_iter().enumerate() {
            cal.add_row(i + 1, date.trim(), kind, name, &mut seen)?;
        }
        Ok(cal)
    }

    fn add_row(
        &mut self,
        line: usize,
        date_text: &str,
        kind_text: &str,
        name: &str,
        seen: &mut HashMap<NaiveDate, usize>,
    ) -> Result<(), CalendarCsvError> {
        let date = parse_date(date_text).ok_or_else(|| CalendarCsvError::BadDate { line, value: date_text.to_string() })?;
        let kind_text = kind_text.trim();
        let kind = DayKind::parse(&kind_text.to_ascii_lowercase())
            .ok_or_else(|| CalendarCsvError::BadKind { line, value: kind_text.to_string() })?;
        if kind == DayKind::Workday && !is_weekend(date) {
            return Err(CalendarCsvError::WorkdayOnWeekday { line, date, weekday: date.weekday() });
        }
        if let (Some(&previous_line), Some(prev)) = (seen.get(&date), self.days.get(&date)) {
            if prev.kind != kind {
                return Err(CalendarCsvError::ConflictingDuplicate { line, date, previous_line });
            }
        }
        seen.insert(date, line);
        self.days.insert(date, DayEntry { kind, name: clean_name(name) });
        self.loaded_years.insert(date.year());
        Ok(())
    }

    /// Writes the rows back in date order. `from_csv(to_csv(c)) == c` for every calendar that
    /// came from `from_csv` (a year without any row cannot be expressed in the file).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(HEADER);
        out.push('\n');
        for (date, entry) in &self.days {
            out.push_str(&format!("{},{},{}\n", date.format("%Y-%m-%d"), entry.kind.as_str(), clean_name(&entry.name)));
        }
        out
    }

    /// Layers `other` on top: a newly imported year corrects the rows it repeats.
    pub fn merge(&mut self, other: &Self) {
        for (date, entry) in &other.days {
            self.days.insert(*date, entry.clone());
        }
        self.loaded_years.extend(other.loaded_years.iter().copied());
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.loaded_years.contains(&year)
    }

    /// A listed row decides; otherwise Monday to Friday. Rows are honoured even in a year not
    /// marked loaded, since they can only be there because someone entered them.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d).map(|e| e.kind) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(d),
        }
    }

    /// The festival name of a listed date, for display next to a deadline.
    pub fn name_of(&self, d: NaiveDate) -> Option<&str> {
        self.days.get(&d).map(|e| e.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn count(cal: &BusinessCalendar, year: i32, kind: DayKind) -> usize {
        cal.days.iter().filter(|(date, e)| date.year() == year && e.kind == kind).count()
    }

    #[test]
    fn china_2025_matches_the_state_council_notice() {
        // R4.5: statutory holidays and adjusted working days of 2025.
        let cal = BusinessCalendar::china_mainland();
        assert!(cal.has_year(2025) && cal.has_year(2026) && !cal.has_year(2027));
        assert_eq!(count(&cal, 2025, DayKind::Holiday), 1 + 8 + 3 + 5 + 3 + 8);
        let workdays: Vec<_> = cal.days.iter().filter(|(x, e)| x.year() == 2025 && e.kind == DayKind::Workday).map(|(x, _)| *x).collect();
        assert_eq!(workdays, vec![d(2025, 1, 26), d(2025, 2, 8), d(2025, 4, 27), d(2025, 9, 28), d(2025, 10, 11)]);
        for off in [d(2025, 1, 1), d(2025, 1, 28), d(2025, 2, 4), d(2025, 4, 4), d(2025, 5, 5), d(2025, 6, 2), d(2025, 10, 8)] {
            assert!(!cal.is_working_day(off), "{off} should be off");
        }
        for on in [d(2025, 1, 27), d(2025, 2, 5), d(2025, 4, 7), d(2025, 5, 6), d(2025, 6, 3), d(2025, 10, 9)] {
            assert!(cal.is_working_day(on), "{on} should be worked");
        }
        assert_eq!(cal.name_of(d(2025, 1, 29)), Some("春节"));
    }

    #[test]
    fn china_2026_matches_the_state_council_notice() {
        // R4.5: statutory holidays and adjusted working days of 2026.
        let cal = BusinessCalendar::china_mainland();
        assert_eq!(count(&cal, 2026, DayKind::Holiday), 3 + 9 + 3 + 5 + 3 + 3 + 7);
        let workdays: Vec<_> = cal.days.iter().filter(|(x, e)| x.year() == 2026 && e.kind == DayKind::Workday).map(|(x, _)| *x).collect();
        assert_eq!(workdays, vec![d(2026, 1, 4), d(2026, 2, 14), d(2026, 2, 28), d(2026, 5, 9), d(2026, 9, 20), d(2026, 10, 10)]);
        for off in
            [d(2026, 1, 2), d(2026, 2, 15), d(2026, 2, 23), d(2026, 4, 6), d(2026, 5, 5), d(2026, 6, 19), d(2026, 9, 25), d(2026, 10, 7)]
        {
            assert!(!cal.is_working_day(off), "{off} should be off");
        }
        for on in [d(2026, 1, 4), d(2026, 2, 24), d(2026, 5, 6), d(2026, 6, 22), d(2026, 9, 28), d(2026, 10, 8)] {
            assert!(cal.is_working_day(on), "{on} should be worked");
        }
    }

    #[test]
    fn weekends_decide_without_a_row() {
        // R4.5: a year with no data falls back to Monday–Friday.
        let cal = BusinessCalendar::china_mainland();
        assert!(!cal.has_year(2030));
        assert!(cal.is_working_day(d(2030, 1, 1))); // a Tuesday; really a holiday, but not loaded
        assert!(!cal.is_working_day(d(2030, 1, 5))); // Saturday
        assert!(!cal.is_working_day(d(2025, 9, 27))); // plain Saturday in a loaded year
    }

    #[test]
    fn csv_round_trips() {
        let cal = BusinessCalendar::china_mainland();
        let text = cal.to_csv();
        assert!(text.starts_with("date,kind,name\n"));
        assert_eq!(BusinessCalendar::from_csv(&text).unwrap(), cal);
    }

    #[test]
    fn stored_rows_read_as_the_file_and_are_checked_alike() {
        // R4.5: the calendar the deadlines use is read from the database's rows.
        let cal = BusinessCalendar::china_mainland();
        let rows: Vec<(String, &str, String)> =
            cal.days.iter().map(|(d, e)| (d.format("%Y-%m-%d").to_string(), e.kind.as_str(), e.name.clone())).collect();
        let read = BusinessCalendar::from_rows(rows.iter().map(|(d, k, n)| (d.as_str(), *k, n.as_str()))).unwrap();
        assert_eq!(read, cal);
        // A damaged row is refused as the file's would be, not read as a working day.
        let bad = [("2025-10-01", "holiday", "国庆节"), ("2025-10-08", "workday", "")];
        assert_eq!(
            BusinessCalendar::from_rows(bad),
            Err(CalendarCsvError::WorkdayOnWeekday { line: 2, date: d(2025, 10, 8), weekday: Weekday::Wed })
        );
        assert!(matches!(BusinessCalendar::from_rows([("2025-13-01", "holiday", "")]), Err(CalendarCsvError::BadDate { .. })));
        assert!(matches!(BusinessCalendar::from_rows([("2025-02-29", "holiday", "")]), Err(CalendarCsvError::BadDate { .. })));
        let leap = BusinessCalendar::from_rows([("2024-02-29", "holiday", "x\ny")]).unwrap();
        assert_eq!(leap.days[&d(2024, 2, 29)].name, "x y");
    }

    #[test]
    fn csv_tolerates_bom_comments_blank_lines_and_commas_in_names() {
        let text = "\u{feff}# comment\n\n Date , Kind , Name \r\n2025-10-01,Holiday,国庆节, 中秋节\r\n\n# x\n2025-09-28,workday,\n";
        let cal = BusinessCalendar::from_csv(text).unwrap();
        assert_eq!(cal.days[&d(2025, 10, 1)], DayEntry { kind: DayKind::Holiday, name: "国庆节, 中秋节".into() });
        assert_eq!(cal.days[&d(2025, 9, 28)].name, "");
        assert_eq!(cal.loaded_years, BTreeSet::from([2025]));
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = |t: &str| BusinessCalendar::from_csv(t).unwrap_err();
        assert_eq!(err(""), CalendarCsvError::MissingHeader { line: 1, found: String::new() });
        assert!(matches!(err("2025-01-01,holiday,x"), CalendarCsvError::MissingHeader { line: 1, .. }));
        assert_eq!(err("date,kind,name\n#\n2025-13-01,holiday,x"), CalendarCsvError::BadDate { line: 3, value: "2025-13-01".into() });
        assert!(matches!(err("date,kind,name\n+2025-01-01,holiday,x"), CalendarCsvError::BadDate { line: 2, .. }));
        assert!(matches!(err("date,kind,name\n2025-1-1,holiday,x"), CalendarCsvError::BadDate { line: 2, .. }));
        assert_eq!(err("date,kind,name\n2025-01-01"), CalendarCsvError::MissingKind { line: 2 });
        assert_eq!(err("date,kind,name\n2025-01-01,off,x"), CalendarCsvError::BadKind { line: 2, value: "off".into() });
        assert_eq!(
            err("date,kind,name\n2025-01-02,workday,x"),
            CalendarCsvError::WorkdayOnWeekday { line: 2, date: d(2025, 1, 2), weekday: Weekday::Thu }
        );
        assert_eq!(
            err("date,kind,name\n2025-01-26,workday,x\n\n2025-01-26,holiday,y"),
            CalendarCsvError::ConflictingDuplicate { line: 4, date: d(2025, 1, 26), previous_line: 2 }
        );
        assert!(err("date,kind,name\n2025-01-01,off,x").to_string().starts_with("line 2:"));
    }

    #[test]
    fn same_kind_duplicate_keeps_the_later_name_and_holidays_may_fall_on_weekends() {
        let cal = BusinessCalendar::from_csv("date,kind,name\n2025-01-04,holiday,a\n2025-01-04,holiday,b\n").unwrap();
        assert_eq!(cal.name_of(d(2025, 1, 4)), Some("b"));
    }

    #[test]
    fn merge_lets_the_newer_file_win() {
        let mut base = BusinessCalendar::from_csv("date,kind,name\n2025-01-01,holiday,元旦\n").unwrap();
        let other = BusinessCalendar::from_csv("date,kind,name\n2025-01-01,holiday,New Year\n2026-01-04,workday,x\n").unwrap();
        base.merge(&other);
        assert_eq!(base.name_of(d(2025, 1, 1)), Some("New Year"));
        assert_eq!(base.loaded_years, BTreeSet::from([2025, 2026]));
        assert!(base.is_working_day(d(2026, 1, 4)));
    }

    #[test]
    fn to_csv_keeps_names_on_one_line() {
        let mut cal = BusinessCalendar::default();
        cal.days.insert(d(2025, 1, 1), DayEntry { kind: DayKind::Holiday, name: "a\nb".into() });
        cal.loaded_years.insert(2025);
        let back = BusinessCalendar::from_csv(&cal.to_csv()).unwrap();
        assert_eq!(back.name_of(d(2025, 1, 1)), Some("a b"));
    }

    #[test]
    fn json_shape_is_stable() {
        let cal = BusinessCalendar::from_csv("date,kind,name\n2025-01-26,workday,春节调休上班\n").unwrap();
        let json = serde_json::to_value(&cal).unwrap();
        assert_eq!(json, serde_json::json!({"days": {"2025-01-26": {"kind": "workday", "name": "春节调休上班"}}, "loaded_years": [2025]}));
        assert_eq!(serde_json::from_value::<BusinessCalendar>(json).unwrap(), cal);
        let _schema = schemars::schema_for!(BusinessCalendar);
    }
}
