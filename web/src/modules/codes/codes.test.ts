import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { POLL_MS, type Progress } from '@/utils/follow-job'
import {
  actionTarget,
  barHeights,
  checkinBody,
  checkinPurpose,
  followPrint,
  kindRows,
  nameOf,
  normaliseNumber,
  numberChecks,
  parseScannedCode,
  positionOf,
  printIdOf,
  reasonOk,
  utf8Length,
} from './codes'
import type { CodePrint } from './types'

const TOKEN = 'AbCdEfGhIjKlMnOpQrSt_-12'

describe('scanned codes', () => {
  it('takes the token from a code URL of any host', () => {
    expect(parseScannedCode(`https://mashang.example.cn/c/${TOKEN}`)).toBe(TOKEN)
    expect(parseScannedCode(`http://127.0.0.1:8080/c/${TOKEN}/`)).toBe(TOKEN)
    expect(parseScannedCode(`  https://x.org/c/${TOKEN}?from=plate#top \n`)).toBe(TOKEN)
    expect(parseScannedCode(`x.org/c/${TOKEN}`)).toBe(TOKEN)
  })

  it('refuses anything else', () => {
    expect(parseScannedCode('')).toBeNull()
    expect(parseScannedCode('hello world')).toBeNull()
    expect(parseScannedCode(TOKEN)).toBeNull()
    expect(parseScannedCode(`https://x.org/d/${TOKEN}`)).toBeNull()
    expect(parseScannedCode(`https://x.org/app/c/${TOKEN}`)).toBeNull()
    expect(parseScannedCode(`https://x.org/c/${TOKEN}/more`)).toBeNull()
    expect(parseScannedCode(`https://x.org/c/${TOKEN}x`)).toBeNull()
    expect(parseScannedCode(`https://x.org/c/${TOKEN.slice(1)}`)).toBeNull()
    expect(parseScannedCode(`https://x.org/c/${TOKEN.slice(1)}=`)).toBeNull()
    expect(parseScannedCode(`javascript:alert(1)//x.org/c/${TOKEN}`)).toBeNull()
    expect(parseScannedCode(`WIFI:S:home;T:WPA;P:secret;;`)).toBeNull()
  })
})

describe('typed numbers', () => {
  it('are made canonical: upper case, one dash, look-alike letters as digits', () => {
    expect(normaliseNumber('0000-011')).toBe('0000-011')
    expect(normaliseNumber('0000-14u')).toBe('0000-14U')
    expect(normaliseNumber(' 0000 022 ')).toBe('0000-022')
    expect(normaliseNumber('oooo-ilz')).toBe('0000-11Z')
    expect(normaliseNumber('K7M4-Q2*')).toBe('K7M4-Q2*')
    expect(normaliseNumber('ab-cd-ef-g')).toBe('ABCD-EFG')
  })

  it('are refused when they cannot be a number', () => {
    expect(normaliseNumber('')).toBeNull()
    expect(normaliseNumber('0000-01')).toBeNull()
    expect(normaliseNumber('0000-01ZZ')).toBeNull()
    expect(normaliseNumber('0000-U1Z')).toBeNull()
    expect(normaliseNumber('0000-01!')).toBeNull()
    expect(normaliseNumber('00*0-01Z')).toBeNull()
  })

  it('check out when the last symbol is the id mod 37', () => {
    // ids 1, 2, 36 (check U), 37 (check 0), 31 (check Z)
    expect(['0000-011', '0000-022', '0000-14U', '0000-150', '0000-0ZZ'].map(numberChecks)).toEqual([
      true, true, true, true, true,
    ])
    expect(['0000-012', '0000-021', '0000-14*', '0000-01'].map(numberChecks)).toEqual([false, false, false, false])
  })
})

describe('check-ins', () => {
  it('records a visit at a household and a check-in elsewhere', () => {
    const a = (...names: string[]) => names.map((name) => ({ name, href: '' }))
    expect(checkinPurpose(a('report_problem', 'check_in', 'record_visit', 'open_household'))).toBe('visit')
    expect(checkinPurpose(a('report_problem', 'check_in'))).toBe('check_in')
    expect(checkinPurpose(a('report_problem'))).toBeNull()
  })

  it('sends a position only when there is one the server takes', () => {
    const pos = positionOf({ latitude: 31.2, longitude: 121.5, accuracy: 12.3 })
    expect(pos).toEqual({ lat: 31.2, lon: 121.5, accuracy_m: 13 })
    expect(checkinBody('visit', pos)).toEqual({ purpose: 'visit', lat: 31.2, lon: 121.5, accuracy_m: 13 })
    expect(checkinBody('check_in', null)).toEqual({ purpose: 'check_in' })
    expect(positionOf(null)).toBeNull()
    expect(positionOf({ latitude: 31.2, longitude: 121.5, accuracy: 25000 })).toBeNull()
    expect(positionOf({ latitude: 91, longitude: 121.5, accuracy: 5 })).toBeNull()
    expect(positionOf({ latitude: NaN, longitude: 121.5, accuracy: 5 })).toBeNull()
    expect(positionOf({ latitude: 31.2, longitude: 121.5, accuracy: 10000 })?.accuracy_m).toBe(10000)
  })
})

