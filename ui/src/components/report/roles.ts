// Which controls a role is offered on the report screens, read from the core's role matrix
// (../../api/roles.ts); the core decides every call.
import { mayCall, seesPersonalData } from '../../api/roles'
import type { Role } from '../../api/types.gen'

type R = Role | null | undefined

/** kpis, kpi_complaints, monthly_report, export_monthly_report. */
export const canSeeReports = (r: R) => mayCall(r, 'kpis') && mayCall(r, 'monthly_report')
/** file_report, and the reminder until the month's report is filed (R7.3). */
export const canFileReport = (r: R) => mayCall(r, 'file_report')
/** export_complaints. */
export const canExport = (r: R) => mayCall(r, 'export_complaints')
/** export_complaints with unmask: roles that may see personal data (R7.8). */
export const canUnmask = (r: R) => canExport(r) && seesPersonalData(r)
/** import_customers, import_workers. */
export const canImport = (r: R) => mayCall(r, 'import_customers')
