/** A person's page of the app, in a browser context of their own (a browser profile). */
import type { BrowserContext, Page } from 'playwright-core'

export class PageClient {
  readonly context: BrowserContext
  readonly page: Page

  constructor(context: BrowserContext, page: Page) {
    this.context = context
    this.page = page
  }
}
