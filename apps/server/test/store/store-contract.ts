/** The store contract: every `Store` implementation must pass this suite. */
import { expect, it } from 'vitest'
import { migrate, pendingMigrations, listMigrations } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'

export function storeContract(getStore: () => Store): void {
  it('runs a query with parameters and returns typed rows', async () => {
    const store = getStore()
    const res = await store.query<{ a: number; b: string; n: null }>('select $1::int + 1 as a, $2::text as b, null as n', [41, 'x'])
    expect(res.rows).toEqual([{ a: 42, b: 'x', n: null }])
    expect(res.rowCount).toBe(1)
  })

  it('returns int8 as numbers, jsonb as objects and bytea as bytes', async () => {
    const store = getStore()
    const res = await store.query<{ c: number; j: unknown; b: Uint8Array }>(
      `select count(*) as c, '{"k":[1]}'::jsonb as j, $1::bytea as b from (values (1),(2),(3)) v`,
      [new Uint8Array([1, 2, 255])],
    )
    expect(res.rows[0]?.c).toBe(3)
    expect(res.rows[0]?.j).toEqual({ k: [1] })
    expect([...(res.rows[0]?.b ?? [])]).toEqual([1, 2, 255])
  })

  it('migrates, and migrating again applies nothing', async () => {
    const store = getStore()
    const all = listMigrations()
    expect(all.length).toBeGreaterThan(0)
    expect((await pendingMigrations(store)).length).toBe(all.length)
    const first = await migrate(store)
    expect(first.map((m) => m.version)).toEqual(all.map((m) => m.version))
    expect(await pendingMigrations(store)).toEqual([])
    expect(await migrate(store)).toEqual([])
    const rec = await store.query<{ version: number }>('select version from schema_migrations order by version')
    expect(rec.rows.map((r) => r.version)).toEqual(all.map((m) => m.version))
  })

  it('keeps the per-op update of an engagement HOT: no index covers a column it changes', async () => {
    const store = getStore()
    // Columns an op may change: everything but the key, the owner and the end (set once).
    const stable = new Set(['account_id', 'id', 'agent_id', 'ended_at', 'created_at'])
    const cols = (await store.query<{ attname: string }>(
      `select attname from pg_attribute where attrelid = 'engagements'::regclass and attnum > 0 and not attisdropped`)).rows.map((r) => r.attname)
    const defs = (await store.query<{ def: string }>(
      `select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'engagements'::regclass`)).rows.map((r) => r.def)
    expect(defs.length).toBeGreaterThan(0)
    for (const def of defs) {
      const covered = def.slice(def.indexOf(' USING '))
      expect({ def, changing: cols.filter((c) => !stable.has(c) && new RegExp(`\\b${c}\\b`).test(covered)) }).toEqual({ def, changing: [] })
    }
    // The same, as Postgres counts it: the updates an op makes are heap-only.
    const counts = await store.transaction(async (tx) => {
      await tx.query(`insert into accounts (id) values ('acct-hot')`)
      await tx.query(`insert into engagements (account_id, id, agent_id) values ('acct-hot', 'eng-hot', 'u1')`)
      for (let seq = 1; seq <= 5; seq++) {
        await tx.query(
          `update engagements set last_seq = $1::int8, updated_at = now() + $1::int8 * interval '1 ms', notes_preview = $2,
             state = $3, state_since = now(), help = $4::jsonb where account_id = 'acct-hot' and id = 'eng-hot'`,
          [seq, `line ${seq}`, seq % 2 ? 'active' : 'inactive', seq === 3 ? '{"raisedBy":"u1"}' : null])
      }
      const r = await tx.query<{ upd: number; hot: number }>(
        `select pg_stat_get_xact_tuples_updated('engagements'::regclass) as upd, pg_stat_get_xact_tuples_hot_updated('engagements'::regclass) as hot`)
      await tx.query(`delete from engagements where account_id = 'acct-hot'`)
      await tx.query(`delete from accounts where id = 'acct-hot'`)
      return r.rows[0]
    })
    expect(counts).toEqual({ upd: 5, hot: 5 })
  })

  it('checks a foreign key against engagements by its primary key, even as a generic plan on an empty table', async () => {
    const store = getStore()
    // The statement Postgres' referential-integrity trigger runs for each log row, planned as it
    // caches it: generic, once per connection, replanned only when the table's statistics change.
    const plan = await store.transaction(async (tx) => {
      await tx.query(`set local plan_cache_mode = force_generic_plan`)
      await tx.query(`prepare contract_fk_check(text, text) as
        select 1 from only engagements x where account_id = $1 and id = $2 for key share of x`)
      try {
        return (await tx.query<Record<string, unknown>>(`explain (format json) execute contract_fk_check('a', 'e')`)).rows
      } finally {
        await tx.query('deallocate contract_fk_check')
      }
    })
    const text = JSON.stringify(plan)
    expect(text.match(/"Index Name":\s*"(\w+)"/)?.[1]).toBe('engagements_pkey')
  })

  it('counts affected rows of updates', async () => {
    const store = getStore()
    await store.query('create table contract_rows (id int primary key, v int not null)')
    await store.query('insert into contract_rows values (1, 0), (2, 0), (3, 0)')
    const res = await store.query('update contract_rows set v = v + 1 where id < $1', [3])
    expect(res.rowCount).toBe(2)
  })

  it('commits a transaction', async () => {
    const store = getStore()
    await store.query('create table contract_tx (id int primary key)')
    const out = await store.transaction(async (tx) => {
      await tx.query('insert into contract_tx values ($1)', [1])
      await tx.query('insert into contract_tx values ($1)', [2])
      return 'done'
    })
    expect(out).toBe('done')
    expect((await store.query('select * from contract_tx')).rowCount).toBe(2)
  })

  it('rolls a transaction back when the function throws, and the store stays usable', async () => {
    const store = getStore()
    await store.query('create table contract_rb (id int primary key)')
    await expect(store.transaction(async (tx) => {
      await tx.query('insert into contract_rb values ($1)', [1])
      throw new Error('boom')
    })).rejects.toThrow('boom')
    await expect(store.transaction(async (tx) => {
      await tx.query('insert into contract_rb values ($1)', [2])
      await tx.query('insert into contract_rb values ($1)', [2])
    })).rejects.toMatchObject({ code: '23505' })
    expect((await store.query('select * from contract_rb')).rowCount).toBe(0)
    await store.query('insert into contract_rb values (3)')
    expect((await store.query('select * from contract_rb')).rowCount).toBe(1)
  })

  it('keeps concurrent transactions and plain queries correct', async () => {
    const store = getStore()
    await store.query('create table contract_counter (id int primary key, n int not null)')
    await store.query('insert into contract_counter values (1, 0)')
    const work: Promise<unknown>[] = []
    for (let i = 0; i < 50; i++) {
      work.push(store.transaction(async (tx) => {
        const cur = await tx.query<{ n: number }>('select n from contract_counter where id = 1 for update')
        await new Promise((r) => setImmediate(r))
        await tx.query('update contract_counter set n = $1 where id = 1', [(cur.rows[0]?.n ?? 0) + 1])
      }))
      // A plain query interleaved with the transactions must not land inside one of them.
      if (i % 10 === 0) work.push(store.query('select n from contract_counter where id = 1'))
    }
    // One failing transaction among them must not poison the others.
    work.push(store.transaction(async (tx) => {
      await tx.query('update contract_counter set n = n + 1000 where id = 1')
      throw new Error('rolled back')
    }).catch(() => 'ok'))
    await Promise.all(work)
    const res = await store.query<{ n: number }>('select n from contract_counter where id = 1')
    expect(res.rows[0]?.n).toBe(50)
  })

  it('delivers NOTIFY payloads to listeners after commit, not on rollback', async () => {
    const store = getStore()
    const got: string[] = []
    let listening = 0
    const l = await store.listen('contract_ch', {
      onNotify: (p) => got.push(p),
      onListening: () => { listening++ },
    })
    await expect.poll(() => listening).toBe(1)
    await store.query(`select pg_notify('contract_ch', $1)`, ['one'])
    await store.transaction(async (tx) => {
      await tx.query(`select pg_notify('contract_ch', $1)`, ['two'])
    })
    await store.transaction(async (tx) => {
      await tx.query(`select pg_notify('contract_ch', $1)`, ['never'])
      throw new Error('rollback')
    }).catch(() => {})
    await store.query(`select pg_notify('contract_other', $1)`, ['elsewhere'])
    await store.query(`select pg_notify('contract_ch', $1)`, ['three'])
    await expect.poll(() => got.length).toBe(3)
    expect(got).toEqual(['one', 'two', 'three'])
    await l.close()
    await store.query(`select pg_notify('contract_ch', $1)`, ['after-close'])
    await store.query('select 1')
    expect(got).toEqual(['one', 'two', 'three'])
  })

  it('answers ping', async () => {
    await expect(getStore().ping()).resolves.toBeUndefined()
  })

  it('has a write lane whose transactions and ping work and whose commits the main lane reads', async () => {
    const store = getStore()
    await store.query('create table if not exists contract_lane (n int)')
    await expect(store.writes.ping()).resolves.toBeUndefined()
    await store.writes.transaction(async (tx) => {
      await tx.query('insert into contract_lane (n) values (1), (2)')
    })
    await expect(store.writes.transaction(async (tx) => {
      await tx.query('insert into contract_lane (n) values (3)')
      throw new Error('roll back')
    })).rejects.toThrow('roll back')
    const res = await store.query<{ n: number }>('select count(*) as n from contract_lane')
    expect(res.rows[0]!.n).toBe(2)
  })

  it('commitWith returns its statement\'s result and commits; a failure in it rolls the whole transaction back', async () => {
    const store = getStore()
    await store.query('create table if not exists contract_commit (n int, s text, b bytea)')
    for (const lane of [store, store.writes]) {
      const res = await lane.transaction(async (tx) => {
        const first = await tx.query<{ n: number }>('select count(*) as n from contract_commit where s = $1', ["it's \\ ok"])
        return tx.commitWith<{ n: number; s: string; b: Uint8Array }>(
          'insert into contract_commit (n, s, b) values ($1, $2, $3) returning n, s, b', [first.rows[0]!.n + 1, "it's \\ ok", new Uint8Array([0, 1, 255])])
      })
      expect(res.rows[0]!.s).toBe("it's \\ ok")
      expect([...res.rows[0]!.b]).toEqual([0, 1, 255])
      await expect(lane.transaction(async (tx) => {
        await tx.query('insert into contract_commit (n) values ($1)', [100])
        await tx.commitWith('insert into contract_commit (n) values ($1::int / 0)', [1])
      })).rejects.toThrow()
    }
    const all = await store.query<{ n: number }>('select n from contract_commit order by n')
    expect(all.rows.map((r) => r.n)).toEqual([1, 2])
  })
}
