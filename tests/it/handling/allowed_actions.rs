//! The actions the detail screen offers come from the core (the UI decides nothing), and the core
//! offers only what the operation would accept for reasons known in advance.
use crate::common;
use common::*;
use serde_json::{json, Value};

fn actions(fx: &mut Fx, login: &str, id: &str) -> Vec<String> {
    let d = fx.ok(login, "get_complaint", json!({ "complaint": id }));
    d["allowed_actions"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn report_major_is_offered_only_for_a_major_complaint_until_reported() {
    // R3.3
    let mut fx = Fx::new();
    let (general, _) = fx.register(json!({}));
    assert!(!actions(&mut fx, AGENT, &general).contains(&"report_major".to_string()), "a general complaint is not reported");
    let (major, _) = fx.register(json!({ "phone": "13900000001", "tier": "vip" }));
    assert!(actions(&mut fx, AGENT, &major).contains(&"report_major".to_string()));
    fx.ok(AGENT, "report_major", json!({ "complaint": major, "informed": "刘强" }));
    assert!(!actions(&mut fx, AGENT, &major).contains(&"report_major".to_string()), "reported once");
}

#[test]
fn escalation_acknowledgement_and_warning_are_offered_when_they_can_succeed() {
    // R2.5, R3.8
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let a = actions(&mut fx, MANAGER, &id);
    assert!(!a.contains(&"acknowledge_escalation".to_string()), "a level-1 general complaint is not escalated");
    assert!(a.contains(&"raise_warning".to_string()));
    fx.ok(MANAGER, "raise_warning", json!({ "complaint": id, "level": 3, "reason": "客户情绪激动" }));
    let a = actions(&mut fx, MANAGER, &id);
    assert!(a.contains(&"acknowledge_escalation".to_string()));
    assert!(!a.contains(&"raise_warning".to_string()), "level 3 is the top");
    fx.ok(MANAGER, "acknowledge_escalation", json!({ "complaint": id, "level": "cs_manager" }));
    fx.ok(MANAGER, "acknowledge_escalation", json!({ "complaint": id, "level": "cs_department" }));
    assert!(!actions(&mut fx, MANAGER, &id).contains(&"acknowledge_escalation".to_string()), "nothing left for this role to acknowledge");
}

#[test]
fn every_offered_action_is_one_the_role_matrix_allows() {
    // R7.7: the offer never exceeds the matrix.
    let mut fx = Fx::new();
    let id = fx.dispatched(json!({}));
    let mut offered = 0;
    for login in [AGENT, MANAGER, HS_HANDLER, AUDITOR, BRANCH_MANAGER] {
        let role: Value = fx.ok(login, "whoami", json!({}))["role"].clone();
        for op in actions(&mut fx, login, &id) {
            offered += 1;
            let roles = complaint_desk::auth::allowed_roles(&op).unwrap();
            assert!(roles.iter().any(|r| r.as_str() == role.as_str().unwrap()), "{op} offered to {role}");
        }
    }
    assert!(offered > 0, "a dispatched complaint offers actions to someone");
}

#[test]
fn steps_say_when_they_become_due_soon() {
    // R4.6: the live countdown needs the due-soon instant, not only the due time.
    let mut fx = Fx::new();
    let (id, _) = fx.register(json!({}));
    let d = fx.detail(&id);
    let step = d["steps"].as_array().unwrap().iter().find(|s| s["kind"] == "dispatch").unwrap().clone();
    let due = chrono::DateTime::parse_from_rfc3339(step["due_at"].as_str().unwrap()).unwrap();
    let soon = chrono::DateTime::parse_from_rfc3339(step["soon_at"].as_str().unwrap()).unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(step["started_at"].as_str().unwrap()).unwrap();
    assert_eq!((soon - started).num_seconds(), 24 * 60, "80% of the 30-minute dispatch limit");
    assert!(soon < due);
}
