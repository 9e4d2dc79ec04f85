use crate::common;
use common::*;
use serde_json::json;

#[test]
fn fixture_registers_and_dispatches() {
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    assert_eq!(fx.stage(&id), "dispatched");
}
