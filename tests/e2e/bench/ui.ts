/**
 * `npm run bench:ui [-- --keys N] [--switches N] [--out DIR]`
 *
 * The figures of the web apps, in Chromium against the built server on a throwaway Postgres
 * database (the end-to-end suite's stage): the agent types in the Zoom client emulator while a
 * supervisor has the engagement open in the drill-in.
 *
 * - keystroke → drill-in: from the key's `keydown` in the agent app to the first frame the
 *   supervisor's drill-in shows the text up to that key, per key, at two cadences: human (a key
 *   every 150–300 ms, the load generator's cadence) and a fast burst (a key every 90 ms); with the
 *   `doc.update` frames the agent app sent per keystroke.
 * - engagement switch → notes shown: from the emulator posting `onEngagementContextChange` to the
 *   first frame the agent app shows that engagement's heading and notes.
 * - agent page JS: the scripts `index.html` loads (entry and preloads), gzipped.
 *
 * Times are `performance.timeOrigin + performance.now()` in each page (one browser, one clock).
 * Prints a markdown report and writes it with a JSON twin to the output directory. `--cpu-prof`
 * also records the agent page's CPU profile while it switches (Chrome DevTools format) and prints
 * the functions with the most self time.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import type { Page } from 'playwright-core'
import { openAgent, type AgentClient } from '../support/agent.ts'
import { REPO } from '../support/build.ts'
import { Cleanup } from '../support/cleanup.ts'
import { openOneNodeStage } from '../support/stage.ts'
import { openSupervisor, type SupervisorClient } from '../support/supervisor.ts'
import { CADENCE } from '../../bench/options.ts'

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '80' },
    switches: { type: 'string', default: '40' },
    out: { type: 'string', default: 'bench-results' },
    'cpu-prof': { type: 'boolean', default: false },
  },
})
const KEYS = Number(args.keys)
const SWITCHES = Number(args.switches)
const log = (line: string): void => { process.stderr.write(`[bench:ui ${new Date().toISOString().slice(11, 19)}] ${line}\n`) }
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Summary { n: number; p50: number; p95: number; max: number }
function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b)
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN
  const r = (v: number): number => Math.round(v * 10) / 10
  return { n: s.length, p50: r(at(50)), p95: r(at(95)), max: r(s.at(-1) ?? NaN) }
}

// Page scripts are strings: tsx names functions with a helper the page does not have.

/** In the supervisor page: every change of the drill-in's notes, with the next frame's time. */
async function watchDrill(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.drillSeen = []
    if (window.drillWatched) return
    window.drillWatched = true
    const el = document.querySelector('.drill-notes')
    new MutationObserver(() => {
      const len = (el.textContent || '').length
      requestAnimationFrame(() => window.drillSeen.push({ len, at: performance.timeOrigin + performance.now() }))
    }).observe(el, { subtree: true, childList: true, characterData: true })
  })()`)
}

/** In the agent app: the time of every keydown of a character. */
async function watchKeys(agent: AgentClient): Promise<void> {
  await agent.app().evaluate(`(() => {
    window.keysAt = []
    if (window.keysWatched) return
    window.keysWatched = true
    document.addEventListener('keydown', (e) => { if (e.key.length === 1) window.keysAt.push(performance.timeOrigin + e.timeStamp) }, true)
  })()`)
}

async function keystrokes(agent: AgentClient, sup: SupervisorClient, label: string, gapMs: () => number): Promise<{ latency: Summary; framesPerKey: number }> {
  const before = (await sup.drillNotes()).length
  await watchDrill(sup.page)
  await watchKeys(agent)
  let frames = 0
  const onFrame = (payload: string): void => {
    if (payload.includes('"type":"doc.update"')) frames++
  }
  // The agent app's socket opened before this run: count its frames through DevTools' network events.
  const cdp = await agent.page.context().newCDPSession(agent.page)
  await cdp.send('Network.enable')
  cdp.on('Network.webSocketFrameSent', (e: { response: { payloadData: string } }) => onFrame(e.response.payloadData))

  const box = agent.notes()
  await box.click()
  await box.press('Control+End')
  const text = 'the customer asks about the refund '.repeat(Math.ceil(KEYS / 35)).slice(0, KEYS)
  for (const ch of text) {
    await agent.page.keyboard.press(ch === ' ' ? 'Space' : ch)
    await sleep(gapMs())
  }
  const until = Date.now() + 30_000
  while ((await sup.drillNotes()).length < before + KEYS) {
    if (Date.now() > until) throw new Error(`${label}: the drill-in did not show all ${KEYS} keys`)
    await sleep(50)
  }
  await sleep(500)
  await cdp.detach()
  const keysAt = await agent.app().evaluate('window.keysAt') as number[]
  const seen = await sup.page.evaluate('window.drillSeen') as Array<{ len: number; at: number }>
  const latencies = keysAt.slice(0, KEYS).map((t, i) => {
    const shown = seen.find((s) => s.len >= before + i + 1)
    if (!shown) throw new Error(`${label}: key ${i} never shown`)
    return shown.at - t
  })
  return { latency: summarize(latencies), framesPerKey: Math.round((frames / KEYS) * 100) / 100 }
}

/** Switches back and forth between two engagements; from the Zoom event to the frame showing the notes. */
async function switches(agent: AgentClient, ids: readonly [string, string], notes: readonly [string, string]): Promise<Summary> {
  const out: number[] = []
  // The second is on screen: switch to the first, back, and so on.
  for (let i = 0; i < SWITCHES; i++) {
    const k = i % 2
    const [id, text] = [ids[k]!, notes[k]!]
    await agent.app().evaluate(`(() => {
      const id = ${JSON.stringify(id)}, text = ${JSON.stringify(text)}
      window.switchShown = new Promise((resolve) => {
        const check = () => {
          const article = document.querySelector('article[data-engagement-id]')
          const field = document.querySelector('textarea[id^="notes-"]')
          return article?.dataset.engagementId === id && field?.value === text
        }
        let done = false
        const finish = () => {
          if (done) return
          done = true
          obs.disconnect()
          requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()))
        }
        const obs = new MutationObserver(() => { if (check()) finish() })
        obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
        // The field's value is a property (no mutation): also look on every frame.
        const poll = () => { if (done) return; if (check()) finish(); else requestAnimationFrame(poll) }
        requestAnimationFrame(poll)
      })
    })()`)
    const sentAt = await agent.page.evaluate(`(() => {
      const t = performance.timeOrigin + performance.now()
      window.zoomEmulator.focus(${JSON.stringify(id)})
      return t
    })()`) as number
    const shownAt = await agent.app().evaluate('window.switchShown') as number
    out.push(shownAt - sentAt)
    await sleep(300)
  }
  return summarize(out)
}

/** The scripts the agent page loads (its entry and module preloads), gzipped as a server would. */
function agentJs(distDir: string): { files: Array<{ file: string; bytes: number; gzip: number }>; gzip: number; bytes: number } {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8')
  const paths = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
  const files = [...new Set(paths)].map((p) => {
    const body = readFileSync(join(distDir, p))
    return { file: p, bytes: body.length, gzip: gzipSync(body).length }
  })
  return { files, gzip: files.reduce((s, f) => s + f.gzip, 0), bytes: files.reduce((s, f) => s + f.bytes, 0) }
}

async function main(): Promise<void> {
  const cleanup = new Cleanup()
  const stop = (): void => { void cleanup.run().finally(() => process.exit(130)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    log('building and starting the server on a throwaway database')
    const stage = await openOneNodeStage(cleanup, 'bench-ui')
    const accountId = `bench-${randomBytes(3).toString('hex')}`
    const ctx = (): ReturnType<typeof stage.browser.newContext> => stage.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const sup = await openSupervisor(await ctx(), stage.node.origin, { accountId, userId: 'sup-1', displayName: 'Sam Supervisor' })
    const agent = await openAgent(await ctx(), stage.node.origin, { accountId, userId: 'agent-1', displayName: 'Ann Agent' })
    const first = await agent.create({ consumer: { name: 'First Caller' }, queueName: 'Billing' })
    await waitFor(async () => (await agent.heading()) === 'First Caller', 'the first engagement on screen')
    await agent.type('Start.')
    await waitFor(async () => (await agent.status()) === 'All changes saved', 'the first notes saved')
    await waitFor(async () => (await sup.row(first).count()) === 1, 'the board row')
    await sup.open(first)
    await waitFor(async () => (await sup.drillNotes()).includes('Start.'), 'the drill-in')

    log(`keystroke → drill-in: ${KEYS} keys at a human cadence`)
    const human = await keystrokes(agent, sup, 'human', () => CADENCE.keyMinMs + Math.random() * (CADENCE.keyMaxMs - CADENCE.keyMinMs))
    log(`keystroke → drill-in: ${KEYS} keys every 90 ms`)
    const burst = await keystrokes(agent, sup, 'burst', () => 90)

    log(`engagement switch → notes shown: ${SWITCHES} switches`)
    const firstNotes = await agent.notes().inputValue()
    const second = await agent.create({ consumer: { name: 'Second Caller' }, queueName: 'Sales', channel: 'messaging' })
    await waitFor(async () => (await agent.heading()) === 'Second Caller', 'the second engagement on screen')
    await agent.type('Second engagement notes.')
    await waitFor(async () => (await agent.status()) === 'All changes saved', 'the second notes saved')
    const profiler = args['cpu-prof'] ? await startProfile(agent.page) : null
    const switched = await switches(agent, [first, second], [firstNotes, 'Second engagement notes.'])
    if (profiler) await profiler.stop(join(args.out, `ui-switch-${Date.now()}.cpuprofile`))

    const js = agentJs(join(stage.build.dir, 'apps/web/dist'))
    const report = {
      at: new Date().toISOString(),
      revision: revision(),
      keystrokeToDrillIn: { human, burst },
      switchToNotesShown: switched,
      agentPageJs: js,
    }
    const md = render(report)
    process.stdout.write(md)
    mkdirSync(args.out, { recursive: true })
    const base = join(args.out, `ui-${report.at.replace(/[:.]/g, '-')}`)
    writeFileSync(`${base}.json`, JSON.stringify(report, null, 2))
    writeFileSync(`${base}.md`, md)
    log(`wrote ${base}.md and .json`)
  } finally {
    await cleanup.run()
  }
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

/** A CPU profile of the page (its frames included) until `stop`; prints the top self times. */
async function startProfile(page: Page): Promise<{ stop(file: string): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  return {
    async stop(file) {
      const { profile } = await cdp.send('Profiler.stop') as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }
      await cdp.detach()
      mkdirSync(args.out, { recursive: true })
      writeFileSync(file, JSON.stringify(profile))
      const self = new Map<number, number>()
      profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
      const byFn = new Map<string, number>()
      for (const n of profile.nodes) {
        const f = n.callFrame
        const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`
        byFn.set(k, (byFn.get(k) ?? 0) + (self.get(n.id) ?? 0) / 1000)
      }
      const top = [...byFn].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, 20)
      log(`CPU profile ${file}; top self time (ms):\n${top.map(([k, ms]) => `  ${ms.toFixed(1).padStart(8)}  ${k}`).join('\n')}`)
    },
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

