// What the window offers a role comes from the core's own role matrix (generated into
// types.gen.ts from src/auth.rs, kept current by a Rust test), never from a list written here.
// This only hides what would be refused; the core still checks every call (R7.7, R7.8).
import { PERSONAL_DATA_ROLES, ROLE_MATRIX, type CommandName, type Role } from './types.gen'

type R = Role | null | undefined

/** The core accepts `cmd` from this role. */
export function mayCall(role: R, cmd: CommandName): boolean {
  return !!role && ROLE_MATRIX[cmd].includes(role)
}

/** The role may call at least one of these commands. */
export function mayCallAny(role: R, cmds: CommandName[]): boolean {
  return cmds.some((c) => mayCall(role, c))
}

/** The role sees customers' personal data unmasked (R7.8). */
export function seesPersonalData(role: R): boolean {
  return !!role && PERSONAL_DATA_ROLES.includes(role)
}
