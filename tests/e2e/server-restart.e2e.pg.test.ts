/**
 * A server crash, end to end: the only server process is SIGKILLed while the agent types and
 * started again on the same port and database. Nothing acknowledged is lost, edits not yet
 * acknowledged are resent by the agent app, and the supervisor's open board and engagement panel
 * recover by themselves (no reload).
 */
import { describe, expect, it } from 'vitest'
import { e2eEnabled, POLL } from './support/env.ts'
import { openOneNodeStage, stageForFile } from './support/stage.ts'

describe.skipIf(!e2eEnabled('server-restart'))('server killed and restarted while the agent types', () => {
  const f = stageForFile((cleanup) => openOneNodeStage(cleanup, 'e2e-restart'))

  it('loses nothing acknowledged, resends the rest, and the board recovers without a reload', async () => {
    const { sup, agent, id } = await f.adaCallSaved(f.stage.node.origin, 'Acknowledged before the crash.')
    // Survives only if the page is never reloaded.
    await sup.page.evaluate(() => { (window as unknown as { e2eNoReload: boolean }).e2eNoReload = true })

    // The agent keeps typing; the server dies in the middle of it.
    const tail = '\nTyped while the server dies and comes back up.'
    const box = agent.notes()
    await box.click()
    await box.press('Control+End')
    const typing = box.pressSequentially(tail, { delay: 40 })
    await expect.poll(() => box.inputValue(), { ...POLL, interval: 20 }).toContain('while')
    await f.stage.node.kill('SIGKILL')
    await typing
    const finalText = `Acknowledged before the crash.${tail}`
    expect(await box.inputValue()).toBe(finalText)
    await expect.poll(() => agent.status(), POLL).toMatch(/unsent change/)

    await f.stage.node.start()
    await expect.poll(() => agent.status(), { ...POLL, timeout: 60_000 }).toBe('All changes saved')
    expect((await sup.engagement(id))?.notes.text).toBe(finalText)

    // The supervisor's page reconnected by itself: panel and board are current, and stay live.
    await expect.poll(() => sup.drillNotes(), { ...POLL, timeout: 60_000 }).toBe(finalText)
    await expect.poll(() => sup.rowNotes(id), POLL).toBe('Typed while the server dies and comes back up.')
    await agent.setState(id, 'inactive')
    await expect.poll(() => sup.rowState(id), POLL).toBe('Inactive')
    await agent.type('\nBack on hold after the restart.')
    await expect.poll(() => sup.drillNotes(), POLL).toContain('Back on hold after the restart.')
    expect(await sup.page.evaluate(() => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload)).toBe(true)
    expect(await agent.app().getByRole('alert').allInnerTexts()).toEqual([])
  })
})
