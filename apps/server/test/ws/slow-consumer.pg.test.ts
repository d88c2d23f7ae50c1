/** A watcher that stops reading is closed with 4009 SLOW_CONSUMER instead of being buffered for without bound. */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { CLOSE } from '@switchboard/protocol'
import { Client, nodeForFile, opId, type TestUser } from './harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

const node = nodeForFile({ pg: true, users: [agent, sup], env: { WS_SEND_BUFFER_BYTES: '65536', WS_OPS_PER_SECOND: '1000', WS_OPS_BURST: '1000' } })

describe('slow consumer', () => {
  it('closes a socket whose unsent bytes exceed the limit; the writer is unaffected', async () => {
    const a = await Client.connect(node, agent)
    await a.observe('eng-s')
    const w = await Client.connect(node, sup, 'supervisor')
    await w.watch('eng-s')
    const raw = (w.ws as unknown as Record<string, { pause(): void; resume(): void }>)['_socket']!
    raw.pause()

    const doc = new Y.Doc()
    let last = ''
    for (let i = 0; i < 200 && node.app.realtime.engine.metrics.slowConsumers === 0; i++) {
      const sv = Y.encodeStateVector(doc)
      // Replace the text each time so the document stays small while the frames stay big.
      const text = doc.getText('notes')
      doc.transact(() => {
        text.delete(0, text.length)
        text.insert(0, `${i} ${'x'.repeat(30_000)}\n`)
      })
      last = opId()
      a.send({ type: 'doc.update', opId: last, engagementId: 'eng-s', update: Buffer.from(Y.encodeStateAsUpdate(doc, sv)).toString('base64') })
      await a.reply(last)
    }
    expect(node.app.realtime.engine.metrics.slowConsumers).toBe(1)
    raw.resume()
    expect(await w.closed(30_000)).toBe(CLOSE.SLOW_CONSUMER)
    expect(await a.reply(last)).toMatchObject({ type: 'ack' })
    expect(a.closeCode).toBeUndefined()
    a.close()
  }, 60_000)
})
