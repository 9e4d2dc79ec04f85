// The monthly report reminder (R7.3): from the 1st until last month's report is filed, a banner
// for those who file it. The core decides (`report_status().reminder`); the window asks on
// sign-in, on navigation (at most every few minutes) and right after filing.
import { ref } from 'vue'
import { call } from '../../api/ipc'
import type { ReportStatus } from '../../api/types.gen'

export const reminderStatus = ref<ReportStatus | null>(null)
let lastAsked = 0
let asking: Promise<void> | null = null

const EVERY_MS = 5 * 60_000

/** Asks the core again; `force` skips the throttle (sign-in, filing). */
export function refreshReminder(force = false): Promise<void> {
  const now = Date.now()
  if (!force && (asking || now - lastAsked < EVERY_MS)) return asking ?? Promise.resolve()
  lastAsked = now
  asking = call('report_status', {})
    .then((s) => {
      reminderStatus.value = s
    })
    .catch(() => {
      /* a locked session or a refused role: no banner */
    })
    .finally(() => {
      asking = null
    })
  return asking
}

export function clearReminder() {
  reminderStatus.value = null
  lastAsked = 0
}
