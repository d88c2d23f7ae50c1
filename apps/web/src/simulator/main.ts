import { mount } from 'svelte'
import '../lib/styles.css'
import './forms.css'
import { Emulator } from './emulator.ts'
import { EmulatorView } from './emulator-view.svelte.ts'
import Simulator from './Simulator.svelte'
import { installWindowApi } from './window-api.ts'

/** `?app=/path` hosts another same-origin page instead of the agent app at `/`. */
function appUrl(): string {
  const requested = new URLSearchParams(location.search).get('app')
  return requested && requested.startsWith('/') && !requested.startsWith('//') ? requested : '/'
}

const emulator = new Emulator({ appUrl: appUrl() })
installWindowApi(emulator)
const view = new EmulatorView(emulator)
void emulator.loadSession()
void emulator.webhooks.load()

const target = document.getElementById('app')
if (!target) throw new Error('#app is missing')
export default mount(Simulator, { target, props: { emulator, view } })
