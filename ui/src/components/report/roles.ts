// Which controls a role is offered on the report screens. This only avoids showing buttons a
// role would be refused; the core's role matrix (src/auth.rs) decides every call.
import type { Role } from '../../api/types.gen'

type R = Role | null | undefined

/** kpis, kpi_complaints, monthly_report, export_monthly_report. */
export const canSeeReports = (r: R) => r === 'cs_manager' || r === 'branch_manager' || r === 'auditor' || r === 'admin'
/** file_report, and the reminder until the month's report is filed (R7.3). */
export const canFileReport = (r: R) => r === 'cs_manager' || r === 'branch_manager'
/** export_complaints. */
export const canExport = (r: R) => r === 'cs_agent' || r === 'cs_manager' || r === 'branch_manager' || r === 'auditor'
/** export_complaints with unmask: roles that may see personal data (R7.8). */
export const canUnmask = (r: R) => r === 'cs_agent' || r === 'cs_manager' || r === 'branch_manager'
/** import_customers, import_workers. */
export const canImport = (r: R) => r === 'admin'
