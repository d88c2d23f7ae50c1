/**
 * Applies persisted deliveries: each maps (`mapEvent`) to an engagement op, which goes through
 * the same writer and domain rules as the agent app's ops, or to an agent status change. The
 * receiver hands a delivery over right after answering Zoom; a sweep picks up any delivery left
 * unprocessed (a crash, the database down meanwhile) and retries it. Every op carries an op id
 * derived from the delivery, so processing a delivery twice writes once.
 */
import { createHash } from 'node:crypto'
import type { ErrorCode } from '@switchboard/protocol'
import { ZOOM_ACTOR_ID, type Actor, type Command } from '../domain/engagement/model.ts'
import type { Logger, Store } from '../store/port.ts'
import {
  claimPending, deleteDelivery, engagementHistories, giveUp, markProcessed, pruneDeliveries, type Delivery, type DeliveryOutcome,
  type EngagementHistory,
} from './deliveries.ts'
import { Batcher } from './batcher.ts'
import type { Envelope } from './events.ts'
import { mapEvent, STATE_EVENTS, type Mapped } from './mapping.ts'
import type { ProcessedOutcome, ZoomMetrics } from './metrics.ts'
import { applyUserStatus, ensureUsers, type ZoomUser } from './user-status.ts'

export type OpOutcome = { ok: true; seq: number; duplicate: boolean } | { ok: false; code: ErrorCode; retryAfterMs?: number }
/** The writer's entry for ops without a socket: resolves with the op's answer after commit. */
export type SubmitOp = (input: { opId: string; actor: Actor; command: Command }) => Promise<OpOutcome>

export interface ProcessorDeps {
  store: Store
  submit: SubmitOp
  /** An agent's roster row changed (boards on every node re-read it). */
  agentChanged(accountId: string, userId: string): void
  metrics: ZoomMetrics
  logger: Logger
}

/** Answers worth trying again later with the same op id (the writer or database was unavailable). */
const RETRYABLE = new Set<ErrorCode>(['UNAVAILABLE', 'SHUTTING_DOWN', 'NOT_READY', 'INTERNAL', 'RATE_LIMITED'])
const SWEEP_EVERY_MS = 10_000
/** An unprocessed delivery claimed longer ago than this is taken over by a sweep. */
const STALE_CLAIM_MS = 30_000
const MAX_ATTEMPTS = 20
/** Deliveries are kept a day: Zoom's last retry comes about 85 minutes after the event. */
const KEEP_MS = 24 * 3600_000
/** Users known to exist, so a busy account does not re-check its agents on every delivery. */
const MAX_KNOWN_USERS = 50_000

