/** axe-core (from the tests workspace) in a page or frame: serious and critical WCAG A/AA findings. */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Frame, Page } from 'playwright-core'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeResult { violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; html: string; failureSummary?: string }> }> }

/** Returns one line per serious/critical violation: `rule: help (n nodes: first target)`. */
export async function seriousViolations(target: Page | Frame): Promise<string[]> {
  // Evaluated through the DevTools protocol: the pages' CSP (rightly) refuses injected script tags.
  await target.evaluate(AXE_SOURCE)
  const result = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<AxeResult> } }).axe
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
  })
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const n = v.nodes[0]
      const why = (n?.failureSummary ?? '').replace(/\s+/g, ' ').replace(/^Fix (any|all) of the following: /, '')
      return `${v.id} [${v.impact}] on ${v.nodes.length} node(s), e.g. ${n?.html.slice(0, 160)}: ${why}`
    })
}
