//! R7.10 search at scale (issue 8): lists read open complaints through their own full-text tables
//! and finished ones newest first. These tests hold the fast plan to a slow reference computed
//! from the full text tables and the complaints themselves: same complaints, same order, every
//! page, after the stage changes that move a complaint between the two parts.

use crate::common;
use common::*;

use std::collections::BTreeSet;

use complaint_desk::demo;
use complaint_desk::store::search::TextMatch;
use rusqlite::params;
use serde_json::{json, Value};

/// (open?, is_repeat, next_due_at, received_at, rowid) of a complaint: what the order is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Keys {
    id: String,
    open: bool,
    repeat: bool,
    due: Option<String>,
    received: String,
    rowid: i64,
}

/// The order the lists promise: open first (repeat first, then the nearest deadline, then the
/// newest), then finished ones newest registered first. Ties (same instant) compare equal.
fn sort_key(k: &Keys) -> (bool, bool, bool, String, std::cmp::Reverse<String>, std::cmp::Reverse<i64>) {
    if k.open {
        (false, !k.repeat, k.due.is_none(), k.due.clone().unwrap_or_default(), std::cmp::Reverse(k.received.clone()), std::cmp::Reverse(0))
    } else {
        (true, false, false, String::new(), std::cmp::Reverse(String::new()), std::cmp::Reverse(k.rowid))
    }
}

fn keys_of(fx: &Fx, ids: &[String]) -> Vec<Keys> {
    ids.iter()
        .map(|id| {
            fx.store
                .conn
                .query_row(
                    "SELECT stage NOT IN ('closed','not_accepted','cancelled'), is_repeat, next_due_at, received_at, rowid FROM complaints WHERE id = ?1",
                    params![id],
                    |r| Ok(Keys { id: id.clone(), open: r.get(0)?, repeat: r.get(1)?, due: r.get(2)?, received: r.get(3)?, rowid: r.get(4)? }),
                )
                .unwrap()
        })
        .collect()
}

/// The slow reference: every complaint the full (all-complaint) text tables match, filtered by
/// stage in Rust, sorted by `sort_key`.
fn reference(fx: &Fx, text: Option<&str>, stages: &[&str]) -> Vec<Keys> {
    reference_since(fx, text, stages, None)
}

