/**
 * The agent app reloaded while the network is gone (the Zoom client reloads the panel, or the agent
 * does): the built app's service worker serves the shell, the app starts from this device's copy
 * (notes, unsent changes) under the agent who was signed in, and syncs by itself when the network
 * is back. The emulator's line about the app starts over with every reload (it never keeps saying
 * "configured" for a page that has not loaded); a reload that fails is in
 * tests/browser/zoom-adapter.emulator-page.browser.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { outboxInsertedText } from './support/agent.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import { openOneNodeStage, stageForFile } from './support/stage.ts'

describe.skipIf(!e2eEnabled('offline-reload'))('the agent app reloaded while offline', () => {
  const f = stageForFile((cleanup) => openOneNodeStage(cleanup, 'e2e-offline-reload'))

  it('loads from the service worker, shows the notes and the unsent changes, and syncs by itself once online', async () => {
    const { sup, agent, id } = await f.adaCallSaved(f.stage.node.origin, 'Saved online.')
    const context = agent.context
    // The shell is kept: the service worker controls the app's page.
    await expect.poll(() => agent.app().evaluate(() => navigator.serviceWorker.controller !== null), POLL).toBe(true)

    await context.setOffline(true)
    await agent.type(' Typed offline.')
    await expect.poll(() => agent.status(), POLL).toMatch(/^Offline · \d+ unsent changes?$/)
    await expect.poll(() => outboxInsertedText(agent.page, id), POLL).toContain('Typed offline.')

    // The panel reloads with no network: the app, not the browser's error page.
    const during = await agent.page.evaluate(() => {
      window.zoomEmulator!.reloadApp()
      return window.zoomEmulator!.appStatus()
    })
    expect(during).toBe('loading')
    await agent.page.evaluate(() => window.zoomEmulator!.ready)
    await expect.poll(() => agent.page.locator('.app-status').textContent(), POLL).toContain('The app has configured the SDK')
    await expect.poll(() => agent.heading(), POLL).toBe('Ada Lovelace')
    await expect.poll(() => agent.notes().inputValue(), POLL).toBe('Saved online. Typed offline.')
    await expect.poll(() => agent.status(), POLL).toMatch(/^Offline · \d+ unsent changes?$/)
    expect(await sup.drillNotes()).toBe('Saved online.')

    // Network back: it syncs without anyone reloading anything.
    await context.setOffline(false)
    await expect.poll(() => agent.status(), { ...POLL, timeout: 60_000 }).toBe('All changes saved')
    await expect.poll(() => sup.drillNotes(), POLL).toBe('Saved online. Typed offline.')
    expect(await agent.app().getByRole('alert').allInnerTexts()).toEqual([])
  })
})