/** A UUID-shaped op id derived from the delivery (the log's op-id uniqueness makes a replay a no-op). */
export function opIdFor(accountId: string, key: string): string {
  const h = createHash('sha256').update(`zoom-delivery\0${accountId}\0${key}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export function actorFor(accountId: string, m: Extract<Mapped, { kind: 'engagement' }>, source: 'webhook' | 'rest'): Actor {
  return {
    userId: m.actor.userId ?? ZOOM_ACTOR_ID, accountId, role: 'agent',
    displayName: m.actor.displayName ?? (m.actor.userId ? null : 'Zoom'), source,
  }
}

export class ZoomProcessor {
  private readonly d: ProcessorDeps
  private timer: NodeJS.Timeout | undefined
  private sweeping: Promise<void> | undefined
  /** Deliveries being applied and marks being written (shutdown waits for them). */
  private readonly inFlight = new Set<Promise<unknown>>()
  /** Deliveries of one engagement (or user) are applied one after another, in arrival order. */
  private readonly chains = new Map<string, Promise<unknown>>()
  private readonly knownUsers = new Set<string>()
  private stopped = false
  /** Deliveries applied together read their history in one query, and are marked in one statement. */
  private readonly histories: Batcher<Delivery, EngagementHistory>
  private readonly marks: Batcher<{ accountId: string; key: string; outcome: DeliveryOutcome }, undefined>

  constructor(deps: ProcessorDeps) {
    this.d = deps
    this.histories = new Batcher((list) => engagementHistories(deps.store, list, STATE_EVENTS))
    this.marks = new Batcher(async (list) => {
      await markProcessed(deps.store, list)
      return list.map(() => undefined)
    }, { windowMs: 20 })
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS)
    this.timer.unref()
    void this.sweep()
  }

  /** Processes one delivery now (the receiver calls this after answering Zoom). */
  submit(delivery: Delivery): void {
    if (this.stopped) return
    const p = this.process(delivery).finally(() => this.inFlight.delete(p))
    this.inFlight.add(p)
  }

  /**
   * Maps and applies one delivery, after any earlier one of the same engagement (or user) this
   * node is applying; marks it processed unless it is worth retrying.
   */
  process(delivery: Delivery): Promise<ProcessedOutcome> {
    const subject = `${delivery.accountId}\0${delivery.engagementId ?? `user:${delivery.userId ?? ''}`}`
    const before = this.chains.get(subject) ?? Promise.resolve()
    const run = before.then(() => this.processNow(delivery))
    const tail = run.catch(() => {})
    this.chains.set(subject, tail)
    void tail.then(() => {
      if (this.chains.get(subject) === tail) this.chains.delete(subject)
    })
    return run
  }

  private async processNow(delivery: Delivery): Promise<ProcessedOutcome> {
    let outcome: ProcessedOutcome
    try {
      outcome = await this.apply(delivery)
    } catch (err) {
      this.d.logger.warn({ err, event: delivery.event }, 'zoom delivery could not be applied; it will be retried')
      outcome = 'retry'
    }
    this.d.metrics.processed[outcome]++
    if (outcome !== 'retry') {
      // Marked in batches, off the engagement's chain. Unmarked (a crash before the mark) means
      // applied again by a sweep: a no-op, by op id.
      const marked = this.marks.add({ accountId: delivery.accountId, key: delivery.key, outcome: outcome as DeliveryOutcome })
        .catch((err: unknown) => this.d.logger.warn({ err }, 'zoom delivery could not be marked processed'))
      this.inFlight.add(marked)
      void marked.finally(() => this.inFlight.delete(marked))
    }
    return outcome
  }

  private async apply(delivery: Delivery): Promise<ProcessedOutcome> {
    const envelope: Envelope = { event: delivery.event, eventTs: delivery.eventTs, zoomAccountId: '', object: delivery.object }
    let m = mapEvent(envelope)
    const { store } = this.d
    const accountId = delivery.accountId
    if (m.kind === 'engagement' && m.cmd.type === 'engagement.observe' && m.actor.userId) {
      const history = delivery.history ?? await this.histories.add(delivery)
      if (history.erased) {
        // Erased (retention or an admin): never recreated from a late report, nor kept here.
        await deleteDelivery(store, accountId, delivery.key)
        return 'ignored'
      }
      m = mapEvent(envelope, history)
    }
    switch (m.kind) {
      case 'unknown':
      case 'unusable':
      case 'ignored':
        return 'ignored'
      case 'user': {
        await this.ensureUsers(accountId, [{ id: m.userId, displayName: m.displayName, email: m.email }])
        const changed = await applyUserStatus(store, accountId, m.userId, m.change)
        if (changed) this.d.agentChanged(accountId, m.userId)
        return changed ? 'applied' : 'unchanged'
      }
      case 'engagement': {
        if (m.cmd.type === 'engagement.observe') await this.fillQueueName(accountId, m.cmd.context)
        const named: ZoomUser[] = []
        if (m.actor.userId) named.push({ id: m.actor.userId, displayName: m.actor.displayName, email: null })
        const from = m.cmd.type === 'engagement.observe' ? m.cmd.context.transferFromAgentId : undefined
        if (from) named.push({ id: from, displayName: m.cmd.type === 'engagement.observe' ? m.cmd.context.transferFromAgentName ?? null : null, email: null })
        await this.ensureUsers(accountId, named)
        const answer = await this.d.submit({ opId: opIdFor(accountId, delivery.key), actor: actorFor(accountId, m, 'webhook'), command: m.cmd })
        if (!answer.ok) {
          if (RETRYABLE.has(answer.code)) return 'retry'
          this.d.logger.info({ code: answer.code, event: delivery.event }, 'zoom delivery refused by the engagement rules')
          return 'refused'
        }
        if (answer.duplicate) return 'unchanged'
        this.d.metrics.applied(Date.now() - delivery.receivedAt)
        return 'applied'
      }
    }
  }

  /** An event that names a queue by id only gets its name from the REST backfill's queue list. */
  private async fillQueueName(accountId: string, context: { queueId?: string; queueName?: string }): Promise<void> {
    if (context.queueId === undefined || context.queueName !== undefined) return
    const res = await this.d.store.query<{ queue_name: string }>(
      'select queue_name from zoom_queues where account_id = $1 and queue_id = $2', [accountId, context.queueId])
    const name = res.rows[0]?.queue_name
    if (name !== undefined) context.queueName = name
  }

  /** Users Zoom names get a row in the account (once per process; names only fill gaps). */
  private async ensureUsers(accountId: string, users: ZoomUser[]): Promise<void> {
    const missing = users.filter((u) => !this.knownUsers.has(`${accountId}\0${u.id}`))
    if (missing.length === 0) return
    await ensureUsers(this.d.store, accountId, missing)
    if (this.knownUsers.size > MAX_KNOWN_USERS) this.knownUsers.clear()
    for (const u of missing) this.knownUsers.add(`${accountId}\0${u.id}`)
  }

  /** Retries deliveries nobody finished: left by a crash, or refused while the database was down. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined
    })
    return this.sweeping
  }

  private async sweepOnce(): Promise<void> {
    if (this.stopped) return
    try {
      const failed = await giveUp(this.d.store, MAX_ATTEMPTS)
      if (failed > 0) {
        this.d.metrics.processed.failed += failed
        this.d.logger.warn({ deliveries: failed }, `zoom deliveries given up after ${MAX_ATTEMPTS} attempts`)
      }
      for (;;) {
        const batch = await claimPending(this.d.store, STALE_CLAIM_MS, 200)
        if (batch.length === 0 || this.stopped) break
        for (const d of batch) await this.process(d)
        if (batch.length < 200) break
      }
      await pruneDeliveries(this.d.store, KEEP_MS)
    } catch (err) {
      this.d.logger.debug({ err }, 'zoom delivery sweep failed; next sweep retries')
    }
  }

  /** Stops sweeping and waits for deliveries being processed (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await Promise.allSettled([...this.inFlight, this.sweeping])
  }
}
