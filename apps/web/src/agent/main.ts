import { mount } from 'svelte'
import '../lib/styles.css'
import App from './ui/App.svelte'

const target = document.getElementById('app')
if (!target) throw new Error('#app is missing')
export default mount(App, { target })
