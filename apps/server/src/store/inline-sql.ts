/**
 * Inlines `$n` parameters as SQL literals, so a parameterized statement can share one
 * simple-protocol round trip with `BEGIN` or `COMMIT` (the extended protocol that carries
 * parameters allows one statement per query). Every value becomes a quoted literal of
 * unknown type, as node-postgres sends parameters (text, type left to the server), so the
 * statement means the same. Quotes inside string constants and identifiers are skipped.
 * Returns null for a value it does not know how to write (the caller sends it as is).
 */
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g

/**
 * node-postgres' `escapeLiteral`, same output (doubles quotes; an E'' literal with doubled
 * backslashes when the value has any, so the meaning does not depend on
 * standard_conforming_strings), with native replaces: `escapeLiteral` walks the string a
 * character at a time, and a batch's parameters are hundreds of kilobytes.
 */
export function quoteLiteral(s: string): string {
  const quoted = s.replace(/'/g, "''")
  return s.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`
}

function literal(v: unknown): string | null {
  if (v === null || v === undefined) return 'NULL'
  switch (typeof v) {
    // A NUL would end the query text on the wire: such a value goes as a real parameter.
    case 'string': return v.includes('\0') ? null : quoteLiteral(v)
    case 'number': return Number.isFinite(v) ? `'${v}'` : null
    case 'bigint': return `'${v}'`
    case 'boolean': return v ? "'true'" : "'false'"
    default:
      if (v instanceof Uint8Array) return quoteLiteral(`\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`)
      return null
  }
}

export function inlineParams(sql: string, params: readonly unknown[] = []): string | null {
  if (sql.includes('\0')) return null
  let ok = true
  const out = sql.replace(TOKENS, (whole, n: string | undefined) => {
    if (n === undefined) return whole
    const i = Number(n) - 1
    if (i < 0 || i >= params.length) {
      ok = false
      return whole
    }
    const lit = literal(params[i])
    if (lit === null) ok = false
    return lit ?? whole
  })
  return ok ? out : null
}