function revision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function render(r: {
  at: string
  keystrokeToDrillIn: Record<'human' | 'burst', { latency: Summary; framesPerKey: number }>
  switchToNotesShown: Summary
  agentPageJs: { gzip: number; bytes: number; files: Array<{ file: string; gzip: number }> }
}): string {
  const row = (name: string, s: Summary, extra = ''): string => `| ${name} | ${s.n} | ${s.p50} | ${s.p95} | ${s.max} | ${extra} |`
  const k = r.keystrokeToDrillIn
  return [
    `## Web app figures (${r.at})`,
    '',
    '| measure | n | p50 ms | p95 ms | max ms | |',
    '| --- | --- | --- | --- | --- | --- |',
    row('keystroke → drill-in, human cadence (150–300 ms)', k.human.latency, `${k.human.framesPerKey} doc.update frames per key`),
    row('keystroke → drill-in, burst (90 ms)', k.burst.latency, `${k.burst.framesPerKey} doc.update frames per key`),
    row('engagement switch → notes shown', r.switchToNotesShown),
    '',
    `Agent page JS: ${(r.agentPageJs.gzip / 1024).toFixed(1)} KiB gzip (${(r.agentPageJs.bytes / 1024).toFixed(1)} KiB raw) in ${r.agentPageJs.files.length} files: `
      + r.agentPageJs.files.map((f) => `${f.file.replace('/assets/', '')} ${(f.gzip / 1024).toFixed(1)} KiB`).join(', '),
    '',
  ].join('\n')
}

await main()