describe('landing page actions', () => {
  const exists = (p: string) => p === '/m/my-household' || /^\/m\/households\/\d+$/.test(p)

  it('follows the server\'s link when the app has the page', () => {
    expect(actionTarget({ name: 'open_household', href: '/m/households/7' }, { view: 'staff' }, exists)).toBe(
      '/m/households/7',
    )
  })

  it('leads household links to the app\'s own pages otherwise', () => {
    const staff = { view: 'staff' as const, household: { id: 7, address: 'x' } }
    const member = { view: 'member' as const, household: { id: 7, address: 'x' } }
    expect(actionTarget({ name: 'open_household', href: '/api/households/7' }, staff, exists)).toBe('/m/households/7')
    expect(actionTarget({ name: 'open_household', href: '' }, member, exists)).toBe('/m/my-household')
    expect(actionTarget({ name: 'my_household', href: '/households/mine' }, member, exists)).toBe('/m/my-household')
  })

  it('has no target for a page the app does not have yet', () => {
    expect(actionTarget({ name: 'report_problem', href: '/m/report?code=x' }, { view: 'public' }, exists)).toBeNull()
    expect(actionTarget({ name: 'report_problem', href: '//evil.example/x' }, { view: 'public' }, () => true)).toBeNull()
    expect(actionTarget({ name: 'report_problem', href: 'https://x.org/r' }, { view: 'public' }, () => true)).toBeNull()
  })

  it('shows names given as strings or objects', () => {
    expect(nameOf('康城社区')).toBe('康城社区')
    expect(nameOf({ id: 3, name: '康城社区' })).toBe('康城社区')
    expect(nameOf(null)).toBe('')
  })
})

describe('reasons, bars', () => {
  it('counts place texts in bytes as the server does', () => {
    expect(utf8Length('老王烧烤')).toBe(12)
    expect(utf8Length('Stall 12')).toBe(8)
  })

  it('counts a reason in characters, trimmed', () => {
    expect(reasonOk('门牌损坏')).toBe(true)
    expect(reasonOk('  损坏 ')).toBe(false)
    expect(reasonOk('x'.repeat(200))).toBe(true)
    expect(reasonOk('x'.repeat(201))).toBe(false)
  })

  it('reads scans per kind in any of its shapes, most first', () => {
    const want = [
      { kind: 'household', scans: 9 },
      { kind: 'stall', scans: 2 },
    ]
    expect(kindRows([{ kind: 'stall', scans: 2 }, { kind: 'household', scans: 9 }])).toEqual(want)
    expect(kindRows([['stall', 2], ['household', 9]])).toEqual(want)
    expect(kindRows({ stall: 2, household: 9 })).toEqual(want)
    expect(kindRows(undefined)).toEqual([])
  })

  it('draws each day against the busiest', () => {
    expect(barHeights([0, 5, 10])).toEqual([0, 50, 100])
    expect(barHeights([0, 0])).toEqual([0, 0])
    expect(barHeights([])).toEqual([])
  })
})

describe('following a print job', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const job = (over: Partial<CodePrint>) =>
    ({ id: 9, node_id: 3, layout: 'door_plate', status: 'running', done: 0, total: 16, pages: 0, error: '', created_at: 0, updated_at: 0, ...over }) as CodePrint

  it('reads the job of an event from its payload', () => {
    expect(printIdOf({ id: 1, type: 'code.print_progress', created_at: 0, payload: { job_id: 9 } })).toBe(9)
    expect(printIdOf({ id: 1, type: 'code.print_progress', created_at: 0, payload: { id: 9 } })).toBe(9)
    expect(printIdOf({ id: 1, type: 'code.print_progress', created_at: 0 })).toBeNull()
  })

  it('takes progress from its events, then asks for the end once', async () => {
    const seen: Progress[] = []
    const finished: CodePrint[] = []
    const poll = vi.fn(async () => job({ status: 'done', done: 16, pages: 2 }))
    const f = followPrint({ id: 9, poll, onProgress: (p) => seen.push(p), onFinished: (j) => finished.push(j) })
    f.event({ id: 1, type: 'code.print_progress', created_at: 0, payload: { job_id: 9, done: 8, total: 16 } })
    f.event({ id: 2, type: 'code.print_progress', created_at: 0, payload: { job_id: 8, done: 1, total: 2 } })
    await vi.advanceTimersByTimeAsync(POLL_MS - 1)
    expect(poll).not.toHaveBeenCalled()
    f.event({ id: 3, type: 'code.print_finished', created_at: 0, payload: { job_id: 9, status: 'done' } })
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(seen).toEqual([{ done: 8, total: 16 }])
    expect(poll).toHaveBeenCalledOnce()
    expect(finished.map((j) => j.status)).toEqual(['done'])
  })

  it('polls while no event comes, and stops at a cancelled job', async () => {
    const answers = [job({ done: 4 }), job({ status: 'cancelled', done: 4 })]
    const finished: CodePrint[] = []
    const poll = vi.fn(async () => answers.shift() ?? job({ status: 'done' }))
    followPrint({ id: 9, poll, onProgress: () => {}, onFinished: (j) => finished.push(j) })
    await vi.advanceTimersByTimeAsync(POLL_MS * 5)
    expect(poll).toHaveBeenCalledTimes(2)
    expect(finished.map((j) => j.status)).toEqual(['cancelled'])
  })
})
