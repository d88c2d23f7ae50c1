import type { AgentView, EngagementView, ServerMessageOf, ServerMessageType } from '@switchboard/protocol'

export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0)

export function engagement(id: string, over: Partial<EngagementView> = {}): EngagementView {
  return {
    id,
    agentId: 'agent-1',
    agentName: 'Ada Agent',
    state: 'active',
    channel: 'voice',
    source: null,
    queueId: 'q-sales',
    queueName: 'Sales',
    isConference: false,
    isTransfer: false,
    transfer: null,
    consumers: [{ consumerDisplayName: 'Carl Consumer' }],
    variables: {},
    startedAt: T0 - 60_000,
    acceptedAt: T0 - 50_000,
    stateSince: T0 - 50_000,
    wrapupStartedAt: null,
    endedAt: null,
    handleMs: null,
    wrapupMs: null,
    help: null,
    notesPreview: '',
    lastSeq: 1,
    updatedAt: T0,
    ...over,
  }
}

export function agent(id: string, over: Partial<AgentView> = {}): AgentView {
  return {
    id,
    displayName: `Agent ${id}`,
    role: 'agent',
    online: true,
    sessions: 1,
    focusEngagementId: null,
    openEngagements: 0,
    lastActivityAt: T0,
    ...over,
  }
}

/** A sync client stand-in: server frames from `emit` reach the listeners registered with `on`, synchronously. */
export class FrameSource {
  #ls = new Map<string, Set<(m: never) => void>>()
  on<T extends ServerMessageType>(type: T, fn: (msg: ServerMessageOf<T>) => void): () => void {
    const set = this.#ls.get(type) ?? new Set()
    this.#ls.set(type, set)
    set.add(fn as (m: never) => void)
    return () => set.delete(fn as (m: never) => void)
  }
  emit<T extends ServerMessageType>(msg: ServerMessageOf<T>): void {
    for (const fn of this.#ls.get(msg.type) ?? []) (fn as (m: ServerMessageOf<T>) => void)(msg)
  }
}
