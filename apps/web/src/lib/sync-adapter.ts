/**
 * The seam between the page's Connection and the protocol package's SyncClient: the only file
 * that knows the SyncClient's constructor options and event names.
 */
import { SyncClient } from '@switchboard/protocol/sync-client'
import type { ServerMessage } from '@switchboard/protocol'
import type { ConnectionState } from './status-text.ts'

export type SyncState = ConnectionState

export interface SyncHandle {
  send(op: { type: string; opId?: string; [k: string]: unknown }): string
  subscribe(engagementId: string, afterSeq?: number): void
  unsubscribe(engagementId: string): void
  subscribeBoard(): void
  close(): void
}

export interface OpenOptions {
  url: string
  surface: 'agent' | 'supervisor' | 'other'
  persistentOutbox: boolean
  getToken?: () => string | null | Promise<string | null>
  onState(state: SyncState): void
  onPending(count: number): void
  onMessage(msg: ServerMessage): void
  onRejected(e: { code: string; message: string }): void
  onFatal(reason: string): void
}

export async function openSyncClient(o: OpenOptions): Promise<SyncHandle> {
  void SyncClient
  void o
  throw new Error('sync client not wired yet')
}