fn reference_since(fx: &Fx, text: Option<&str>, stages: &[&str], closed_from: Option<&str>) -> Vec<Keys> {
    let ids: Vec<String> = match text.and_then(TextMatch::of) {
        Some(m) => {
            let (cond, p) = m.rowid_condition(false);
            let mut st = fx.store.conn.prepare(&format!("SELECT c.id FROM complaints c WHERE {cond}")).unwrap();
            st.query_map(params![p], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
        }
        None => {
            let mut st = fx.store.conn.prepare("SELECT id FROM complaints").unwrap();
            st.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
        }
    };
    let mut keys: Vec<Keys> = keys_of(fx, &ids);
    if !stages.is_empty() {
        let stage_of = |id: &str| -> String {
            fx.store.conn.query_row("SELECT stage FROM complaints WHERE id = ?1", params![id], |r| r.get(0)).unwrap()
        };
        keys.retain(|k| stages.contains(&stage_of(&k.id).as_str()));
    }
    if let Some(since) = closed_from {
        let closed_at = |id: &str| -> Option<String> {
            fx.store.conn.query_row("SELECT closed_at FROM complaints WHERE id = ?1", params![id], |r| r.get(0)).unwrap()
        };
        keys.retain(|k| closed_at(&k.id).is_some_and(|c| c.as_str() >= since));
    }
    keys.sort_by_key(sort_key);
    keys
}

fn search_ids(fx: &mut Fx, filter: Value, limit: u32, offset: u32) -> Vec<String> {
    let r = fx.ok(MANAGER, "search", json!({ "filter": filter, "limit": limit, "offset": offset }));
    r["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

fn total(fx: &mut Fx, filter: Value) -> i64 {
    fx.ok(MANAGER, "search", json!({ "filter": filter, "limit": 1, "with_total": true }))["total"].as_i64().unwrap()
}

/// Asserts the list equals the reference: same complaints, and in the reference's order
/// (compared by sort key, since complaints with equal keys may come in either order).
#[track_caller]
fn assert_same(fx: &Fx, got: &[String], want: &[Keys], what: &str) {
    let got_keys = keys_of(fx, got);
    assert_eq!(got.len(), want.len(), "{what}: {} listed, {} expected", got.len(), want.len());
    let a: BTreeSet<&String> = got.iter().collect();
    let b: BTreeSet<&String> = want.iter().map(|k| &k.id).collect();
    assert_eq!(a, b, "{what}: not the same complaints");
    let ga: Vec<_> = got_keys.iter().map(sort_key).collect();
    let wa: Vec<_> = want.iter().map(sort_key).collect();
    assert_eq!(ga, wa, "{what}: not in the promised order");
}

fn fixture() -> Fx {
    let mut fx = Fx::new();
    // Real operations (intake, dispatch, close, surveys …) over eighteen months, so the stage
    // triggers and the indexing run as they do in use.
    demo::generate(&mut fx.store, fx.now, 400, 11).unwrap();
    fx
}

const QUERIES: &[Option<&str>] = &[None, Some("空调"), Some("上门"), Some("没有提前告知"), Some("保洁"), Some("王"), Some("A"), Some("13")];

fn check_all(fx: &mut Fx, when: &str) {
    for text in QUERIES {
        for stages in [
            &[][..],
            &["registered", "reviewed", "dispatched", "in_handling", "awaiting_customer", "implementing", "follow_up"][..],
            &["closed"][..],
            &["follow_up", "closed", "cancelled"][..],
        ] {
            let filter = json!({ "text": text, "stages": stages });
            let want = reference(fx, *text, stages);
            let what = format!("{when}: text {text:?}, stages {stages:?}");
            let got = search_ids(fx, filter.clone(), 1000, 0);
            assert_same(fx, &got, &want[..want.len().min(1000)], &what);
            assert_eq!(total(fx, filter.clone()), want.len() as i64, "{what}: total");
            // Pages of 7 put together are the whole list, across the open/finished boundary too.
            let mut paged = Vec::new();
            let mut offset = 0;
            while offset < want.len().min(70) as u32 + 14 {
                let page = search_ids(fx, filter.clone(), 7, offset);
                if page.is_empty() {
                    break;
                }
                paged.extend(page);
                offset += 7;
            }
            let n = paged.len();
            assert_same(fx, &paged, &want[..n], &format!("{what}, in pages"));
            assert!(n >= want.len().min(70), "{what}: pages stopped early ({n})");
        }
    }
}

#[test]
fn lists_match_the_full_text_reference_in_order_and_in_pages() {
    // R7.10: every condition combinable, one- and two-character Chinese included, same result
    // whichever part of the list a complaint is in.
    let mut fx = fixture();
    let open: i64 = fx
        .store
        .conn
        .query_row("SELECT COUNT(*) FROM complaints WHERE stage NOT IN ('closed','not_accepted','cancelled')", [], |r| r.get(0))
        .unwrap();
    let closed: i64 = fx.store.conn.query_row("SELECT COUNT(*) FROM complaints WHERE stage = 'closed'", [], |r| r.get(0)).unwrap();
    assert!(open > 5 && closed > 50, "the demo must have both parts ({open} open, {closed} closed)");
    check_all(&mut fx, "demo");
}

#[test]
fn the_closed_since_column_matches_the_reference() {
    // The board's "closed today" column (R7.10 date conditions): closed since an instant.
    let mut fx = fixture();
    let mut closed: Vec<String> = {
        let mut st = fx.store.conn.prepare("SELECT closed_at FROM complaints WHERE closed_at IS NOT NULL ORDER BY closed_at DESC").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    assert!(closed.len() > 50);
    closed.truncate(40);
    let since = closed.last().unwrap().clone();
    for text in [None, Some("上门"), Some("空调")] {
        let want = reference_since(&fx, text, &["closed"], Some(&since));
        let got = search_ids(&mut fx, json!({ "text": text, "stages": ["closed"], "closed_from": since }), 1000, 0);
        assert_same(&fx, &got, &want, &format!("closed since {since}, text {text:?}"));
        if text.is_none() {
            assert!(want.len() >= 35, "the recent closings are listed ({})", want.len());
        }
    }
}

#[test]
fn open_text_tables_follow_every_stage_change() {
    // R7.10 after R3.5 (cancel), R6.3 (close) and reopen: a complaint moves between the parts
    // and is still found by its text, exactly once.
    let mut fx = fixture();
    let marker = "琥珀色吸尘器";
    let (id, _) = fx.register(json!({ "description": format!("客户反映{marker}的吸力不足，上门维修后仍未解决。") }));
    let find = |fx: &mut Fx, stages: Value| search_ids(fx, json!({ "text": marker, "stages": stages }), 50, 0);
    let open_stages = json!(["registered", "reviewed", "dispatched", "in_handling", "awaiting_customer", "implementing", "follow_up"]);
    assert_eq!(find(&mut fx, open_stages.clone()), vec![id.clone()], "a new complaint is in the open part");
    assert_eq!(find(&mut fx, json!([])), vec![id.clone()]);

    fx.ok(MANAGER, "cancel", json!({ "complaint": id, "reason": "duplicate", "note": "重复登记" }));
    assert_eq!(fx.stage(&id), "cancelled");
    assert!(find(&mut fx, open_stages.clone()).is_empty(), "a cancelled complaint left the open part");
    assert_eq!(find(&mut fx, json!(["cancelled"])), vec![id.clone()], "and is found among the finished");
    assert_eq!(find(&mut fx, json!([])), vec![id.clone()]);

    // A closed one reopened comes back into the open part.
    let closed: String =
        fx.store.conn.query_row("SELECT id FROM complaints WHERE stage = 'closed' ORDER BY rowid DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let number: String = fx.store.conn.query_row("SELECT number FROM complaints WHERE id = ?1", params![closed], |r| r.get(0)).unwrap();
    assert_eq!(find_number(&mut fx, &number, json!(["closed"])), vec![closed.clone()]);
    fx.ok(MANAGER, "reopen", json!({ "complaint": closed, "reason": "客户再次来电，问题复发" }));
    assert!(fx.stage(&closed) != "closed");
    assert_eq!(find_number(&mut fx, &number, open_stages), vec![closed.clone()], "a reopened complaint is in the open part");
    assert!(find_number(&mut fx, &number, json!(["closed"])).is_empty());
    check_all(&mut fx, "after cancel and reopen");

    // The open tables hold exactly the open complaints (`cdesk verify` checks the same).
    assert_eq!(complaint_desk::store::search::open_index_mismatches(&fx.store.conn).unwrap(), 0);
    let report = complaint_desk::maintenance::verify::verify_database(&fx.store.conn, None).unwrap();
    assert!(report.ok && report.search_index_out_of_step == 0, "{report:?}");

    // Behind the program's back: a stale entry is reported, not hidden.
    fx.store
        .conn
        .execute("DELETE FROM complaint_fts_open WHERE rowid = (SELECT rowid FROM complaints WHERE id = ?1)", params![closed])
        .unwrap();
    let report = complaint_desk::maintenance::verify::verify_database(&fx.store.conn, None).unwrap();
    assert!(!report.ok && report.search_index_out_of_step == 1, "{report:?}");
}

/// The complaint number is in the indexed text: a text search by number finds exactly it.
fn find_number(fx: &mut Fx, number: &str, stages: Value) -> Vec<String> {
    search_ids(fx, json!({ "text": number, "stages": stages }), 50, 0)
}

#[test]
fn the_json_writer_of_board_and_search_gives_the_typed_reply_byte_for_byte() {
    // R7.8 / R7.10: the board's fast JSON writer must not drift from the typed reply (its
    // schema is what the window is generated from): same bytes for every role, masked or not.
    use complaint_desk::workflow::{views, Ctx};
    let fx = fixture();
    let dir = fx.store.attachments_dir();
    let filters = [
        json!({}),
        json!({ "open_only": true }),
        json!({ "text": "空调" }),
        json!({ "text": "上门", "stages": ["follow_up", "closed"] }),
        json!({ "phone": "13", "open_only": true }),
        json!({ "due": "overdue" }),
    ];
    let mut compared = 0;
    for login in [MANAGER, AGENT, HS_HANDLER, AUDITOR] {
        let actor = complaint_desk::auth::actor_by_login(&fx.store.conn, login).unwrap();
        let ctx = Ctx { conn: &fx.store.conn, now: fx.now, actor: &actor, attachments_dir: &dir, op: complaint_desk::ops::Op::Search };
        for f in &filters {
            for with_total in [false, true] {
                let a: views::SearchArgs = serde_json::from_value(json!({ "filter": f, "limit": 300, "with_total": with_total })).unwrap();
                let typed = match views::search(&ctx, &a) {
                    Ok(r) => serde_json::to_string(&r).unwrap(),
                    Err(e) => {
                        assert!(views::search_json(&ctx, &a).is_err(), "{login} {f}: typed failed ({e}) but the writer did not");
                        continue;
                    }
                };
                let fast = views::search_json(&ctx, &a).unwrap();
                assert_eq!(fast, typed, "{login} {f}");
                compared += serde_json::from_str::<Value>(&fast).unwrap()["items"].as_array().unwrap().len();
            }
        }
    }
    assert!(compared > 1000, "too few cards compared ({compared})");
}
