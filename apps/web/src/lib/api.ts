/**
 * Small same-origin JSON helpers. Errors carry the server's stable code (see protocol ERRORS)
 * so the UI can say something a person can act on.
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text()
  let body: unknown = null
  if (text) {
    try { body = JSON.parse(text) } catch { body = null }
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `The server answered ${res.status}.`)
  }
  return body as T
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' }, ...init })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check the network and try again.')
  }
  return parse<T>(res)
}

export async function postJson<T>(path: string, body: unknown, init?: RequestInit): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      ...init,
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check the network and try again.')
  }
  return parse<T>(res)
}

/** Whether the server offers dev sign-in; false when the endpoint is absent or cannot say. */
export async function fetchDevStatus(): Promise<boolean> {
  try {
    return (await getJson<{ devSignIn?: boolean }>('/api/dev/status')).devSignIn === true
  } catch {
    return false
  }
}
