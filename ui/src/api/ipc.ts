// The only module that talks to Rust. Every screen calls `call(name, args)` with the generated
// types, so a renamed field in the core breaks the TypeScript build instead of a user's form.
import { invoke } from '@tauri-apps/api/core'
import type { Actor, CommandName, Commands, DeskStatus, SetupReply } from './types.gen'

/** The one error shape of the core: translate `message_key`, never match `message`. */
export interface ApiError {
  code: string
  message_key: string
  message: string
  details: ApiErrorDetails
}

/** What an error names: the argument (`field`) and the rule's reason, and its message's parameters. */
export interface ApiErrorDetails {
  field?: string
  reason?: string
  [key: string]: unknown
}

export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message_key' in e
}

type Listener = (e: ApiError) => void
const sessionListeners: Listener[] = []

/** Called when the backend says the session is locked or gone, whatever screen asked. */
export function onSessionLost(l: Listener) {
  sessionListeners.push(l)
}

function normalise(e: unknown): ApiError {
  if (isApiError(e)) return e
  return { code: 'ipc', message_key: 'error.ipc', message: String(e), details: {} }
}

async function raw<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args)
  } catch (e) {
    const err = normalise(e)
    if (err.code === 'locked' || err.code === 'unauthenticated') sessionListeners.forEach((l) => l(err))
    throw err
  }
}

/** Runs a core operation as the signed-in user. */
export function call<K extends CommandName>(name: K, args: Commands[K]['args']): Promise<Commands[K]['result']> {
  return raw('call', { name, args })
}

/**
 * An operation picked at run time (the action dialog runs whichever the core offers): its
 * arguments come from the form table in components/actions/registry.ts, and the core checks
 * them like any other call.
 */
export function callByName(name: string, args: Record<string, unknown>): Promise<unknown> {
  return raw('call', { name, args })
}

/** A background read that does not count as activity (polling). */
export function peek<K extends CommandName>(name: K, args: Commands[K]['args']): Promise<Commands[K]['result']> {
  return raw('peek', { name, args })
}

export const desk = {
  status: () => raw<DeskStatus>('desk_status', {}),
  setup: (adminPassword: string, demoComplaints: number) =>
    raw<SetupReply>('desk_setup', { adminPassword, demoComplaints }),
  login: (login: string, password: string) => raw<Actor>('desk_login', { login, password }),
  logout: () => raw<void>('desk_logout', {}),
  lock: () => raw<void>('desk_lock', {}),
  unlock: (password: string) => raw<Actor>('desk_unlock', { password }),
  touch: () => raw<void>('desk_touch', {}),
  imagePreview: (path: string) => raw<string | null>('image_preview', { path }),
}

/** Printing goes through the platform (CUPS / Windows shell); the PDF itself comes from the core. */
export interface Printer {
  name: string
  is_default: boolean
}
export const printing = {
  spoolPath: (fileName: string) => raw<string>('print_spool_path', { fileName }),
  printers: () => raw<Printer[]>('list_printers', {}),
  print: (path: string, printer: string | null, copies: number) => raw<void>('print_pdf', { path, printer, copies }),
  open: (path: string) => raw<void>('open_pdf', { path }),
}
