// The root config leaves tests/bench/** out of every tier (the bench is not a test suite); the
// bench's own bookkeeping has fast unit tests: `npx vitest run --config tests/bench/vitest.config.ts`.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: { include: ['tests/bench/*.test.ts'], root: new URL('../../', import.meta.url).pathname },
})
