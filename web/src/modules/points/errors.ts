// The points routes' refusals in words: the server's message names the case (a budget run
// out, a cap reached, out of stock…), which the pages say in the user's language; anything
// else as every page says errors (describeError).
import { ApiError, describeError } from '@/api/fetch'
import { i18n } from '@/i18n'
import { reasonKey } from './points'

/** An error as the bulk vote lists them, or an ApiError. */
export function pointsErrorText(err: unknown): string {
  const { t, te } = i18n.global
  if (err instanceof ApiError) {
    const k = reasonKey({ code: err.code, message: err.message, field: err.field })
    if (k && te(`points.reasons.${k}`)) return t(`points.reasons.${k}`)
    return describeError(err)
  }
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: string; message: string; field?: string | null }
    const k = reasonKey(e)
    if (k && te(`points.reasons.${k}`)) return t(`points.reasons.${k}`)
    return describeError(new ApiError(0, e.code, e.message, e.field ?? undefined))
  }
  return describeError(err)
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
