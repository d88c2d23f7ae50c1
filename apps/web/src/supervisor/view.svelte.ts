/**
 * The dashboard's view state, mirrored to the URL's query string on every change (replaceState,
 * so filters do not flood the history) and read back on back/forward navigation.
 */
import { parseViewState, serializeViewState, type ViewState } from './url-state.ts'

export class View {
  state = $state<ViewState>(parseViewState(typeof location === 'undefined' ? '' : location.search))

  /** Listen for back/forward; returns the detach function. */
  attach(): () => void {
    const onPop = () => { this.state = parseViewState(location.search) }
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }

  /**
   * Changes the view and writes the URL. `push` adds a history entry (opening an engagement,
   * switching tabs) so Back returns to the previous view.
   */
  update(change: (v: ViewState) => void, push = false): void {
    change(this.state)
    const qs = serializeViewState(this.state)
    const url = `${location.pathname}${qs ? `?${qs}` : ''}${location.hash}`
    if (url === `${location.pathname}${location.search}${location.hash}`) return
    if (push) history.pushState(null, '', url)
    else history.replaceState(null, '', url)
  }
}
