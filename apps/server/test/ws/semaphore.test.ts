import { describe, expect, it } from 'vitest'
import { Semaphore } from '../../src/ws/semaphore.ts'

describe('Semaphore', () => {
  it('runs at most max at once, the rest in arrival order, and frees the slot on failure', async () => {
    const sem = new Semaphore(2)
    let active = 0
    let peak = 0
    const order: number[] = []
    const releases: (() => void)[] = []
    const jobs = [0, 1, 2, 3, 4].map((i) => sem.run(async () => {
      active++
      peak = Math.max(peak, active)
      order.push(i)
      await new Promise<void>((r) => releases.push(r))
      active--
      if (i === 1) throw new Error('read failed')
      return i
    }))
    const all = Promise.allSettled(jobs)
    await expect.poll(() => order.length).toBe(2)
    expect(sem.queued).toBe(3)
    while (releases.length > 0 || order.length < 5) {
      releases.shift()?.()
      await new Promise((r) => setTimeout(r, 1))
    }
    const settled = await all
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(order).toEqual([0, 1, 2, 3, 4])
    expect(peak).toBe(2)
    expect(sem.queued).toBe(0)
  })
})
