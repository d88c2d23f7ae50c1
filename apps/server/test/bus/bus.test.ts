import { describe, expect, it } from 'vitest'
import { encode, type BusMessage } from '../../src/bus/bus.ts'

describe('bus payload encoding', () => {
  it('keeps a small message whole', () => {
    const msg: BusMessage = { n: 'node-a', e: [['acc', 'e1', 1, 3]] }
    expect(encode(msg)).toEqual([JSON.stringify(msg)])
  })

  it('splits a long id list into payloads under the NOTIFY limit, losing nothing', () => {
    const e: [string, string, number, number][] = []
    for (let i = 0; i < 1000; i++) e.push([`account-${i % 7}`, `engagement-${i}-${'x'.repeat(20)}`, i, i + 1])
    const p: [string, string][] = [['acc', 'u1']]
    const parts = encode({ n: 'node-a', e, p })
    expect(parts.length).toBeGreaterThan(1)
    for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThan(8000)
    const back = parts.map((s) => JSON.parse(s) as BusMessage)
    expect(back.flatMap((m) => m.e ?? [])).toEqual(e)
    expect(back.flatMap((m) => m.p ?? [])).toEqual(p)
    expect(back.every((m) => m.n === 'node-a')).toBe(true)
  })
})
