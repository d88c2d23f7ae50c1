/**
 * What every end-to-end file starts from, each part released by the file's Cleanup: the browser
 * first (without one there is no point building and starting servers), the built app, a fresh
 * database, and a session secret for its server nodes.
 */
import { randomBytes } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { ensureBuild, type Build } from './build.ts'
import type { Cleanup } from './cleanup.ts'
import { createDb, type E2eDb } from './db.ts'
import { launchBrowser } from './env.ts'
import { startNode, type ServerNode } from './server.ts'

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
