/**
 * The console's account page and the MFA step of sign-in, in Debian's Chromium (issue 12):
 * - enrol TOTP from the page: the QR code (drawn in the page, read back here with a QR decoder)
 *   and the secret shown as text, confirmed with a code computed from that secret by `otpauth`
 *   the way an authenticator app does; the 10 recovery codes are shown once;
 * - sign out and in again with a code from the app, and once more with a recovery code (a
 *   recovery code works once);
 * - the sessions list marks the current session, and revoking another one removes it (its token
 *   stops working); MFA is turned off with a recovery code; the password is changed from the page.
 */
import type { Page } from "playwright-core";
import decodeQR from "qr/decode.js";
import { afterAll, describe, expect, it } from "vitest";
import { call, signup, type Target } from "./support/api.js";
import { screenshot, useConsoleTabs } from "./support/browser.js";
import { codeAt, login, loginMfa, PASSWORD, TEST_MFA_KEY, wrongCode } from "./support/mfa.js";
import { useCluster } from "./support/suite.js";

const WAIT = { timeout: 5000 };
const OTHER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";

const { tab, closeTabs } = useConsoleTabs();

/** The QR code as the page draws it, rasterized by the browser and decoded here. */
async function readQr(page: Page): Promise<string> {
  const size = 400;
  const pixels = await page.getByTestId("mfa-qr").evaluate(async (svg, size) => {
    const xml = new XMLSerializer().serializeToString(svg);
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("no 2d context");
    context.drawImage(image, 0, 0, size, size);
    return Array.from(context.getImageData(0, 0, size, size).data);
  }, size);
  return decodeQR({ width: size, height: size, data: Uint8Array.from(pixels) });
}

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/signin`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Two-factor authentication", level: 1 }).waitFor(WAIT);
}

async function signOut(page: Page): Promise<void> {
  await page.getByTestId("sign-out").click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
}

/** A session of the user made through the API (another device), and its id. */
async function otherSession(node: Target, email: string, recoveryCode: string) {
  const headers = { "user-agent": OTHER_AGENT };
  const first = await login(node, email, PASSWORD, headers);
  expect(first.body.mfaRequired).toBe(true);
  // The session is opened by the MFA step: its request names the device.
  const second = await call(node, "POST", "/v1/auth/login/mfa", {
    body: { challenge: first.body.challenge, recoveryCode },
    headers,
  });
  expect(second.status).toBe(200);
  const token: string = second.body.token;
  const sessions = await call(node, "GET", "/v1/me/sessions", { token });
  const id: string = sessions.body.items.find((s: { current: boolean }) => s.current).id;
  return { token, id };
}

describe("the console's account page", () => {
  const cluster = useCluster(1, { MFA_ENCRYPTION_KEY: TEST_MFA_KEY });
  // Registered after the cluster's, so it runs before the node closes.
  afterAll(closeTabs);

  it("enrols MFA, signs in with a code and a recovery code, and lists and revokes sessions", async () => {
    const node = cluster.nodes[0];
    if (!node) throw new Error("no node");
    const user = await signup(node, "Mia");
    const { page, errors } = await tab({ token: user.token });

    // (a) Enrol from the account page, linked from the top bar.
    await page.goto(`${node.url}/`);
    await page.getByRole("heading", { name: "Organizations", level: 1 }).waitFor(WAIT);
    await page.getByTestId("account-link").click();
    await page.getByRole("heading", { name: "Your account", level: 1 }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe("/account");
    await page.getByTestId("mfa-status").filter({ hasText: "Off." }).waitFor(WAIT);
    await page.getByTestId("mfa-start").click();
    const secret = ((await page.getByTestId("mfa-secret").textContent()) ?? "").trim();
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    const url = new URL(await readQr(page));
    expect(url.protocol).toBe("otpauth:");
    expect(url.host).toBe("totp");
    expect(url.searchParams.get("secret")).toBe(secret);
    await screenshot(page, "account-enrol.png");

    await page.getByTestId("mfa-confirm").getByLabel("Code from the app").fill(codeAt(secret));
    await page.getByRole("button", { name: "Turn on" }).click();
    const codes = page.getByTestId("recovery-code");
    await page.getByTestId("recovery-codes").waitFor(WAIT);
    const recoveryCodes = (await codes.allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    await page.getByTestId("mfa-status").filter({ hasText: "On." }).waitFor(WAIT);
    expect((await call(node, "GET", "/v1/me", { token: user.token })).body.mfaEnabled).toBe(true);
    await screenshot(page, "account-recovery-codes.png");

    // Shown once: gone after "saved", and not shown again on a later visit.
    await page.getByTestId("recovery-done").click();
    expect(await page.getByTestId("recovery-codes").count()).toBe(0);
    await page.reload();
    await page.getByTestId("mfa-status").filter({ hasText: "On." }).waitFor(WAIT);
    expect(await page.getByTestId("recovery-codes").count()).toBe(0);

    // (b) Sign out, and in again with a code from the app. The confirmation used this step's code
    // and a code works once, so this is the next step's (the server accepts one step of drift).
    await signOut(page);
    await signIn(page, node.url, user.email);
    await screenshot(page, "signin-mfa.png");
    // A wrong code is refused and says so; the right one then signs in and the error goes.
    await page.getByLabel("Code").fill(wrongCode(secret));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByTestId("error").filter({ hasText: "wrong" }).waitFor(WAIT);
    await page.getByLabel("Code").fill(codeAt(secret, 1));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("heading", { name: "Organizations", level: 1 }).waitFor(WAIT);
    expect(await page.getByTestId("error").textContent()).toBe("");

    // And once more with a recovery code, which then works no more.
    await signOut(page);
    await signIn(page, node.url, user.email);
    await page.getByTestId("mfa-toggle").click();
    await page.getByLabel("Recovery code").fill(recoveryCodes[0] ?? "");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("heading", { name: "Organizations", level: 1 }).waitFor(WAIT);
    const again = await login(node, user.email);
    const reused = await loginMfa(node, { challenge: again.body.challenge, recoveryCode: recoveryCodes[0] });
    expect(reused.status).toBe(401);

    // (c) The sessions: this one marked, another device's with "Revoke", which removes it.
    const other = await otherSession(node, user.email, recoveryCodes[1] ?? "");
    await page.getByTestId("account-link").click();
    const rows = page.getByTestId("session-row");
    const otherRow = page.locator(`[data-testid=session-row][data-session="${other.id}"]`);
    await otherRow.waitFor(WAIT);
    expect(await rows.count()).toBe(2);
    const current = page.locator("[data-testid=session-row][data-current=true]");
    expect(await current.count()).toBe(1);
    expect(await current.getByTestId("session-current").textContent()).toBe("This session");
    expect(await current.getByTestId("session-revoke").count()).toBe(0);
    expect(await otherRow.textContent()).toContain("Firefox on Linux");
    await screenshot(page, "account-sessions.png");
    await otherRow.getByTestId("session-revoke").click();
    await otherRow.waitFor({ state: "detached", ...WAIT });
    expect(await rows.count()).toBe(1);
    expect((await call(node, "GET", "/v1/me", { token: other.token })).status).toBe(401);
    // The server agrees: after a reload, only this session is listed.
    await page.reload();
    await current.waitFor(WAIT);
    expect(await rows.count()).toBe(1);

    // Turning MFA off with a recovery code.
    await page.getByTestId("mfa-disable-toggle").click();
    await page
      .getByTestId("mfa-disable")
      .getByLabel("Recovery code")
      .fill(recoveryCodes[2] ?? "");
    await page.getByRole("button", { name: "Turn off" }).click();
    await page.getByTestId("mfa-status").filter({ hasText: "Off." }).waitFor(WAIT);
    // The page's own session (the signup's ended at the first sign-out).
    const token = (await page.evaluate(() => localStorage.getItem("orgwire.token"))) ?? "";
    expect((await call(node, "GET", "/v1/me", { token })).body.mfaEnabled).toBe(false);

    // Changing the password: the old one no longer signs in, the new one does.
    const form = page.getByTestId("password-form");
    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByLabel("New password", { exact: true }).fill("a brand new password");
    await form.getByLabel("New password again").fill("a brand new password");
    await form.getByRole("button", { name: "Change password" }).click();
    await page.getByTestId("notice").filter({ hasText: "Your password was changed" }).waitFor(WAIT);
    expect((await login(node, user.email)).status).toBe(401);
    expect((await login(node, user.email, "a brand new password")).status).toBe(200);
    // No uncaught exception, console error or CSP violation on the way, besides the browser's log
    // line of the one wrong code the test sends.
    const refused = "console: Failed to load resource: the server responded with a status of 401 ";
    expect(errors.filter((e) => !e.startsWith(refused))).toEqual([]);
    expect(errors.length).toBeLessThanOrEqual(1);
  });
});
