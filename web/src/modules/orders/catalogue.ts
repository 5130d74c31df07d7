// Editing the catalogue of categories (district admins, PUT /api/categories/{code}) without the
// screens: the form's draft, its checks — the server's rules (src/modules/orders/categories.cpp)
// with the same field names, so the server's 422 `field` lands on the same place — and the body.
import { ROLES } from '@/api/types'
import { QUESTION_TYPES, type Category, type CategoryInput, type Department, type QuestionType } from './types'

export const CATEGORY_CODE = /^[a-z][a-z0-9_.]{0,63}$/
/** Question codes and value keys. */
export const KEY_CODE = /^[a-z][a-z0-9_.]{0,39}$/
export const MINUTES_MAX = 525_600
export const QUESTIONS_MAX = 20
export const VALUES_MAX = 50
export const NAME_MAX = 100
export const LABEL_MAX = 200

/** Roles that may be named to claim: every role but residents. */
export const CLAIM_ROLE_CHOICES: readonly string[] = ROLES.filter((r) => r !== 'resident')

export interface QuestionDraft {
  code: string
  label_zh: string
  label_en: string
  datatype: QuestionType
  required: boolean
  values: { key: string; name: string }[]
}

export interface CategoryDraft {
  code: string
  name_zh: string
  name_en: string
  group: string
  claim_minutes: number | null
  finish_minutes: number | null
  claim_roles: string[]
  departments: Department[]
  photos_required: boolean
  triage: boolean
  active: boolean
  questions: QuestionDraft[]
}

export function emptyDraft(): CategoryDraft {
  return {
    code: '',
    name_zh: '',
    name_en: '',
    group: '',
    claim_minutes: 60,
    finish_minutes: 1440,
    claim_roles: ['grid_worker'],
    departments: [],
    photos_required: false,
    triage: false,
    active: true,
    questions: [],
  }
}

export function emptyQuestion(): QuestionDraft {
  return { code: '', label_zh: '', label_en: '', datatype: 'string', required: false, values: [] }
}

/** A category as a draft to edit (a copy: the catalogue is untouched until it is saved). */
export function draftOf(c: Category): CategoryDraft {
  return {
    code: c.code,
    name_zh: c.name_zh,
    name_en: c.name_en,
    group: c.group,
    claim_minutes: c.claim_minutes,
    finish_minutes: c.finish_minutes,
    claim_roles: [...c.claim_roles],
    departments: [...c.departments],
    photos_required: c.photos_required,
    triage: c.triage,
    active: c.active,
    questions: c.questions.map((q) => ({ ...q, values: q.values.map((v) => ({ ...v })) })),
  }
}

export const isList = (t: QuestionType) => t === 'singlevaluelist' || t === 'multivaluelist'

/** What is wrong with a field; the i18n key under `orders.catalogue.errors`. */
export type DraftError =
  | 'code'
  | 'taken'
  | 'key'
  | 'duplicate'
  | 'name'
  | 'label'
  | 'minutes'
  | 'roles'
  | 'questions'
  | 'values'
  | 'noValues'

const chars = (s: string) => [...s].length

function textOk(s: string, max: number): boolean {
  const v = s.trim()
  // One line of text: no control characters (tabs and line breaks included).
  // eslint-disable-next-line no-control-regex
  return chars(v) >= 1 && chars(v) <= max && !/[\u0000-\u001f\u007f]/.test(v)
}

const minutesOk = (n: number | null) => n !== null && Number.isInteger(n) && n >= 1 && n <= MINUTES_MAX

/**
 * What is wrong with the draft, by the server's field names (`code`, `claim_minutes`,
 * `questions[1].label_en`, `questions[1].values[0].key`…); empty when it may be saved. A new
 * category's code must not be one of `taken` (saving would replace that category).
 */
export function validateCategory(d: CategoryDraft, taken: readonly string[] = []): Record<string, DraftError> {
  const e: Record<string, DraftError> = {}
  if (!CATEGORY_CODE.test(d.code)) e.code = 'code'
  else if (taken.includes(d.code)) e.code = 'taken'
  if (!textOk(d.name_zh, NAME_MAX)) e.name_zh = 'name'
  if (!textOk(d.name_en, NAME_MAX)) e.name_en = 'name'
  if (!textOk(d.group, NAME_MAX)) e.group = 'name'
  if (!minutesOk(d.claim_minutes)) e.claim_minutes = 'minutes'
  if (!minutesOk(d.finish_minutes)) e.finish_minutes = 'minutes'
  if (d.claim_roles.length === 0) e.claim_roles = 'roles'
  if (d.questions.length > QUESTIONS_MAX) e.questions = 'questions'
  const codes = new Set<string>()
  d.questions.forEach((q, i) => {
    const at = `questions[${i}]`
    if (!KEY_CODE.test(q.code)) e[`${at}.code`] = 'key'
    else if (codes.has(q.code)) e[`${at}.code`] = 'duplicate'
    codes.add(q.code)
    if (!textOk(q.label_zh, LABEL_MAX)) e[`${at}.label_zh`] = 'label'
    if (!textOk(q.label_en, LABEL_MAX)) e[`${at}.label_en`] = 'label'
    if (!isList(q.datatype)) return
    if (q.values.length === 0) e[`${at}.values`] = 'noValues'
    else if (q.values.length > VALUES_MAX) e[`${at}.values`] = 'values'
    const keys = new Set<string>()
    q.values.forEach((v, j) => {
      if (!KEY_CODE.test(v.key)) e[`${at}.values[${j}].key`] = 'key'
      else if (keys.has(v.key)) e[`${at}.values[${j}].key`] = 'duplicate'
      keys.add(v.key)
      if (!textOk(v.name, NAME_MAX)) e[`${at}.values[${j}].name`] = 'name'
    })
  })
  return e
}

/** The body of PUT /api/categories/{code}: texts trimmed, values only for the list questions. */
export function categoryBody(d: CategoryDraft): CategoryInput {
  return {
    name_zh: d.name_zh.trim(),
    name_en: d.name_en.trim(),
    group: d.group.trim(),
    claim_minutes: d.claim_minutes ?? 0,
    finish_minutes: d.finish_minutes ?? 0,
    claim_roles: [...d.claim_roles] as CategoryInput['claim_roles'],
    departments: [...d.departments],
    photos_required: d.photos_required,
    triage: d.triage,
    active: d.active,
    questions: d.questions.map((q) => ({
      code: q.code,
      label_zh: q.label_zh.trim(),
      label_en: q.label_en.trim(),
      datatype: q.datatype,
      required: q.required,
      values: isList(q.datatype) ? q.values.map((v) => ({ key: v.key, name: v.name.trim() })) : [],
    })),
  }
}

/**
 * Where the server's 422 `field` belongs on the form: a field the form shows (`code`,
 * `questions[2].label_en`), the question's values (the server names a value's problem
 * `questions[2].values`), or the question itself; null for one the form does not know.
 */
export function fieldOfServer(field: string | undefined, d: Pick<CategoryDraft, 'questions'>): string | null {
  if (!field) return null
  const top = ['code', 'name_zh', 'name_en', 'group', 'claim_minutes', 'finish_minutes', 'claim_roles', 'departments', 'questions']
  if (top.includes(field)) return field
  const m = /^questions\[(\d+)\](?:\.(code|label_zh|label_en|datatype|values))?/.exec(field)
  if (!m || Number(m[1]) >= d.questions.length) return null
  const at = `questions[${m[1]}]`
  return `${at}.${m[2] ?? 'code'}`
}

/** The datatypes, in the form's order. */
export const DATATYPES: readonly QuestionType[] = QUESTION_TYPES
