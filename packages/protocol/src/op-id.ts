import { v7 } from 'uuid'

/** A new op id: UUIDv7 (time-ordered), made on the client. */
export const newOpId = (): string => v7()
