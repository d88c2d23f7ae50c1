/**
 * The wiring between adapter and state, driven through the adapter's own interface by a scripted
 * source whose replies the test releases one by one. (The real SDK path is covered in
 * tests/browser/zoom-adapter.browser.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import type { LaunchResult } from '../../src/agent/zoom/adapter.ts'
import { EventHub } from '@switchboard/protocol/emitter'
import { createEngagementsState } from '../../src/agent/zoom/engagement-merge.ts'
import { startEngagementSync, type EngagementSource } from '../../src/agent/zoom/engagement-sync.ts'
import { ZoomError } from '../../src/agent/zoom/errors.ts'
import type {
  EngagementContext, EngagementStatusSnapshot, EngagementVariable, ZoomAdapterEvents, ZoomConfig,
} from '../../src/agent/zoom/types.ts'

interface Pending { api: string; id: string | undefined; resolve(v: unknown): void; reject(e: unknown): void }

class ScriptedSource implements EngagementSource {
  events = new EventHub<ZoomAdapterEvents>()
  pending: Pending[] = []
  calls: string[] = []

  #wait<T>(api: string, id?: string): Promise<T> {
    this.calls.push(id ? `${api}:${id}` : api)
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ api, id, resolve: resolve as (v: unknown) => void, reject })
    })
  }

  launch() { return this.#wait<LaunchResult>('launch') }
  getEngagementContext(id?: string) { return this.#wait<EngagementContext>('context', id) }
  getEngagementStatus(id: string) { return this.#wait<EngagementStatusSnapshot>('status', id) }
  getEngagementVariables(id: string) { return this.#wait<EngagementVariable[]>('variables', id) }
  on<K extends keyof ZoomAdapterEvents>(name: K, fn: (p: ZoomAdapterEvents[K]) => void) { return this.events.on(name, fn) }

  /** Resolves the oldest pending call of `api` (and id, if given). */
  async reply(api: string, value: unknown, id?: string): Promise<void> {
    const i = this.pending.findIndex((p) => p.api === api && (id === undefined || p.id === id))
    if (i < 0) throw new Error(`no pending ${api} ${id ?? ''}`)
    const [p] = this.pending.splice(i, 1)
    p!.resolve(value)
    await flush()
  }

  async fail(api: string, error: unknown): Promise<void> {
    const i = this.pending.findIndex((p) => p.api === api)
    const [p] = this.pending.splice(i, 1)
    p!.reject(error)
    await flush()
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

const config: ZoomConfig = { runningContext: 'inContactCenter', clientVersion: '6.2.5', unsupportedApis: [], auth: null, product: null }
const launchWith = (id: string, statusId = id): LaunchResult => ({
  config,
  runningContext: 'inContactCenter',
  engagement: {
    context: { engagementId: id, queueName: 'Q' },
    status: statusId === id ? { engagementId: statusId, status: { state: 'active', channel: 'voice' } } : null,
    variables: [{ id: 'v1', value: 'x' }],
  },
})

function setup() {
  const source = new ScriptedSource()
  const state = createEngagementsState()
  const seen: string[] = []
  const sync = startEngagementSync(source, state, {
    now: () => 1000,
    hooks: {
      onObserved: (id, _c, status) => seen.push(`observed:${id}:${status?.state ?? 'none'}`),
      onFocus: (id, _t, changed) => seen.push(`focus:${id}:${changed}`),
      onStatus: (id, _c, _t, applied) => seen.push(`status:${id}:${applied.join(',')}`),
      onVariables: (id) => seen.push(`variables:${id}`),
      onError: (e) => seen.push(`error:${e.kind}`),
    },
  })
  return { source, state, sync, seen }
}

describe('engagement sync', () => {
  it('applies the launch read and focuses the launch engagement', async () => {
    const { source, state, sync, seen } = setup()
    await source.reply('launch', launchWith('e1'))
    await expect(sync.launched).resolves.toEqual({ engagementId: 'e1' })
    expect(state.focusedId).toBe('e1')
    expect(state.byId.e1!.status).toEqual({ state: 'active', channel: 'voice' })
    expect(state.byId.e1!.variables.v1?.value).toBe('x')
    expect(seen).toEqual(['focus:e1:true', 'variables:e1', 'observed:e1:active'])
  })

  it('reports "not in an engagement" as no engagement', async () => {
    const { source, state, sync } = setup()
    await source.reply('launch', { config, runningContext: 'inContactCenter', engagement: null })
    await expect(sync.launched).resolves.toEqual({ engagementId: null })
    expect(state.focusedId).toBeNull()
  })

  it('rejects the launch with a ZoomError keeping the code', async () => {
    const { source, sync } = setup()
    await source.fail('launch', Object.assign(new Error('Method not available outside Zoom Contact Center'), { code: 10242 }))
    await expect(sync.launched).rejects.toMatchObject({ kind: 'not-in-contact-center', code: 10242 })
  })

  it('does not let the launch read steal focus from a context change that arrived meanwhile', async () => {
    const { source, state } = setup()
    source.events.emit('context', { context: { engagementId: 'e2' }, timestamp: 5000 })
    await source.reply('launch', launchWith('e1'))
    expect(state.focusedId).toBe('e2')
    expect(state.byId.e1!.status.state).toBe('active') // e1's data is still kept under e1
  })

  it('switches at once on a context change, then reads the new engagement, keyed by its own id', async () => {
    const { source, state, seen } = setup()
    await source.reply('launch', launchWith('e1'))
    seen.length = 0
    source.events.emit('context', { context: { engagementId: 'e2', queueName: 'Sales' }, timestamp: 5000 })
    expect(state.focusedId).toBe('e2') // before any reply: the view switches from the cache
    await flush()
    expect(source.calls.at(-1)).toBe('status:e2')
    // The agent switches back before e2's status arrives; the late reply still lands on e2.
    source.events.emit('context', { context: { engagementId: 'e1' }, timestamp: 6000 })
    await source.reply('status', { engagementId: 'e2', status: { state: 'active', channel: 'messaging' } }, 'e2')
    await source.reply('variables', [], 'e2')
    expect(state.focusedId).toBe('e1')
    expect(state.byId.e2!.status.channel).toBe('messaging')
    expect(state.byId.e1!.status.channel).toBe('voice')
    expect(seen).toContain('observed:e2:active')
  })

  it('drops a status reply about another engagement (wrong-id guard)', async () => {
    const { source, state, seen } = setup()
    await source.reply('launch', launchWith('e1'))
    source.events.emit('context', { context: { engagementId: 'e2' }, timestamp: 5000 })
    await flush()
    await source.reply('status', { engagementId: 'e3', status: { state: 'end' } }, 'e2')
    await source.reply('variables', [], 'e2')
    expect(state.byId.e2!.status).toEqual({})
    expect(state.byId.e3).toBeUndefined()
    expect(seen).toContain('observed:e2:none')
  })

  it('re-reads when the launch status was about another engagement', async () => {
    const { source, state } = setup()
    await source.reply('launch', launchWith('e1', 'other'))
    expect(source.calls.at(-1)).toBe('status:e1')
    await source.reply('status', { engagementId: 'e1', status: { state: 'inactive' } }, 'e1')
    expect(state.byId.e1!.status.state).toBe('inactive')
  })

  it('merges status events by their own id and reads unknown engagements', async () => {
    const { source, state, seen } = setup()
    await source.reply('launch', launchWith('e1'))
    seen.length = 0
    source.events.emit('status', { engagementId: 'e7', changes: { state: 'wrap-up' }, timestamp: 10 })
    expect(state.byId.e7!.status.state).toBe('wrap-up')
    expect(state.focusedId).toBe('e1')
    await flush()
    expect(source.calls.at(-1)).toBe('context:e7')
    await source.reply('context', { engagementId: 'e7', queueName: 'Late' }, 'e7')
    expect(state.byId.e7!.context?.queueName).toBe('Late')
    expect(seen).toEqual(['status:e7:state'])
  })

  it('ignores a context reply about another engagement', async () => {
    const { source, state } = setup()
    await source.reply('launch', launchWith('e1'))
    source.events.emit('status', { engagementId: 'e7', changes: { state: 'active' }, timestamp: 10 })
    await flush()
    await source.reply('context', { engagementId: 'e8' }, 'e7')
    expect(state.byId.e7!.context).toBeNull()
    expect(state.byId.e8).toBeUndefined()
    expect(source.pending).toEqual([]) // no status read follows a wrong context
  })

  it('attributes variable events to the engagement on screen', async () => {
    const { source, state } = setup()
    await source.reply('launch', launchWith('e1'))
    source.events.emit('variables', { variables: [{ id: 'v1', value: 'y' }], timestamp: 50 })
    expect(state.byId.e1!.variables.v1?.value).toBe('y')
  })

  it('treats a vanished engagement (10243) during a read as nothing to do', async () => {
    const { source, seen } = setup()
    await source.reply('launch', launchWith('e1'))
    seen.length = 0
    source.events.emit('context', { context: { engagementId: 'e2' }, timestamp: 5000 })
    await flush()
    await source.fail('status', new ZoomError('not-in-engagement', 'getEngagementStatus', 'gone', 10243))
    expect(seen).toEqual(['focus:e2:true'])
  })

  it('stops listening after stop()', async () => {
    const { source, state, sync } = setup()
    await source.reply('launch', launchWith('e1'))
    sync.stop()
    source.events.emit('status', { engagementId: 'e1', changes: { state: 'end' }, timestamp: 10 })
    expect(state.byId.e1!.status.state).toBe('active')
  })
})
