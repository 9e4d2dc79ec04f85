//! The lifecycle graph. Each operation lists the stages it may start from and the stages it may
//! leave the complaint in; `set_stage` refuses any other edge, so no code path can put a complaint
//! in a stage the lifecycle does not allow (a property test drives random operation sequences).

use crate::error::{CoreError, Result};
use crate::model::Stage;

use Stage::*;

const OPEN: &[Stage] = &[Registered, Reviewed, Dispatched, InHandling, AwaitingCustomer, Implementing, FollowUp];
const ANY: &[Stage] = &[
    Registered, Reviewed, Dispatched, InHandling, AwaitingCustomer, Implementing, FollowUp, Closed, NotAccepted, Cancelled,
];
const HANDLED: &[Stage] = &[Dispatched, InHandling, AwaitingCustomer, Implementing, FollowUp];

/// (operation, stages it starts from, stages it may end in). An empty "to" means the stage stays.
pub const GRAPH: &[(&str, &[Stage], &[Stage])] = &[
    ("add_signature", ANY, &[]),
    ("add_attachment", ANY, &[]),
    ("not_accept", &[Registered, Reviewed], &[NotAccepted]),
    ("review", &[Registered], &[Reviewed]),
    ("cancel", &[Registered, Reviewed], &[Cancelled]),
    ("report_major", OPEN, &[]),
    ("dispatch", &[Reviewed], &[Dispatched]),
    ("accept_dispatch", &[Dispatched], &[InHandling]),
    ("return_dispatch", &[Dispatched, InHandling], &[Reviewed]),
    ("transfer", &[Dispatched, InHandling], &[Dispatched]),
    ("record_findings", &[Dispatched, InHandling], &[AwaitingCustomer]),
    ("reply_to_customer", OPEN, &[]),
    ("record_customer_decision", &[AwaitingCustomer], &[Implementing, FollowUp, Dispatched]),
    ("approve_compensation", &[AwaitingCustomer, Implementing], &[]),
    ("implement", &[Implementing], &[FollowUp]),
    ("urge", HANDLED, &[]),
    ("pause_for_holiday", OPEN, &[]),
    ("record_contact_attempt", &[FollowUp], &[]),
    ("survey", &[FollowUp], &[FollowUp, Dispatched]),
    ("close", &[FollowUp], &[Closed]),
    ("supervisor_close", HANDLED, &[Closed]),
    ("reopen", &[Closed], &[Reviewed]),
    ("appeal", &[Closed], &[]),
    ("raise_warning", OPEN, &[]),
    ("set_nature", OPEN, &[]),
    ("acknowledge_escalation", ANY, &[]),
    ("add_case", &[Closed], &[]),
];

pub fn from_stages(op: &str) -> Option<&'static [Stage]> {
    GRAPH.iter().find(|(name, _, _)| *name == op).map(|(_, from, _)| *from)
}

/// Is `op` applicable to a complaint in `stage`? Operations outside the graph (reads, settings)
/// do not depend on a stage.
pub fn check(op: &str, stage: Stage) -> Result<()> {
    match from_stages(op) {
        Some(from) if !from.contains(&stage) => Err(CoreError::IllegalTransition { op: op.to_string(), stage }),
        _ => Ok(()),
    }
}

pub fn check_edge(op: &str, from: Stage, to: Stage) -> Result<()> {
    let ok = GRAPH
        .iter()
        .find(|(name, _, _)| *name == op)
        .map(|(_, f, t)| f.contains(&from) && (t.contains(&to) || (t.is_empty() && from == to)))
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(CoreError::IllegalTransition { op: op.to_string(), stage: from })
    }
}

/// Every edge the graph allows, for the property test.
pub fn allowed_edge(from: Stage, to: Stage) -> bool {
    from == to
        || GRAPH.iter().any(|(_, f, t)| f.contains(&from) && t.contains(&to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_complaints_take_no_handling_steps() {
        // R6.2: once closed, only reopen/appeal/case library apply.
        let err = check("dispatch", Closed).unwrap_err();
        assert!(matches!(err, CoreError::IllegalTransition { stage: Closed, .. }));
        assert!(check("reopen", Closed).is_ok());
        assert!(check_edge("survey", FollowUp, Closed).is_err(), "a survey alone does not close");
    }
}
