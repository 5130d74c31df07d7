// The care pages' words: levels, statuses, outcomes, timeline steps and the elder's stage, a
// visit's flags, a room's days and hours, slots and bookings, meals, consultations and home
// services, in the current language (vue-i18n's global instance, so plain functions work in any
// component).
import { i18n } from '@/i18n'
import { alertedOf, elderStage, levelKey } from './care'
import { bookingState, daysFromToday, daysShape, localClock, localDate, minutesToClock, monthDay, weekdayOf, whyNotKey } from './rooms'
import { daysSince, daysUntilDue, overdueDays } from './visits'
import { isOpen, yuan } from './meals'
import type { CareAlarmStep, CareAlarmView } from './types'

const t = (key: string, params?: Record<string, unknown>) => i18n.global.t(key, params ?? {})
const te = (key: string) => i18n.global.te(key)

/** Who a level alerts: "楼栋管家", "社区值班员"… */
export const levelName = (level: number) => t(`care.levels.${levelKey(level)}`)

/** "第 1 级 · 楼栋管家" (levels counted from one for people). */
export const levelLine = (level: number) => t('care.levelLine', { n: level + 1, who: levelName(level) })

export const statusName = (s: string) => (te(`care.status.${s}`) ? t(`care.status.${s}`) : s)

export const outcomeName = (o: string | null | undefined) => (o ? (te(`care.outcomes.${o}`) ? t(`care.outcomes.${o}`) : o) : '')

export const sourceName = (s: string) => (te(`care.sources.${s}`) ? t(`care.sources.${s}`) : s)

/** A timeline step in words ("通知楼栋管家", "超时升级"…). */
export function stepName(s: Pick<CareAlarmStep, 'kind' | 'level'>): string {
  const key = `care.steps.${s.kind}`
  return te(key) ? t(key, { who: levelName(s.level) }) : s.kind
}

/** A step's note in words: a closing's outcome (and the closer's note), a skipped level's
 *  reason; other notes (how late an escalation fired, the source) are not for people. */
export function stepNote(s: Pick<CareAlarmStep, 'kind' | 'level' | 'note'>): string {
  if (s.kind === 'skipped') return t('care.skippedNote', { who: levelName(s.level) })
  if (s.kind !== 'closed' || !s.note) return ''
  const cut = s.note.indexOf('：')
  const code = cut < 0 ? s.note : s.note.slice(0, cut)
  const rest = cut < 0 ? '' : s.note.slice(cut + 1)
  const outcome = outcomeName(code)
  return rest ? `${outcome}：${rest}` : outcome
}

/** What the elder's screen says about their alarm. */
export function stageText(view: Pick<CareAlarmView, 'alarm' | 'timeline'>): string {
  const s = elderStage(view)
  switch (s.key) {
    case 'calling':
      return t('care.elder.stage.calling')
    case 'escalating':
      return s.round > 0
        ? t('care.elder.stage.escalatingRound', { who: levelName(s.level), round: s.round + 1 })
        : t('care.elder.stage.escalating', { who: levelName(s.level) })
    case 'coming':
      return s.name ? t('care.elder.stage.coming', { name: s.name }) : t('care.elder.stage.comingNoName')
    case 'arrived':
      return s.name ? t('care.elder.stage.arrived', { name: s.name }) : t('care.elder.stage.arrivedNoName')
    default:
      return t('care.elder.stage.closed')
  }
}

/** The names of everyone alerted, once each, in order ("楼栋管家张敏、网格员李强"). */
export function alertedNames(view: Pick<CareAlarmView, 'timeline'>, sep = '、'): string {
  const names: string[] = []
  for (const a of alertedOf(view.timeline)) if (a.name && !names.includes(a.name)) names.push(a.name)
  return names.join(sep)
}

// Visits and rooms ----------------------------------------------------------------------------

/** A visit's flag in words: "血压偏高", "燃气异常"… */
export const flagName = (f: string) => (te(`care.visits.flags.${f}`) ? t(`care.visits.flags.${f}`) : f)

/** A weekday (ISO, 1 = Monday) in short: "周一", "Mon". */
export const weekdayName = (d: number) => t(`care.rooms.weekdays.${d}`)

/** A room's open days in words: "每天", "周一至周五", "周一、周三、周五"… */
export function daysText(days: string): string {
  const s = daysShape(days)
  switch (s.kind) {
    case 'every':
      return t('care.rooms.days.every')
    case 'weekdays':
      return t('care.rooms.days.weekdays')
    case 'weekend':
      return t('care.rooms.days.weekend')
    case 'none':
      return t('care.rooms.days.none')
    case 'range':
      return t('care.rooms.days.range', { from: weekdayName(s.from), to: weekdayName(s.to) })
    default:
      return s.days.map(weekdayName).join(t('care.rooms.days.sep'))
  }
}

