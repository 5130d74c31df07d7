import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/fetch'
import { i18n } from '@/i18n'
import { appealErrorText, formErrors, pointsErrorText } from './errors'

const zh = i18n.global.locale.value

afterEach(() => {
  i18n.global.locale.value = zh
})

describe('the points refusals in words', () => {
  it('says the appeal refusals in the user’s language', () => {
    i18n.global.locale.value = 'en'
    const late = new ApiError(409, 'conflict', 'appeals are made within 14 days', 'posting_id')
    expect(pointsErrorText(late)).toBe('Appeals are made within 14 days; this one is too late')
    const tookPart = new ApiError(403, 'forbidden', 'you took part in what is appealed: another committee member decides it')
    expect(appealErrorText(tookPart)).toBe('You took part in what is appealed: another committee member decides it')
    i18n.global.locale.value = 'zh-CN'
    expect(pointsErrorText(late)).toBe('申诉须在 14 天内提出，已超过期限')
    expect(appealErrorText(tookPart)).toBe('您参与了被申诉的事项，请由其他委员评议')
    expect(pointsErrorText(new ApiError(409, 'conflict', 'it was appealed already', 'proposal_id'))).toBe('已经申诉过了')
  })

  it('says a budget that stops a remedy keeps the appeal pending', () => {
    i18n.global.locale.value = 'en'
    const budget = new ApiError(409, 'conflict', "the committee's budget does not cover this")
    expect(appealErrorText(budget)).toMatch(/appeal stays pending/)
    expect(pointsErrorText(budget)).toMatch(/it stays pending/)
    expect(appealErrorText({ code: 'conflict', message: 'the cap of 4 a month is reached for bonus.x', field: null })).toMatch(/appeal stays pending/)
  })

  it('falls back to the general words for the rest', () => {
    i18n.global.locale.value = 'en'
    const other = new ApiError(422, 'invalid_input', 'reason must be 2 to 500 characters', 'reason')
    expect(appealErrorText(other)).toBe(pointsErrorText(other))
    expect(formErrors(other, ['reason', 'evidence']).field).toHaveProperty('reason')
    // What is appealed is no field of the sheet: said for the whole form.
    const notYours = new ApiError(404, 'not_found', 'no such posting about you', 'posting_id')
    expect(formErrors(notYours, ['reason', 'evidence'])).toEqual({ field: {}, general: 'This is not about you (or no longer there)' })
    expect(formErrors(new ApiError(401, 'unauthenticated', 'x'), ['reason'])).toEqual({ field: {}, general: '' })
  })
})
