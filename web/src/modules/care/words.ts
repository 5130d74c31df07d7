// The care pages' words: levels, statuses, outcomes, timeline steps and the elder's stage, in
// the current language (vue-i18n's global instance, so plain functions work in any component).
import { i18n } from '@/i18n'
import { alertedOf, elderStage, levelKey } from './care'
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
