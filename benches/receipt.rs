//! `cargo bench --bench receipt`: how long one signed registration receipt takes to make, and how
//! big it is (issue 5). Prints median and p95 over repeated runs, after a first run that parses
//! the font (reported separately: it happens once per process).

use std::time::Instant;

use chrono::{DateTime, Utc};
use complaint_desk::docs::{render, DocOptions, Form, Lang, Paper};
use complaint_desk::{api, demo, store::Store, workflow::settings};
use serde_json::json;

fn main() {
    let now: DateTime<Utc> = "2026-03-10T02:00:00Z".parse().unwrap();
    let mut store = Store::open_in_memory().expect("store");
    settings::init_defaults(&store.conn, now).expect("defaults");
    demo::generate(&mut store, now, 0, 1).expect("staff");
    let stroke = |y: f64| -> serde_json::Value {
        serde_json::Value::Array(
            (0..60).map(|i| json!({ "x": 10.0 + i as f64 * 3.0, "y": y + (i % 5) as f64, "t": i * 16, "p": 0.6 })).collect(),
        )
    };
    let plan = api::call(&mut store, now, "cs01", "register", json!({
        "customer_name": "王芳", "phone": "13812345678", "channel": "walk_in", "category": "service",
        "sub_category": "守时/爽约",
        "description": "保洁员约定上午9点上门，迟到两个多小时且没有提前告知，耽误我上班。空调滤网也没有清洗，厨房油烟机没有擦干净，要求重新上门并道歉。",
        "expected_outcome": "道歉并免费重新服务",
        "signature": { "signer_name": "王芳", "strokes": [stroke(30.0), stroke(60.0), stroke(90.0)] },
    }))
    .expect("register");
    let number = plan["number"].as_str().unwrap().to_string();
    let opts = DocOptions { lang: Lang::ZhCn, paper: Paper::A4 };

    let t0 = Instant::now();
    let first = render(&mut store, now, "cs01", &number, Form::Receipt, opts).expect("receipt");
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;

    let runs = 30;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            render(&mut store, now, "cs01", &number, Form::Receipt, opts).expect("receipt");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = times[runs / 2];
    let p95 = times[(runs * 95 / 100).min(runs - 1)];
    println!(
        "receipt (A4, zh-CN, signed, QR): {} bytes ({:.1} KB), {} page(s)",
        first.bytes.len(),
        first.bytes.len() as f64 / 1024.0,
        first.pages
    );
    println!("first render (parses the font): {first_ms:.1} ms");
    println!("median {median:.1} ms, p95 {p95:.1} ms over {runs} runs");
}
