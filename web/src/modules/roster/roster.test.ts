import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RosterImport } from '@/api/types'
import { POLL_MS, XLSX_TYPE, followImport, pageOf, percent, rosterContentType, type Progress } from './roster'

const imp = (over: Partial<RosterImport>) => ({ id: 5, status: 'running', done: 0, total: 10, ...over }) as RosterImport

describe('roster import wizard', () => {
  it('sends a file with the Content-Type its name calls for', () => {
    expect(rosterContentType({ name: '花名册.CSV' })).toBe('text/csv')
    expect(rosterContentType({ name: 'roster.xlsx', type: '' })).toBe(XLSX_TYPE)
    expect(rosterContentType({ name: 'roster', type: XLSX_TYPE })).toBe(XLSX_TYPE)
    expect(rosterContentType({ name: 'roster.xls', type: 'application/vnd.ms-excel' })).toBeNull()
  })

  it('pages problems on the client', () => {
    const rows = Array.from({ length: 45 }, (_, i) => i + 1)
    expect(pageOf(rows, 1, 20)).toEqual(rows.slice(0, 20))
    expect(pageOf(rows, 3, 20)).toEqual([41, 42, 43, 44, 45])
    expect(pageOf(rows, 4, 20)).toEqual([])
    expect(pageOf(rows, 0, 20)).toEqual(rows.slice(0, 20))
  })

  it('shows whole percents, 0 while the total is unknown', () => {
    expect(percent(0, 0)).toBe(0)
    expect(percent(1, 3)).toBe(33)
    expect(percent(3, 3)).toBe(100)
    expect(percent(5, 3)).toBe(100)
  })
})

describe('following an applying import', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function follow(answers: RosterImport[]) {
    const seen: Progress[] = []
    const finished: RosterImport[] = []
    const poll = vi.fn(async () => answers.shift() ?? imp({ status: 'done', done: 10 }))
    const f = followImport({ id: 5, poll, onProgress: (p) => seen.push(p), onFinished: (im) => finished.push(im) })
    return { f, poll, seen, finished }
  }

  it('takes progress from live events of its import and asks for the end once', async () => {
    const { f, poll, seen, finished } = follow([])
    f.event({ id: 1, type: 'roster.import_progress', created_at: 0, payload: { import_id: 5, done: 4, total: 10 } })
    f.event({ id: 2, type: 'roster.import_progress', created_at: 0, payload: { import_id: 6, done: 9, total: 10 } })
    await vi.advanceTimersByTimeAsync(POLL_MS - 1)
    f.event({ id: 3, type: 'roster.import_progress', created_at: 0, payload: { import_id: 5, done: 8, total: 10 } })
    await vi.advanceTimersByTimeAsync(POLL_MS - 1)
    expect(poll).not.toHaveBeenCalled()
    f.event({ id: 4, type: 'roster.import_finished', created_at: 0, payload: { import_id: 5, ok: true } })
    await vi.advanceTimersByTimeAsync(0)
    f.event({ id: 5, type: 'roster.import_finished', created_at: 0, payload: { import_id: 5, ok: true } })
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(seen).toEqual([
      { done: 4, total: 10 },
      { done: 8, total: 10 },
    ])
    expect(poll).toHaveBeenCalledOnce()
    expect(finished.map((i) => i.status)).toEqual(['done'])
  })

  it('polls every 2 s while no event arrives, until the import has finished', async () => {
    const { poll, seen, finished } = follow([imp({ done: 3 }), imp({ done: 7 }), imp({ status: 'failed', done: 7 })])
    await vi.advanceTimersByTimeAsync(POLL_MS - 1)
    expect(poll).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(seen).toEqual([{ done: 3, total: 10 }])
    await vi.advanceTimersByTimeAsync(POLL_MS * 2)
    expect(seen.map((p) => p.done)).toEqual([3, 7, 7])
    expect(finished.map((i) => i.status)).toEqual(['failed'])
    await vi.advanceTimersByTimeAsync(POLL_MS * 5)
    expect(poll).toHaveBeenCalledTimes(3)
  })

  it('stops when told to', async () => {
    const { f, poll } = follow([])
    f.stop()
    await vi.advanceTimersByTimeAsync(POLL_MS * 5)
    expect(poll).not.toHaveBeenCalled()
  })
})
