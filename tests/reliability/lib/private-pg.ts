/**
 * A private Postgres instance (initdb in a temp dir, its own port on 127.0.0.1) that a scenario
 * may restart or crash without touching the shared server other tests use. Runs the local
 * Postgres binaries as the `postgres` user (the test process is root in CI and here); when that
 * is impossible `available()` says why and the scenario skips it.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onCleanup } from '../../bench/cleanup.ts'
import { freePort } from '../../bench/servers.ts'

function binDir(): string | null {
  const base = '/usr/lib/postgresql'
  if (!existsSync(base)) return null
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(base, versions[0], 'bin') : null
}

function postgresUid(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    return null
  }
}

/** Null when a private instance can be started here, else the reason it cannot. */
export function privatePgUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (!binDir()) return 'no /usr/lib/postgresql/<version>/bin/initdb'
  if (process.getuid?.() !== 0) return 'not root (cannot run Postgres as the postgres user)'
  if (!postgresUid()) return 'no postgres user'
  return null
}

export class PrivatePg {
  readonly port: number
  readonly dir: string
  readonly #bin: string
  restarts = 0

  private constructor(port: number, dir: string, bin: string) {
    this.port = port
    this.dir = dir
    this.#bin = bin
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  static async start(): Promise<PrivatePg> {
    const reason = privatePgUnavailable()
    if (reason) throw new Error(`private Postgres unavailable: ${reason}`)
    const bin = binDir()!
    const owner = postgresUid()!
    const dir = mkdtempSync(join(tmpdir(), 'sb-rel-pg-'))
    chownSync(dir, owner.uid, owner.gid)
    const pg = new PrivatePg(await freePort(), dir, bin)
    onCleanup('stop private postgres', () => pg.destroy())
    pg.#run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
    pg.#ctl(['start', '-w', '-t', '60'])
    return pg
  }

  #run(tool: string, args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', join(this.#bin, tool), ...args], { stdio: 'pipe', timeout: 90_000, cwd: this.dir })
  }

  #ctl(args: string[]): void {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off -c max_connections=100`
    this.#run('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', opts, ...args])
  }

  /** `fast`: clean shutdown (sessions terminated); `immediate`: a crash (recovery on start). */
  restart(mode: 'fast' | 'immediate'): void {
    this.restarts++
    this.#ctl(['stop', '-w', '-t', '60', '-m', mode])
    this.#ctl(['start', '-w', '-t', '60'])
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.#ctl(['stop', '-w', '-t', '60', '-m', mode])
  }

  start(): void {
    this.#ctl(['start', '-w', '-t', '60'])
  }

  destroy(): void {
    try {
      this.#ctl(['stop', '-w', '-t', '30', '-m', 'immediate'])
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}
