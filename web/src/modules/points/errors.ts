// The points routes' refusals in words: the server's message names the case (a budget run
// out, a cap reached, out of stock, an appeal made too late…), which the pages say in the
// user's language; anything else as every page says errors (describeError).
import { ApiError, describeError } from '@/api/fetch'
import { i18n } from '@/i18n'
import { reasonArgs, reasonKey } from './points'

type Refusal = { code: string; message: string; field?: string | null }

/** Keys whose words differ when an appeal is decided (the remedy could not be posted: the
 *  appeal stays pending). */
const APPEAL_KEYS: Record<string, string> = { budget: 'appealBudget', cap: 'appealCap' }

function refusalOf(err: unknown): Refusal | null {
  if (err instanceof ApiError) return { code: err.code, message: err.message, field: err.field }
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) return err as Refusal
  return null
}

function textOf(err: unknown, remap: Record<string, string>): string {
  const { t, te } = i18n.global
  const r = refusalOf(err)
  if (!r) return describeError(err)
  const found = reasonKey(r)
  const k = found ? (remap[found] ?? found) : null
  if (k && te(`points.reasons.${k}`)) return t(`points.reasons.${k}`, reasonArgs(r))
  return describeError(err instanceof ApiError ? err : new ApiError(0, r.code, r.message, r.field ?? undefined))
}

/** An error as the bulk vote lists them, or an ApiError. */
export function pointsErrorText(err: unknown): string {
  return textOf(err, {})
}

/** An appeal decision's refusal: as pointsErrorText, but a budget or a cap that stops the
 *  remedy says the appeal stays pending. */
export function appealErrorText(err: unknown): string {
  return textOf(err, APPEAL_KEYS)
}

/** A form's errors from the server: the message at the field it names when the form has
 *  that field, else for the whole form. A 401 is left to the wrapper (it goes to login). */
export function formErrors(err: unknown, fields: readonly string[]): { field: Record<string, string>; general: string } {
  if (err instanceof ApiError && err.status === 401) return { field: {}, general: '' }
  const text = pointsErrorText(err)
  const f = err instanceof ApiError ? err.field : undefined
  if (f && fields.includes(f)) return { field: { [f]: text }, general: '' }
  return { field: {}, general: text }
}
