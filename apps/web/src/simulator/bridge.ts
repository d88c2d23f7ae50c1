/**
 * The parent side of the Zoom Apps SDK's iframe bridge, answering exactly as the Zoom client does
 * (see `callZoomApi`, `config` and `native2js` in @zoom/appssdk's dist/sdk.es.js):
 * - requests arrive as `postMessage(JSON string, '*')` of `{ jsCallId, apiName, data? }`;
 * - replies are posted as the object `{ type: 'apiResponse', data: { jsCallId, result } }`, or with
 *   `errorCode`/`errorMessage` instead of `result`;
 * - events are posted as `{ type: 'event', name, data }`.
 * Only messages whose `event.source` is the hosted frame are answered.
 */
import type { ModelReply, ZoomModel } from './zoom-model.ts'
import type { ApiReply, ZoomEvent } from './zoom-types.ts'

/** `note`: what the emulator noticed about a call Zoom documents no answer for (see zoom-model.ts). */
export type BridgeLogKind = 'request' | 'response' | 'error' | 'event' | 'ignored' | 'note'

export interface BridgeLogEntry {
  seq: number
  at: number
  kind: BridgeLogKind
  /** The API or event name. */
  name: string
  jsCallId?: string
  data?: unknown
}

/** A scripted answer for the next call of one API (tests): a reply, or a function producing one. */
export type ScriptedReply = ApiReply | ((data: unknown) => ApiReply | Promise<ApiReply>)

export interface ZoomBridgeOptions {
  model: ZoomModel
  /**
   * Answers for APIs that need more than the model (the server, or the person at the emulator):
   * `getAppContext` and `authorize` (zoom-identity.ts). Undefined: the model answers.
   */
  answer?: (apiName: string, data: unknown) => Promise<ModelReply> | undefined
  /** The hosted app's window (the iframe's `contentWindow`), read on every message. */
  target: () => Window | null
  /** Origin replies are posted to; defaults to this page's origin (the app is same-origin). */
  targetOrigin?: string
  /** The window to listen on; defaults to `window`. */
  host?: Window
  maxLog?: number
}

export class ZoomBridge {
  readonly log: BridgeLogEntry[] = []
  #options: ZoomBridgeOptions
  #seq = 0
  #listeners = new Set<(entry: BridgeLogEntry) => void>()
  #scripted = new Map<string, ScriptedReply[]>()
  #configWaiters: Array<() => void> = []
  #configured = false
  #onMessage = (event: MessageEvent): void => { void this.#receive(event) }

  constructor(options: ZoomBridgeOptions) {
    this.#options = options
  }

  get host(): Window {
    return this.#options.host ?? window
  }

  start(): void {
    this.host.addEventListener('message', this.#onMessage)
  }

  stop(): void {
    this.host.removeEventListener('message', this.#onMessage)
  }

  /** Call when the frame (re)loads: the new page must call `config` again. */
  resetConfigured(): void {
    this.#configured = false
  }

  /** Resolves once the hosted app's `config` call has been answered (since the last reset). */
  whenConfigured(): Promise<void> {
    if (this.#configured) return Promise.resolve()
    return new Promise((resolve) => this.#configWaiters.push(resolve))
  }

  /** Answer the next call of `apiName` with this instead of the model (queued per API). */
  scriptNext(apiName: string, reply: ScriptedReply): void {
    const list = this.#scripted.get(apiName) ?? []
    list.push(reply)
    this.#scripted.set(apiName, list)
  }

  /** Posts events to the app, as the Zoom client sends them. */
  emit(events: readonly ZoomEvent[]): void {
    for (const e of events) this.emitRaw(e.name, e.data)
  }

  /** Posts any event payload untouched (tests: repeats, out-of-order delivery). */
  emitRaw(name: string, data: unknown): void {
    this.#post({ type: 'event', name, data })
    this.#record('event', name, undefined, data)
  }

  onLog(fn: (entry: BridgeLogEntry) => void): () => void {
    this.#listeners.add(fn)
    return () => { this.#listeners.delete(fn) }
  }

  async #receive(event: MessageEvent): Promise<void> {
    const target = this.#options.target()
    if (!target || event.source !== target) return // not our frame: never answer
    let request: { jsCallId?: unknown; apiName?: unknown; data?: unknown }
    try {
      request = typeof event.data === 'string' ? JSON.parse(event.data) : {}
    } catch {
      request = {}
    }
    if (typeof request.jsCallId !== 'string' || typeof request.apiName !== 'string') {
      this.#record('ignored', 'message', undefined, event.data)
      return
    }
    const { jsCallId, apiName, data } = request
    this.#record('request', apiName, jsCallId, data)
    let reply: ModelReply
    const scripted = this.#scripted.get(apiName)?.shift()
    try {
      const answered = scripted === undefined ? this.#options.answer?.(apiName, data) : undefined
      reply = answered !== undefined ? await this.#options.model.noted(apiName, answered)
        : scripted === undefined ? this.#options.model.handle(apiName, data)
        : typeof scripted === 'function' ? await scripted(data) : scripted
    } catch (error) {
      // A test's scripted reply threw: that is the test's bug, so say so and leave the call
      // unanswered (the SDK times out) rather than invent a Zoom error.
      this.#record('note', apiName, jsCallId, `The scripted reply threw: ${error instanceof Error ? error.message : String(error)}`)
      return
    }
    if (reply.note) this.#record('note', apiName, jsCallId, reply.note)
    if ('result' in reply) {
      this.#post({ type: 'apiResponse', data: { jsCallId, result: reply.result } })
      this.#record('response', apiName, jsCallId, reply.result)
    } else {
      this.#post({ type: 'apiResponse', data: { jsCallId, errorCode: reply.errorCode, errorMessage: reply.errorMessage } })
      this.#record('error', apiName, jsCallId, { errorCode: reply.errorCode, errorMessage: reply.errorMessage })
    }
    if (apiName === 'config' && 'result' in reply) {
      this.#configured = true
      for (const resolve of this.#configWaiters.splice(0)) resolve()
    }
  }

  #post(message: unknown): void {
    const target = this.#options.target()
    target?.postMessage(message, this.#options.targetOrigin ?? this.host.location.origin)
  }

  #record(kind: BridgeLogKind, name: string, jsCallId: string | undefined, data: unknown): void {
    const entry: BridgeLogEntry = { seq: ++this.#seq, at: Date.now(), kind, name, data }
    if (jsCallId) entry.jsCallId = jsCallId
    this.log.push(entry)
    const max = this.#options.maxLog ?? 1000
    if (this.log.length > max) this.log.splice(0, this.log.length - max)
    for (const fn of this.#listeners) fn(entry)
  }
}
