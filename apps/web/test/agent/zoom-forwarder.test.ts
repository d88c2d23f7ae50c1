import { describe, expect, it } from 'vitest'
import { Value } from 'typebox/value'
import { clientMessageSchemas } from '@switchboard/protocol'
import { ZoomForwarder } from '../../src/agent/zoom-forwarder.ts'
import type { OpInput } from '../../src/lib/connection.svelte.ts'

function setup() {
  const sent: OpInput[] = []
  const f = new ZoomForwarder((op) => sent.push(op), () => 1_700_000_000_000)
  return { sent, f }
}

/** Each op, with an opId added as the connection would, must pass the server's strict schema. */
function expectValid(op: OpInput): void {
  const withId = { ...op, opId: '0190f5f4-0000-7000-8000-000000000000' }
  const schema = clientMessageSchemas[op.type]
  expect(Value.Check(schema, withId), JSON.stringify([...Value.Errors(schema, withId)])).toBe(true)
}

describe('ZoomForwarder', () => {
  it('sends observe with context and full status, then the focus that waited for it', () => {
    const { sent, f } = setup()
    f.focus('e1')
    expect(sent).toHaveLength(0)
    f.observe('e1', { engagementId: 'e1', queueName: 'Billing' }, { state: 'active', channel: 'voice' })
    expect(sent.map((o) => o.type)).toEqual(['engagement.observe', 'engagement.focus'])
    expect(sent[0]).toMatchObject({ engagementId: 'e1', context: { queueName: 'Billing' }, status: { state: 'active', channel: 'voice' } })
    for (const op of sent) expectValid(op)
  })

  it('sends only the changed fields with the event\'s own id and timestamp', () => {
    const { sent, f } = setup()
    f.observe('e1', { engagementId: 'e1' }, null)
    f.observe('e2', { engagementId: 'e2' }, null)
    f.status('e2', { state: 'wrap-up' }, 1_699_999_999_000)
    const op = sent[2]!
    expect(op).toEqual({
      type: 'engagement.status', engagementId: 'e2', changes: { state: 'wrap-up' },
      zoomTimestamp: 1_699_999_999_000, at: 1_700_000_000_000,
    })
    expectValid(op)
    expect('status' in sent[0]!).toBe(false)
  })

  it('does not repeat an observe that says what the last one said (each switch re-reads the engagement)', () => {
    const { sent, f } = setup()
    f.observe('e1', { engagementId: 'e1', queueName: 'Billing' }, { state: 'active' })
    f.observe('e1', { engagementId: 'e1', queueName: 'Billing' }, { state: 'active' })
    f.observe('e1', { engagementId: 'e1', queueName: 'Billing' }, { state: 'inactive' })
    f.observe('e2', { engagementId: 'e2', queueName: 'Billing' }, { state: 'active' })
    expect(sent.map((o) => `${o.type} ${o.engagementId}`)).toEqual(['engagement.observe e1', 'engagement.observe e1', 'engagement.observe e2'])
  })

  it('holds status and variables of an engagement not observed yet, in order', () => {
    const { sent, f } = setup()
    f.status('e3', { state: 'inactive' }, 5)
    f.variables('e3', [{ id: 'v1', value: 'gold' }], null)
    expect(sent).toHaveLength(0)
    f.observe('e3', { engagementId: 'e3' }, { state: 'inactive' })
    expect(sent.map((o) => o.type)).toEqual(['engagement.observe', 'engagement.status', 'engagement.variables'])
    for (const op of sent) expectValid(op)
  })

  it('drops empty status and variable changes', () => {
    const { sent, f } = setup()
    f.observe('e1', { engagementId: 'e1' }, null)
    f.status('e1', {}, 1)
    f.variables('e1', [], 1)
    expect(sent).toHaveLength(1)
  })
})