/** A room's hours: "08:00–21:00 · 每 60 分钟一场". */
export function hoursText(r: { opens: number; closes: number; slot_minutes: number }): string {
  return t('care.rooms.hours', { opens: minutesToClock(r.opens), closes: minutesToClock(r.closes), n: r.slot_minutes })
}

/** A UTC+8 date for a day picker: "今天", "明天", "后天", else "周五 12-05". */
export function dayLabel(date: string, now: number): string {
  const n = daysFromToday(date, now)
  if (n === 0) return t('care.rooms.today')
  if (n === 1) return t('care.rooms.tomorrow')
  if (n === 2) return t('care.rooms.dayAfter')
  const w = weekdayOf(date)
  return w === null ? date : `${weekdayName(w)} ${monthDay(date)}`
}

/** Why a slot cannot be booked: "已过", "已满", "超出可预约天数". */
export function whyNotText(s: { bookable: boolean; why_not?: string | null }): string {
  const k = whyNotKey(s)
  return k === null ? '' : t(`care.rooms.why.${k}`)
}

/** A booking's state in words (booked, checked in, cancelled, ongoing, missed). */
export function bookingStateText(b: { status: string; starts_at: number; ends_at: number }, now: number): string {
  const k = bookingState(b, now)
  return te(`care.rooms.status.${k}`) ? t(`care.rooms.status.${k}`) : k
}

/** A slot's time on the UTC+8 clock: "08:00–09:00". */
export const slotTime = (s: { starts_at: number; ends_at: number }) => `${localClock(s.starts_at)}–${localClock(s.ends_at)}`

/** When a booking is, for a list: "12-05 周五 08:00–09:00". */
export function bookingWhen(b: { starts_at: number; ends_at: number }): string {
  const date = localDate(b.starts_at)
  const w = weekdayOf(date)
  return `${monthDay(date)} ${w === null ? '' : weekdayName(w)} ${slotTime(b)}`
}

/** When an elder's visit is due, for a list: "逾期 3 天", "今天到期", "2 天后到期". */
export function dueText(d: { due_at: number; overdue: boolean }, now: number): string {
  if (d.overdue) return t('care.visits.overdueDays', { n: Math.max(1, overdueDays(d.due_at, now)) })
  const n = daysUntilDue(d.due_at, now)
  return n <= 1 ? t('care.visits.dueSoon') : t('care.visits.dueIn', { n })
}

/** The last visit, for a list: "上次探访：3 天前", "从未探访". */
export function lastVisitText(lastAt: number | null, now: number): string {
  if (lastAt === null) return t('care.visits.never')
  const n = daysSince(lastAt, now)
  return n === 0 ? t('care.visits.lastToday') : t('care.visits.lastDaysAgo', { n })
}

// Meals, consultations and home services -------------------------------------------------------

const named = (prefix: string, k: string | null | undefined) => (k ? (te(`${prefix}.${k}`) ? t(`${prefix}.${k}`) : k) : '')

/** A price for people: "12 元", "¥12". */
export const priceText = (fen: number) => t('care.meals.price', { yuan: yuan(fen) })

/** Pick-up or delivery in words. */
export const mealModeName = (m: string) => named('care.meals.modes', m)

/** An order's status in words (ordered, cancelled, served — for a delivery, delivered). */
export function mealStatusName(m: { status: string; mode?: string }): string {
  if (m.status === 'served' && m.mode === 'delivery') return t('care.meals.status.delivered')
  return named('care.meals.status', m.status)
}

/** A menu's cut-off for people: "明天 09:00 前可订", "已截止订餐". */
export function cutoffText(menu: { cutoff_at: number }, now: number): string {
  if (!isOpen(menu, now)) return t('care.meals.closed')
  return t('care.meals.cutoff', { when: `${dayLabel(localDate(menu.cutoff_at), now)} ${localClock(menu.cutoff_at)}` })
}

/** A consultation's way (online, clinic, home) in words. */
export const consultModeName = (m: string) => named('care.consult.modes', m)

/** A consultation's status in words. */
export const consultStatusName = (s: string) => named('care.consult.status', s)

/** A home service's kind in words: "居家维修", "水电气检查". */
export const serviceKindName = (k: string) => named('care.services.kinds', k)

/** A work order's status in words (the orders module's). */
export const orderStatusName = (s: string | null | undefined) => (s ? named('orders.states', s) : t('care.services.noOrder'))

/** A moment for a list, on the UTC+8 clock, with the day in words: "明天 14:30", "周五 12-05 14:30". */
export const whenText = (ms: number, now: number) => `${dayLabel(localDate(ms), now)} ${localClock(ms)}`
