/**
 * What every end-to-end file starts from, each part released by the file's Cleanup: the browser
 * first (without one there is no point building and starting servers), the built app, a fresh
 * database, and a session secret for its server nodes.
 */
import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core'
import { afterAll } from 'vitest'
import { perFile } from '../../support/hooks.ts'
import { openAgent, type AgentClient, type AgentUser } from './agent.ts'
import { ensureBuild, type Build } from './build.ts'
import { Cleanup } from './cleanup.ts'
import { createDb, type E2eDb } from './db.ts'
import { launchBrowser } from './env.ts'
import { startNode, type ServerNode } from './server.ts'
import { openSupervisor, type SupervisorClient, type SupervisorUser } from './supervisor.ts'

export interface Stage {
  browser: Browser
  build: Build
  db: E2eDb
  sessionSecret: string
}

export async function openStage(cleanup: Cleanup): Promise<Stage> {
  const browser = await launchBrowser()
  cleanup.add('close browser', () => browser.close())
  const build = await ensureBuild()
  const db = await createDb()
  cleanup.add('drop database', () => db.drop())
  return { browser, build, db, sessionSecret: randomBytes(24).toString('hex') }
}

/** A stage with one server node on its database. */
export async function openOneNodeStage(cleanup: Cleanup, nodeId: string): Promise<Stage & { node: ServerNode }> {
  const stage = await openStage(cleanup)
  const node = await startNode(stage.build, { nodeId, databaseUrl: stage.db.url, sessionSecret: stage.sessionSecret })
  cleanup.add('stop server', () => node.close())
  return { ...stage, node }
}

export interface StageForFile<S extends Stage> {
  readonly cleanup: Cleanup
  /** The stage, once the file's `beforeAll` has opened it. */
  readonly stage: S
  readonly browser: Browser
  /** An account of the file's own, with its agent Ana and its supervisor Sam. */
  readonly accountId: string
  readonly ana: AgentUser
  readonly sam: SupervisorUser
  /** A new browser context (a person's browser profile), 1280×800 unless `opts` says otherwise. */
  newContext(opts?: BrowserContextOptions): Promise<BrowserContext>
  /**
   * Sam on the board and Ana in the Zoom client at `origin`, each in a browser context of their
   * own; Ana takes Ada Lovelace's billing call and types `notes` (saved); Sam has it open.
   */
  adaCallSaved(origin: string, notes: string): Promise<{ sup: SupervisorClient; agent: AgentClient; id: string }>
}

/**
 * The frame of an end-to-end file: `open` runs in the file's `beforeAll`, the file's cleanup in
 * its `afterAll`. Call it at the top of the file's `describe`.
 */
export function stageForFile<S extends Stage>(open: (cleanup: Cleanup) => Promise<S>): StageForFile<S> {
  const cleanup = new Cleanup()
  // The file's cleanup releases what `open` made, even when `open` failed half-way.
  afterAll(() => cleanup.run(), 60_000)
  const stage = perFile('the stage', () => open(cleanup), () => {}, 180_000)
  const accountId = `acme-${randomBytes(3).toString('hex')}`
  return {
    cleanup,
    get stage() {
      return stage()
    },
    get browser() {
      return this.stage.browser
    },
    accountId,
    ana: { accountId, userId: 'agent-ana', displayName: 'Ana Alvarez' },
    sam: { accountId, userId: 'sup-sam', displayName: 'Sam Supervisor' },
    newContext(opts = {}) {
      return this.stage.browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts })
    },
    async adaCallSaved(origin, notes) {
      const sup = await openSupervisor(await this.newContext(), origin, this.sam)
      const agent = await openAgent(await this.newContext(), origin, this.ana)
      const id = await agent.take({ consumer: { name: 'Ada Lovelace' }, queueName: 'Billing' })
      await agent.typeSaved(notes)
      await sup.openShowing(id, notes)
      return { sup, agent, id }
    },
  }
}
