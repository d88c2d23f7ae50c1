/**
 * The Zoom adapter and engagement cache running on the REAL `@zoom/appssdk` in Chromium: the app
 * page sits in an iframe and the parent answers the SDK's postMessage bridge with the emulator's
 * own bridge and model (see zoom-adapter.harness.ts). Nothing of the SDK is mocked.
 */
import type { Frame } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './zoom-adapter.harness.ts'
import { browserForFile, CHROMIUM, haveChromium } from '../support/chromium.ts'

if (!haveChromium) process.stderr.write(`[zoom-adapter] skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).\n`)


describe.skipIf(!haveChromium)('Zoom adapter over the real SDK bridge', () => {
  const chromium = browserForFile()
  const tab = chromium.pagePerTest()
  let harness: Harness

  beforeAll(async () => {
    harness = await startHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  function child(): Frame {
    const frame = tab.page.frames().find((f) => new URL(f.url()).pathname === '/child.html')
    if (!frame) throw new Error('the app frame is not loaded')
    return frame
  }

  async function open(query = ''): Promise<void> {
    await tab.page.goto(`${harness.origin}/parent.html${query}`)
    await tab.page.waitForFunction(() => window.zoomEmulator !== undefined)
    await tab.page.evaluate(() => window.zoomEmulator!.ready)
  }

  async function launched(query = '?seed=1'): Promise<void> {
    await open(query)
    await expect.poll(() => child().evaluate(() => window.zoomProbe.launched)).toEqual({ engagementId: 'e1' })
  }

  const snapshot = () => child().evaluate(() => window.zoomProbe.snapshot())
  const requests = () => tab.page.evaluate(() => window.zoomEmulator!.log().filter((e) => e.kind === 'request'))

  it('configures SDK 0.16 with the Contact Center capabilities and launches in Zoom\'s order', async () => {
    await launched()
    const reqs = await requests()
    expect(reqs.slice(0, 5).map((r) => r.name)).toEqual([
      'config', 'getRunningContext', 'getEngagementContext', 'getEngagementStatus', 'getEngagementVariableValue',
    ])
    const config = reqs[0]!.data as { version: string; js_api_lists: string[] }
    expect(config.version).toBe('0.16')
    // Exactly what the app calls: each capability is a permission the operator grants.
    expect([...config.js_api_lists].sort()).toEqual([
      'getAppContext', 'getEngagementContext', 'getEngagementStatus', 'getEngagementVariableValue', 'getRunningContext',
      'onEngagementContextChange', 'onEngagementStatusChange', 'onEngagementVariableValueChange',
    ])
    expect(reqs[3]!.data).toEqual({ engagementId: 'e1' })
    expect(await child().evaluate(() => window.zoomProbe.host.kind)).toBe('emulator')
    const s = await snapshot()
    expect(s.focusedId).toBe('e1')
    expect(s.byId.e1.context).toMatchObject({ engagementId: 'e1', queueId: 'q1', queueName: 'Billing', isTransfer: false })
    expect(s.byId.e1.status).toMatchObject({
      state: 'active', channel: 'voice', isConference: false,
      consumers: [{ consumerDisplayName: 'Ada', consumerNumber: '+15550001' }],
    })
    expect(s.byId.e1.variables['var-account-number'].value).toBe('A-17')
  })

  it('merges status events that carry only the changed fields', async () => {
    await launched()
    await tab.page.evaluate(() => window.zoomEmulator!.setStatus('e1', { state: 'inactive' }))
    const event = await tab.page.evaluate(() => window.zoomEmulator!.log().filter((e) => e.kind === 'event').at(-1))
    expect(event?.name).toBe('onEngagementStatusChange')
    const data = event?.data as { engagementStatus: Record<string, unknown>; timestamp: number }
    expect(Object.keys(data.engagementStatus).sort()).toEqual(['engagementId', 'state'])
    expect(typeof data.timestamp).toBe('number')

    await expect.poll(async () => (await snapshot()).byId.e1.status.state).toBe('inactive')
    await tab.page.evaluate(() => window.zoomEmulator!.setStatus('e1', { channel: 'video', source: 'video_webVideo' }))
    await expect.poll(async () => (await snapshot()).byId.e1.status.channel).toBe('video')
    const s = await snapshot()
    expect(s.byId.e1.status).toMatchObject({ state: 'inactive', source: 'video_webVideo', consumers: [{ consumerDisplayName: 'Ada' }] })
    expect(await child().evaluate(() => window.zoomProbe.hooks)).toEqual(expect.arrayContaining(['status:e1:state', 'status:e1:channel,source']))
  })

  it('switches on a context change and keys every status event by its own engagement', async () => {
    await launched()
    await tab.page.evaluate(() => window.zoomEmulator!.createEngagement({
      id: 'e2', channel: 'messaging', source: 'messaging_webChat', queueName: 'Chat', consumer: { name: 'Bo' },
      transfer: { type: 'warm', fromAgentName: 'Cy' },
    }))
    await expect.poll(() => child().evaluate(() => window.zoomProbe.focusedId())).toBe('e2')
    await expect.poll(async () => (await snapshot()).byId.e2.status.channel).toBe('messaging')
    expect((await snapshot()).byId.e2.context).toMatchObject({ queueName: 'Chat', isTransfer: true, transferType: 'warm', transferFromAgentName: 'Cy' })
    expect((await requests()).map((r) => r.data)).toContainEqual({ engagementId: 'e2' })

    // A diff for e1 while e2 is on screen lands on e1.
    await tab.page.evaluate(() => window.zoomEmulator!.setStatus('e1', { state: 'wrap-up' }))
    await expect.poll(async () => (await snapshot()).byId.e1.status.state).toBe('wrap-up')
    expect((await snapshot()).byId.e2.status.state).toBe('active')

    // end keeps e1's data and does not move the focus.
    await tab.page.evaluate(() => window.zoomEmulator!.setStatus('e1', { state: 'end' }))
    await expect.poll(async () => (await snapshot()).byId.e1.status.state).toBe('end')
    const s = await snapshot()
    expect(s.focusedId).toBe('e2')
    expect(s.byId.e1.context.queueName).toBe('Billing')
    expect(typeof s.byId.e1.endedAt).toBe('number')
    expect(await child().evaluate(() => window.zoomProbe.openIds())).toEqual(['e2'])

    await tab.page.evaluate(() => window.zoomEmulator!.focus('e1'))
    await expect.poll(() => child().evaluate(() => window.zoomProbe.focusedId())).toBe('e1')
  })

  it('drops a reply about another engagement and files a late reply under its own id', async () => {
    await launched()
    await tab.page.evaluate(() => window.zoomEmulator!.scriptNext('getEngagementStatus', {
      result: { engagementStatus: { engagementId: 'intruder', state: 'end', channel: 'voice', source: '', isConference: 'false', consumers: [] } },
    }))
    await tab.page.evaluate(() => window.zoomEmulator!.createEngagement({ id: 'e2', consumer: { name: 'Bo' } }))
    await expect.poll(() => child().evaluate(() => window.zoomProbe.hooks)).toContain('observed:e2:none')
    let s = await snapshot()
    expect(s.byId.intruder).toBeUndefined()
    expect(s.byId.e2.status).toEqual({})

    // Hold e1's status read, switch to e2 meanwhile, then let the reply through.
    await tab.page.evaluate(() => {
      const w = window as unknown as { releaseHeld?: () => void }
      window.zoomEmulator!.scriptNext('getEngagementStatus', () => new Promise((resolve) => {
        w.releaseHeld = () => resolve({
          result: { engagementStatus: window.zoomEmulator!.engagements().find((e) => e.context.engagementId === 'e1')!.status },
        })
      }))
      window.zoomEmulator!.focus('e1')
    })
    await tab.page.waitForFunction(() => (window as unknown as { releaseHeld?: () => void }).releaseHeld !== undefined)
    await tab.page.evaluate(() => {
      window.zoomEmulator!.focus('e2')
      window.zoomEmulator!.setStatus('e1', { assignedAgentName: 'Someone Else' })
    })
    await expect.poll(() => child().evaluate(() => window.zoomProbe.focusedId())).toBe('e2')
    await tab.page.evaluate(() => (window as unknown as { releaseHeld: () => void }).releaseHeld())
    await expect.poll(() => child().evaluate(() => window.zoomProbe.hooks.filter((h) => h === 'observed:e1:active').length)).toBe(2)
    s = await snapshot()
    expect(s.focusedId).toBe('e2')
    expect(s.byId.e1.status.assignedAgentName).toBe('Someone Else')
    expect(s.byId.intruder).toBeUndefined()
  })

  it('ignores older status events arriving late and repeated ones', async () => {
    await launched()
    const base = Date.now() + 60_000
    await tab.page.evaluate((t) => {
      const z = window.zoomEmulator!
      z.emitRaw('onEngagementStatusChange', { engagementStatus: { engagementId: 'e1', state: 'wrap-up' }, timestamp: t + 2000 })
      z.emitRaw('onEngagementStatusChange', { engagementStatus: { engagementId: 'e1', state: 'inactive' }, timestamp: t + 1000 })
      z.emitRaw('onEngagementStatusChange', { engagementStatus: { engagementId: 'e1', state: 'wrap-up' }, timestamp: t + 2000 })
    }, base)
    await expect.poll(() => child().evaluate(() => window.zoomProbe.hooks.filter((h) => h.startsWith('status:e1')))).toEqual([
      'status:e1:state', 'status:e1:', 'status:e1:',
    ])
    expect((await snapshot()).byId.e1.status.state).toBe('wrap-up')
  })

  it('attributes variable events to the engagement on screen, with second timestamps read as ms', async () => {
    await launched()
    await tab.page.evaluate(() => window.zoomEmulator!.setVariables('e1', { 'var-priority': 1 }))
    await expect.poll(async () => (await snapshot()).byId.e1.variables['var-priority']?.value).toBe(1)
    const events = await child().evaluate(() => window.zoomProbe.adapterEvents) as Array<{ name: string; payload: { timestamp: number } }>
    const variables = events.find((e) => e.name === 'variables')
    expect(variables!.payload.timestamp).toBeGreaterThan(1e12)
  })

  it('reports "not in an engagement" (10243) at launch and on calls, and other codes by kind', async () => {
    await open()
    await expect.poll(() => child().evaluate(() => window.zoomProbe.launched)).toEqual({ engagementId: null })
    const log = await tab.page.evaluate(() => window.zoomEmulator!.log())
    expect(log.find((e) => e.kind === 'error' && e.name === 'getEngagementContext')?.data).toMatchObject({ errorCode: 10243 })

    const missing = await child().evaluate(() => window.zoomProbe.call('getEngagementStatus', 'missing'))
    expect(missing).toEqual({ error: expect.objectContaining({ kind: 'not-in-engagement', code: 10243, api: 'getEngagementStatus' }) })

    await tab.page.evaluate(() => window.zoomEmulator!.scriptNext('getRunningContext', { errorCode: 10242, errorMessage: 'Method not available outside Zoom Contact Center' }))
    const outside = await child().evaluate(() => window.zoomProbe.call('getRunningContext'))
    expect(outside).toEqual({ error: expect.objectContaining({ kind: 'not-in-contact-center', code: 10242 }) })

    const running = await child().evaluate(() => window.zoomProbe.call('getRunningContext'))
    expect(running).toEqual({ ok: 'inContactCenter' })
  })

  it('answers like the Zoom client: no id means the engagement on screen, an ended one is gone, nothing invented', async () => {
    await launched()
    // Zoom's samples call getEngagementStatus() without an id.
    const current = await child().evaluate(() => window.zoomProbe.raw('getEngagementStatus'))
    expect(current).toEqual({ ok: { engagementStatus: expect.objectContaining({ engagementId: 'e1', state: 'active' }) } })

    // An API the emulator does not implement: its generic client error, and a note in the log.
    const meeting = await child().evaluate(() => window.zoomProbe.raw('getMeetingContext'))
    expect(meeting).toEqual({ error: expect.objectContaining({ code: 10001 }) })
    const notes = (await tab.page.evaluate(() => window.zoomEmulator!.log())).filter((e) => e.kind === 'note')
    expect(notes.map((n) => n.data)).toEqual([expect.stringMatching(/getMeetingContext is not implemented by the emulator/)])

    // Once it ended, the client no longer answers about it.
    await tab.page.evaluate(() => window.zoomEmulator!.setStatus('e1', { state: 'end' }))
    await expect.poll(async () => (await snapshot()).byId.e1.status.state).toBe('end')
    expect(await child().evaluate(() => window.zoomProbe.raw('getEngagementStatus', { engagementId: 'e1' })))
      .toEqual({ error: expect.objectContaining({ code: 10243 }) })
    expect(await child().evaluate(() => window.zoomProbe.raw('getEngagementContext')))
      .toEqual({ error: expect.objectContaining({ code: 10243 }) })
  })

  it('fails the launch outside Contact Center', async () => {
    await open()
    await tab.page.evaluate(async () => {
      window.zoomEmulator!.configureClient({ runningContext: 'inMeeting' })
      window.zoomEmulator!.reloadApp()
      await window.zoomEmulator!.ready
    })
    await expect.poll(() => child().evaluate(() => window.zoomProbe.launchError)).toMatchObject({ kind: 'not-in-contact-center' })
  })

  it('turns an unanswered call into a timeout error', async () => {
    await open(`?seed=1&child=${encodeURIComponent('?timeout=800')}`)
    await expect.poll(() => child().evaluate(() => window.zoomProbe.launched)).toEqual({ engagementId: 'e1' })
    await tab.page.evaluate(() => window.zoomEmulator!.scriptNext('getAppContext', () => new Promise(() => undefined)))
    const result = await child().evaluate(() => window.zoomProbe.call('getAppContext'))
    expect(result).toEqual({ error: expect.objectContaining({ kind: 'timeout', code: null }) })
  })

  it('checks unsupportedApis from config and skips optional APIs the client lacks', async () => {
    await open(`?seed=1&unsupported=getEngagementVariableValue,onEngagementVariableValueChange`)
    await expect.poll(() => child().evaluate(() => window.zoomProbe.launched)).toEqual({ engagementId: 'e1' })
    expect(await child().evaluate(() => window.zoomProbe.unsupported())).toEqual(['getEngagementVariableValue', 'onEngagementVariableValueChange'])
    expect((await requests()).map((r) => r.name)).not.toContain('getEngagementVariableValue')

    await open(`?seed=1&unsupported=onEngagementStatusChange`)
    await expect.poll(() => child().evaluate(() => window.zoomProbe.launchError)).toMatchObject({ kind: 'unsupported-api' })
  })

  it('answers only messages from its own frame', async () => {
    await launched()
    await tab.page.evaluate(() => window.postMessage(JSON.stringify({ jsCallId: 'foreign-1', apiName: 'getRunningContext' }), '*'))
    await child().evaluate(() => window.zoomProbe.call('getRunningContext'))
    const log = await tab.page.evaluate(() => window.zoomEmulator!.log())
    expect(log.filter((e) => e.name === 'getRunningContext' && e.kind === 'request')).toHaveLength(2)
    expect(log.some((e) => e.jsCallId === 'foreign-1')).toBe(false)
  })

  it('detects a top-level tab as a plain browser, where config rejects at once', async () => {
    await tab.page.goto(`${harness.origin}/child.html`)
    expect(await tab.page.evaluate(() => window.zoomProbe.host.kind)).toBe('browser')
    await expect.poll(() => tab.page.evaluate(() => window.zoomProbe.launchError)).toMatchObject({ kind: 'unsupported-browser' })
  })
})
