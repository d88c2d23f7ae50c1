/**
 * Offline, end to end: the agent's browser loses the network and the agent keeps typing (and a
 * new engagement arrives from Zoom meanwhile); the Zoom client is closed while still offline and
 * opened again once the network is back. Nothing typed is lost: the persistent (IndexedDB) outbox
 * drains on the next launch, and the supervisor, online all along, sees the final text live.
 */
import { describe, expect, it } from 'vitest'
import { openAgent, outboxInsertedText, outboxOps } from './support/agent.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import { openOneNodeStage, stageForFile } from './support/stage.ts'

describe.skipIf(!e2eEnabled('offline'))('offline agent, closed and reopened', () => {
  const f = stageForFile((cleanup) => openOneNodeStage(cleanup, 'e2e-offline'))

  it('keeps every offline edit across closing the page and delivers it when the network is back', async () => {
    const online = await f.adaCallSaved(f.stage.node.origin, 'Line one, saved online.')
    const { sup, id: first } = online
    const agentContext = online.agent.context
    let agent = online.agent

    await agentContext.setOffline(true)
    await agent.type('\nLine two, typed offline.')
    await expect.poll(() => agent.status(), POLL).toMatch(/^Offline · \d+ unsent changes?$/)
    // Zoom is not the browser: it still delivers a new engagement, and the agent writes in it.
    const second = await agent.take({ consumer: { name: 'Grace Hopper' }, queueName: 'Technical support', channel: 'messaging' })
    await agent.type('Asked offline: reset the password.')
    await agent.focus(first)
    await expect.poll(() => agent.heading(), POLL).toBe('Ada Lovelace')
    await agent.type('\nLine three, the last one.')
    // Closed once the last keystrokes are in the device's outbox (the app groups keystrokes for
    // ~150 ms), still offline: nothing may depend on a save at close time.
    await expect.poll(() => outboxInsertedText(agent.page, first), POLL).toContain('Line three, the last one.')
    await agent.page.close()

    const detail = (id: string) => sup.engagement(id)
    // The server has none of it yet: it really was offline.
    expect((await detail(first))?.notes.text).toBe('Line one, saved online.')
    expect(await detail(second)).toBeNull()
    expect(await sup.drillNotes()).toBe('Line one, saved online.')

    // Network back; the agent opens Zoom again, which shows the engagement on screen.
    await agentContext.setOffline(false)
    let onDevice: string[] = []
    agent = await openAgent(agentContext, f.stage.node.origin, f.ana, async (page) => { onDevice = await outboxOps(page) })
    // Everything unsent survived on the device, the new engagement first of all.
    expect.soft(onDevice, 'ops in the persistent outbox after the close').toEqual(expect.arrayContaining([
      `engagement.observe ${second}`, `doc.update ${second}`, `doc.update ${first}`,
    ]))
    const finalText = 'Line one, saved online.\nLine two, typed offline.\nLine three, the last one.'
    await expect.poll(async () => (await detail(first))?.notes.text, POLL).toBe(finalText)
    await expect.poll(async () => (await detail(second))?.notes.text, POLL).toBe('Asked offline: reset the password.')

    // The supervisor, never reloaded, sees the final text in the open panel and on the board.
    await expect.poll(() => sup.drillNotes(), POLL).toBe(finalText)
    await expect.poll(() => sup.rowNotes(first), POLL).toBe('Line three, the last one.')
    await expect.poll(() => sup.rowNotes(second), POLL).toBe('Asked offline: reset the password.')

    // And the agent sees it all again once Zoom shows the engagement.
    await agent.create({ id: first, consumer: { name: 'Ada Lovelace' }, queueName: 'Billing' })
    await expect.poll(() => agent.notes().inputValue(), POLL).toBe(finalText)
    await expect.poll(() => agent.status(), POLL).toBe('All changes saved')
    expect(await agent.app().getByRole('alert').allInnerTexts()).toEqual([])
  })
})
