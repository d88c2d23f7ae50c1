/**
 * Parent page for the adapter browser test: the emulator's real controller, bridge and window API
 * (the same modules simulator.html uses), hosting child.html in an iframe.
 * `?seed=1` creates engagement `e1` before the child loads; `?child=<query>` is passed to the child;
 * `?unsupported=a,b` makes the client report those APIs as unsupported.
 */
import { Emulator } from '../../apps/web/src/simulator/emulator.ts'
import { installWindowApi } from '../../apps/web/src/simulator/window-api.ts'

const params = new URLSearchParams(location.search)
const emulator = new Emulator({ appUrl: `/child.html${params.get('child') ?? ''}` })
installWindowApi(emulator)
emulator.configureClient({ unsupported: (params.get('unsupported') ?? '').split(',').filter(Boolean) })
if (params.has('seed')) {
  emulator.createEngagement({
    id: 'e1', channel: 'voice', queueId: 'q1', queueName: 'Billing',
    consumer: { name: 'Ada', number: '+15550001' }, variables: { 'var-account-number': 'A-17' },
  })
}
const frame = document.createElement('iframe')
frame.title = 'Agent app'
document.body.append(frame)
emulator.mount(frame)
