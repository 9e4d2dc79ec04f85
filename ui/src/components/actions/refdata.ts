// Pickers' data (departments, staff, templates, sub-categories), loaded once per window and
// refreshed on demand: the detail page and every action dialog share it.
import { call } from '../../api/ipc'
import type { RefData } from './registry'

let refPromise: Promise<RefData> | null = null
let subPromise: Promise<Record<string, string[]>> | null = null
let policyPromise: Promise<Record<string, string>> | null = null

export function loadRefData(force = false): Promise<RefData> {
  if (!refPromise || force) {
    refPromise = call('reference_data', {}).then((r) => ({
      departments: r?.departments ?? [],
      users: r?.users ?? [],
      workers: r?.workers ?? [],
      templates: r?.templates ?? [],
    }))
    refPromise.catch(() => (refPromise = null))
  }
  return refPromise
}

export function loadSubCategories(force = false): Promise<Record<string, string[]>> {
  if (!subPromise || force) {
    subPromise = call('sub_categories', {}).then((r): Record<string, string[]> => ({ ...(r ?? {}) }))
    subPromise.catch(() => (subPromise = null))
  }
  return subPromise
}

export function departmentName(ref: RefData | null, id: string | null | undefined): string {
  if (!id) return '—'
  return ref?.departments.find((d) => d.id === id || d.code === id)?.name ?? id
}

export function userName(ref: RefData | null, id: string | null | undefined): string {
  if (!id) return '—'
  return ref?.users.find((u) => u.id === id || u.login === id)?.name ?? id
}

/** Deadline policy code → its name (R4.4), for showing which policy a complaint runs on. */
export function loadPolicyNames(): Promise<Record<string, string>> {
  if (!policyPromise) {
    policyPromise = call('get_settings', {}).then((r) => {
      const out: Record<string, string> = {}
      for (const p of r?.policies ?? []) if (p?.code) out[p.code] = p.name || p.code
      return out
    })
    policyPromise.catch(() => (policyPromise = null))
  }
  return policyPromise
}
