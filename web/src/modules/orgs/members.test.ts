import { describe, expect, it } from 'vitest'
import { memberError, memberRows, parseAccountId, unnamed } from './members'

describe('organisation members', () => {
  it('reads a typed account id, and nothing else', () => {
    expect(parseAccountId('17')).toBe(17)
    expect(parseAccountId('  #17 ')).toBe(17)
    expect(parseAccountId('# 5')).toBe(5)
    for (const bad of ['', ' ', '0', '-3', '07', '1.5', '1e3', 'abc', '12a', '#', '99999999999999999']) {
      expect(parseAccountId(bad)).toBeNull()
    }
    expect(parseAccountId('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER)
    expect(parseAccountId('9007199254740992')).toBeNull()
  })

  it('names members from what is known, in the server\'s order, and asks for the rest once', () => {
    const members = [
      { account_id: 3, added_at: 10 },
      { account_id: 9, added_at: 20 },
      { account_id: 12, added_at: 30 },
    ]
    const names = new Map<number, string | null>([
      [3, '王经理'],
      [9, null],
    ])
    expect(memberRows(members, names)).toEqual([
      { account_id: 3, added_at: 10, name: '王经理' },
      { account_id: 9, added_at: 20, name: null },
      { account_id: 12, added_at: 30, name: null },
    ])
    expect(unnamed(members, names)).toEqual([12])
    expect(unnamed([...members, { account_id: 12 }], new Map())).toEqual([3, 9, 12])
  })

  it('puts an unknown account at the field, a non-member and a refusal above the list', () => {
    expect(memberError({ status: 422, field: 'account_id' })).toEqual({ at: 'account', key: 'unknownAccount' })
    expect(memberError({ status: 404, field: 'account_id' })).toEqual({ at: 'list', key: 'notMember' })
    expect(memberError({ status: 403 })).toEqual({ at: 'list', key: null })
    expect(memberError({ status: 400, field: 'account_id' })).toEqual({ at: 'account', key: null })
    expect(memberError({ status: 404 })).toEqual({ at: 'list', key: null })
  })
})
