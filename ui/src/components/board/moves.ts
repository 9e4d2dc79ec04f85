// Which core operation moves a card from one board column to another. The board never changes a
// stage by itself: a drop opens the dialog of one of these operations, and only if the core lists
// it in `get_complaint().allowed_actions` (the core decides; the generated BOARD_MOVES, read off
// the core's operation table, only names the candidates, in the order they are offered). A column
// pair that is not there has no single operation: the lifecycle is never skipped.
import { BOARD_MOVES } from '../../api/types.gen'
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

/** The stage a column's cards are in (closed today: closed). */
function stageOf(column: ColumnKey): Stage {
  return column === 'closed_today' ? 'closed' : column
}

/** Candidate operations for a move, best first. */
export function operationsFor(from: ColumnKey, to: ColumnKey): string[] {
  if (from === to) return []
  return [...(BOARD_MOVES[`${stageOf(from)}>${stageOf(to)}`] ?? [])]
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
