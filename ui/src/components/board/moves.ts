// Which core operation moves a card from one board column to another. The board never changes a
// stage by itself: a drop opens the dialog of one of these operations, and only if the core lists
// it in `get_complaint().allowed_actions` (the core decides; this table only names the candidates,
// in the order they are offered). A column pair that is not here has no single operation: the
// lifecycle is never skipped.
import type { ComplaintCard, Stage } from '../../api/types.gen'

/** A board column: an open stage, or the closed complaints of today. */
export type ColumnKey =
  | 'registered' | 'reviewed' | 'dispatched' | 'in_handling' | 'awaiting_customer' | 'implementing' | 'follow_up'
  | 'closed_today'

export const COLUMNS: ColumnKey[] = [
  'registered', 'reviewed', 'dispatched', 'in_handling', 'awaiting_customer', 'implementing', 'follow_up', 'closed_today',
]

/** The open stages (the table's default selection). */
export const OPEN_STAGES: Stage[] = ['registered', 'reviewed', 'dispatched', 'in_handling', 'awaiting_customer', 'implementing', 'follow_up']

/** The stages a complaint ends in (the table's "finished" scope). */
export const FINISHED_STAGES: Stage[] = ['closed', 'not_accepted', 'cancelled']

export function columnOf(stage: Stage): ColumnKey | null {
  if (stage === 'closed') return 'closed_today'
  return (COLUMNS as string[]).includes(stage) ? (stage as ColumnKey) : null
}

const HANDLED: ColumnKey[] = ['dispatched', 'in_handling', 'awaiting_customer', 'implementing', 'follow_up']

/** Candidate operations for a move, best first. */
export function operationsFor(from: ColumnKey, to: ColumnKey): string[] {
  if (from === to) return []
  const key = `${from}>${to}`
  const table: Record<string, string[]> = {
    'registered>reviewed': ['review'],
    'reviewed>dispatched': ['dispatch'],
    'dispatched>in_handling': ['accept_dispatch'],
    'dispatched>awaiting_customer': ['record_findings'],
    'in_handling>awaiting_customer': ['record_findings'],
    // The customer's answer to the solution: agree → implement (or straight to follow-up when
    // nothing is to be done), disagree → back to the department (R5.4).
    'awaiting_customer>implementing': ['record_customer_decision'],
    'awaiting_customer>follow_up': ['record_customer_decision'],
    'awaiting_customer>dispatched': ['record_customer_decision'],
    'implementing>follow_up': ['implement'],
    // R6.2: close after a satisfied survey; a supervisor may close with a reason.
    'follow_up>closed_today': ['survey', 'close', 'supervisor_close'],
    // R5.2: the department returns it to CS.
    'dispatched>reviewed': ['return_dispatch'],
    'in_handling>reviewed': ['return_dispatch'],
    'closed_today>reviewed': ['reopen'],
  }
  if (table[key]) return table[key]
  if (to === 'closed_today' && HANDLED.includes(from)) return ['supervisor_close']
  return []
}

/** The candidates the core allows for this complaint now, in the order of `operationsFor`. */
export function allowedOperations(from: ColumnKey, to: ColumnKey, allowed: string[]): string[] {
  return operationsFor(from, to).filter((op) => allowed.includes(op))
}

/** Is there any operation for this pair at all (to highlight drop targets while dragging)? */
export function hasOperation(from: ColumnKey, to: ColumnKey): boolean {
  return operationsFor(from, to).length > 0
}

/** A card being dragged, and the column it left. */
export interface Dragging {
  card: ComplaintCard
  from: ColumnKey
}
