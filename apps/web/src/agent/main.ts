// PLACEHOLDER (foundation): the real agent page replaces this file.
import { mount } from 'svelte'
import Placeholder from '../placeholder/Placeholder.svelte'

const target = document.getElementById('app')
if (!target) throw new Error('#app is missing')
export default mount(Placeholder, { target, props: { title: 'Switchboard' } })
