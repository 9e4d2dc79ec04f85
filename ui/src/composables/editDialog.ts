// The add/edit forms of the Settings tabs. Each one opens with a blank or a copied row, sends one
// core command, and shows what the core refused next to the field it names (or, when no field on
// the form shows it, as a toast or a line in the dialog). Written once here, so a tab only says
// what its form holds and which command saves it.
import { reactive, ref } from 'vue'
import { ElMessage } from 'element-plus'
import { call } from '../api/ipc'
import type { CommandName, Commands } from '../api/types.gen'
import { errorField, errorText, t, type ErrorScope } from '../i18n'

export interface FormErrorsOptions {
  /** The screen's own words for its commands' errors (errorText's scope). */
  scope?: ErrorScope
  /**
   * The form field that shows an error the core raised about its argument `field`, when their
   * names differ (`new_password` shown at `password`). Anything not on the form is not shown there.
   */
  fieldOf?: (field: string) => string
  /** Where an error no field shows goes: a toast (the default) or `formError`, a line of the form. */
  unplaced?: 'toast' | 'inline'
}

/** A form's per-field errors and busy flag, and `run`, which fills them from a refused call. */
export function useFormErrors(form: object, opts: FormErrorsOptions) {
  const errors = reactive<Record<string, string>>({})
  const formError = ref('')
  const busy = ref(false)

  function clearErrors() {
    for (const k of Object.keys(errors)) delete errors[k]
    formError.value = ''
  }

  /** Puts a refused call's sentence at the field it is about. */
  function place(e: unknown) {
    const raw = errorField(e)
    const f = raw && opts.fieldOf ? opts.fieldOf(raw) : raw
    const msg = errorText(e, opts.scope)
    if (f && f in form) errors[f] = msg
    else if (opts.unplaced === 'inline') formError.value = msg
    else ElMessage.error(msg)
  }

  /** Runs `work` with the errors cleared and the form busy; a core error lands on the form. */
  async function run(work: () => Promise<void>): Promise<boolean> {
    clearErrors()
    busy.value = true
    try {
      await work()
      return true
    } catch (e) {
      place(e)
      return false
    } finally {
      busy.value = false
    }
  }

  return { errors, formError, busy, clearErrors, place, run }
}

export interface EditDialogOptions<F extends object, K extends CommandName> extends FormErrorsOptions {
  /** The form of a new row (read at each `add()`, so it may follow a filter the tab shows). */
  blank: () => F
  /** The command that saves the form. */
  command: K
  /** The command's arguments from the form; null when there is nothing to send. */
  args: (form: F) => Commands[K]['args'] | null
  /** After a save: the dialog is closed and "saved" shown; typically the list is loaded again. */
  saved: (result: Commands[K]['result']) => unknown
}

/**
 * One add/edit dialog: `add()` opens it blank, `edit(values)` with a row's
 * values, `save()` sends the command and closes it, or keeps it open with the core's errors.
 */
export function useEditDialog<F extends object, K extends CommandName>(opts: EditDialogOptions<F, K>) {
  const form = reactive(opts.blank()) as F
  const open = ref(false)
  /** Whether the dialog shows an existing row (its key is then read-only) or a new one. */
  const editing = ref(false)
  const state = useFormErrors(form, opts)

  function show(values: F, existing: boolean) {
    Object.assign(form, values)
    editing.value = existing
    state.clearErrors()
    open.value = true
  }

  const add = () => show(opts.blank(), false)
  const edit = (values: F, existing = true) => show(values, existing)

  async function save() {
    const args = opts.args(form)
    if (args === null) return
    await state.run(async () => {
      const result = await call(opts.command, args)
      open.value = false
      ElMessage.success(t('app.saved'))
      await opts.saved(result)
    })
  }

  return { form, open, editing, add, edit, save, ...state }
}
