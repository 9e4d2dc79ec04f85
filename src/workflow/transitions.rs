//! The lifecycle graph. Each operation lists (in the table in `ops`) the stages it may start from
//! and the stages it may leave the complaint in; `set_stage` refuses any other edge, so no code
//! path can put a complaint in a stage the lifecycle does not allow (a property test drives random
//! operation sequences).

use std::sync::LazyLock;

use crate::error::{CoreError, Result};
use crate::model::Stage;
use crate::ops::Op;

/// (operation, stages it starts from, stages it may end in) for every operation on the graph,
/// read off the table in `ops`. An empty "to" means the stage stays.
pub static GRAPH: LazyLock<Vec<(&'static str, &'static [Stage], &'static [Stage])>> =
    LazyLock::new(|| Op::ALL.iter().filter_map(|op| op.spec().edges.map(|(from, to)| (op.name(), from, to))).collect());

/// Is `op` applicable to a complaint in `stage`? Operations outside the graph (reads, settings)
/// do not depend on a stage.
pub fn check(op: Op, stage: Stage) -> Result<()> {
    match op.from_stages() {
        Some(from) if !from.contains(&stage) => Err(CoreError::IllegalTransition { op: op.name().to_string(), stage }),
        _ => Ok(()),
    }
}

pub fn check_edge(op: Op, from: Stage, to: Stage) -> Result<()> {
    let ok = op.spec().edges.is_some_and(|(f, t)| f.contains(&from) && (t.contains(&to) || (t.is_empty() && from == to)));
    if ok {
        Ok(())
    } else {
        Err(CoreError::IllegalTransition { op: op.name().to_string(), stage: from })
    }
}

/// Every edge the graph allows, for the property test.
pub fn allowed_edge(from: Stage, to: Stage) -> bool {
    from == to || Op::ALL.iter().any(|op| op.spec().edges.is_some_and(|(f, t)| f.contains(&from) && t.contains(&to)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    #[test]
    fn closed_complaints_take_no_handling_steps() {
        // R6.2: once closed, only reopen/appeal/case library apply.
        let err = check(Op::Dispatch, Closed).unwrap_err();
        assert!(matches!(err, CoreError::IllegalTransition { stage: Closed, .. }));
        assert!(check(Op::Reopen, Closed).is_ok());
        assert!(check_edge(Op::Survey, FollowUp, Closed).is_err(), "a survey alone does not close");
    }
}
