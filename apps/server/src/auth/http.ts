/** HTTP plumbing shared by the auth routes: error bodies come from the server's one error module. */
export { sendError } from '../errors.ts'
