import { existsSync, mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll } from "vitest";
import { ROOT } from "./nodes.js";

/** Debian's Chromium (`.ci/run` installs it); playwright's own browser downloads do not work here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = `${ROOT}test/artifacts`;
const CONSOLE_INDEX = `${ROOT}console/dist/index.html`;

/**
 * Headless Chromium. A missing browser or an unbuilt console fails the test with the fix, never
 * skips it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium (.ci/run does it)`,
    );
  if (!existsSync(CONSOLE_INDEX)) throw new Error("the console is not built: run `npm run build` first");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface ConsoleTab {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and console errors (a CSP violation is one) seen so far. */
  errors: string[];
}

/**
 * A fresh browser context (its own storage) on one node. With `token`, the console starts signed
 * in as that user: the token is put where the console keeps it, once.
 */
export async function openConsole(browser: Browser, options: { token?: string } = {}): Promise<ConsoleTab> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  if (options.token) {
    await context.addInitScript((token) => {
      if (sessionStorage.getItem("test.seeded")) return;
      sessionStorage.setItem("test.seeded", "1");
      localStorage.setItem("orgwire.token", token);
    }, options.token);
  }
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  // Removing a member or leaving asks for confirmation.
  page.on("dialog", (dialog) => {
    dialog.accept().catch(() => undefined);
  });
  return { context, page, errors };
}

/** Saves a screenshot under test/artifacts/ (git-ignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}/${name}`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Runs `action`, then waits for `outcome`, and returns the milliseconds between the start of the
 * action and the moment the outcome was seen (an upper bound of the real delay).
 */
export async function timed(action: () => Promise<unknown>, outcome: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  await outcome();
  return performance.now() - started;
}

/**
 * The console pages of one test file: the browser is launched by the first page a test opens (so
 * a missing Chromium fails each browser test, never skips it), and every page is closed after the
 * file, or earlier with `closeTabs` (before the nodes the pages talk to stop).
 */
export function useConsoleTabs() {
  let browser: Promise<Browser> | undefined;
  const tabs: ConsoleTab[] = [];
  const closeTabs = async () => {
    for (const tab of tabs.splice(0)) await tab.context.close().catch(() => undefined);
  };
  afterAll(async () => {
    await closeTabs();
    await (await browser?.catch(() => undefined))?.close();
  });
  const tab = async (options: { token?: string } = {}): Promise<ConsoleTab> => {
    browser ??= launchBrowser();
    const opened = await openConsole(await browser, options);
    tabs.push(opened);
    return opened;
  };
  return { tab, closeTabs };
}
