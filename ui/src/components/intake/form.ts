// The intake form's state and its translation into the core's RegisterArgs. Kept apart from the
// component so the draft format and the mapping are tested on their own.
import type { Category, Channel, RegisterArgs, ReplyMethod, Tier, TransferSource } from '../../api/types.gen'
import type { SignatureValue } from '../SignaturePad.vue'

export interface EvidenceFile {
  path: string
  name: string
  preview: string | null
}

export interface IntakeForm {
  phone: string
  customer_name: string
  tier: Tier | ''
  channel: Channel
  transfer_source: TransferSource | ''
  category: Category | ''
  sub_category: string
  description: string
  received_at: string | null
  incident_at: string | null
  incident_place: string
  address: string
  service_order_no: string
  worker: string
  expected_outcome: string
  reply_method: ReplyMethod | ''
  households: number
  same_matter_as: string
  warning_level: number
  signer_name: string
  signature: SignatureValue | null
  not_present: boolean
  not_present_reason: string
  evidence: EvidenceFile[]
}

export function emptyForm(): IntakeForm {
  return {
    phone: '', customer_name: '', tier: '', channel: 'phone', transfer_source: '', category: '', sub_category: '',
    description: '', received_at: null, incident_at: null, incident_place: '', address: '', service_order_no: '',
    worker: '', expected_outcome: '', reply_method: '', households: 1, same_matter_as: '', warning_level: 1,
    signer_name: '', signature: null, not_present: true, not_present_reason: '', evidence: [],
  }
}

/** A draft read back from the database may come from an older version: keep what is known. */
export function restoreForm(draft: unknown): IntakeForm {
  const f = emptyForm()
  if (draft && typeof draft === 'object') {
    const from = draft as Record<string, unknown>
    const to = f as unknown as Record<string, unknown>
    for (const k of Object.keys(f) as (keyof IntakeForm)[]) {
      const v = from[k]
      if (v !== undefined && v !== null && typeof v === typeof to[k]) to[k] = v
      else if (v !== undefined && (k === 'received_at' || k === 'incident_at' || k === 'signature')) to[k] = v
    }
  }
  return f
}

/** The channels where the customer is normally in front of the clerk to sign (R3.2). */
export function customerPresentByDefault(c: Channel): boolean {
  return c === 'walk_in'
}

/** What the core is asked to register. Empty optional fields are left out; the core decides. */
export function toRegisterArgs(f: IntakeForm): RegisterArgs {
  const a: Omit<RegisterArgs, 'category'> & { category?: Category } = {
    customer_name: f.customer_name,
    phone: f.phone,
    channel: f.channel,
    category: f.category || undefined,
    description: f.description,
    sub_category: f.sub_category,
    address: f.address,
    incident_place: f.incident_place,
    service_order_no: f.service_order_no,
    expected_outcome: f.expected_outcome,
    households: f.households,
    warning_level: f.warning_level,
  }
  if (f.tier) a.tier = f.tier
  if (f.channel === 'transferred' && f.transfer_source) a.transfer_source = f.transfer_source
  if (f.received_at) a.received_at = f.received_at
  if (f.incident_at) a.incident_at = f.incident_at
  if (f.worker) a.worker = f.worker
  if (f.reply_method) a.reply_method = f.reply_method
  if (f.same_matter_as.trim()) a.same_matter_as = f.same_matter_as.trim()
  if (!f.not_present && f.signature) {
    a.signature = { signer_name: f.signer_name || f.customer_name, strokes: f.signature.strokes, png_base64: f.signature.png_base64 }
  } else {
    a.signature_missing_reason = f.not_present_reason
  }
  return a as RegisterArgs
}

/** Enough filled in to ask the core for a preview of nature and deadlines. */
export function previewable(f: IntakeForm): boolean {
  return f.phone.trim().length >= 5 && f.customer_name.trim() !== '' && f.description.trim() !== '' && f.category !== ''
}
