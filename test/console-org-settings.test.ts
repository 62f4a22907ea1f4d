/**
 * The console's organization settings in a real browser (Debian's Chromium through
 * playwright-core), on two nodes: an owner renames the organization and a member's page on the
 * other node shows the new name live; the owner turns on "require MFA" and a member without MFA,
 * whose page is open on the other node, sees the MFA-required page within 1 s (and again after a
 * reload); an owner without MFA is told why they can't; deleting needs the organization's name
 * typed; the billing page saves a profile.
 */
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup, type TestUser } from "./support/api.js";
import { type ConsoleTab, screenshot, timed, useConsoleTabs } from "./support/browser.js";
import { enrol, TEST_MFA_KEY } from "./support/mfa.js";
import { useCluster } from "./support/suite.js";

/** The page's errors besides the browser's log line of a request the server refused with `status`. */
const unexpected = (errors: string[], status: number) =>
  errors.filter(
    (e) => !e.startsWith(`console: Failed to load resource: the server responded with a status of ${status} `),
  );

const LIVE_MS = 1000;
const WAIT = { timeout: 5000 };

const pages = useConsoleTabs();
const closeTabs = pages.closeTabs;
const tab = (token: string) => pages.tab({ token });

const waitLive = (page: Page) =>
  page
    .getByTestId("live-status")
    .filter({ hasText: /^live$/ })
    .waitFor(WAIT);

/** Opens one section of an organization, signed in as `user`, and waits until it is live. */
async function openOrgPage(url: string, user: TestUser, orgId: string, section: string): Promise<ConsoleTab> {
  const opened = await tab(user.token);
  await opened.page.goto(`${url}/orgs/${orgId}/${section}`);
  await waitLive(opened.page);
  return opened;
}

describe("organization settings in the console, on two nodes", () => {
  const cluster = useCluster(2, { MFA_ENCRYPTION_KEY: TEST_MFA_KEY });
  afterAll(closeTabs);
  const nodes = () => {
    const [node0, node1] = cluster.nodes;
    if (!node0 || !node1) throw new Error("two nodes expected");
    return [node0, node1] as const;
  };

  it("renames live on a member's page, then requires MFA: the member without MFA sees why within 1 s", async () => {
    const [node0, node1] = nodes();
    const owner = await signup(node0, "Olivia");
    await enrol(node0, owner);
    const org = await createOrg(node0, owner.token, "Acme");
    const member = await signup(node1, "Max");
    await addMember(node0.db, org.id, member.user.id, "viewer");

    const ownerTab = await openOrgPage(node0.url, owner, org.id, "settings");
    const ownerPage = ownerTab.page;
    const memberTab = await openOrgPage(node1.url, member, org.id, "projects");
    const memberPage = memberTab.page;
    // Settings and billing are for owners: the member's navigation has neither.
    expect(await memberPage.getByTestId("nav-settings").count()).toBe(0);
    expect(await memberPage.getByTestId("nav-billing").count()).toBe(0);

    // 1. The owner renames the organization; the member's page (other node) shows it live.
    const nameForm = ownerPage.getByTestId("org-name-form");
    await nameForm.getByLabel("Organization name").fill("Acme Renamed");
    const renameMs = await timed(
      () => nameForm.getByRole("button", { name: "Rename" }).click(),
      () => memberPage.locator(".page-head__sub").filter({ hasText: "Acme Renamed" }).waitFor(WAIT),
    );
    expect(renameMs).toBeLessThan(LIVE_MS);
    await memberPage.getByTestId("org-list").filter({ hasText: "Acme Renamed" }).waitFor(WAIT);
    expect(await memberPage.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);

    // 2. The owner (with MFA) requires it: the member's open page shows the MFA-required page.
    const auth = ownerPage.getByTestId("auth-form");
    await auth.getByTestId("require-mfa").check();
    const blockedMs = await timed(
      () => auth.getByRole("button", { name: "Save authentication" }).click(),
      () => memberPage.getByTestId("mfa-required").waitFor(WAIT),
    );
    expect(blockedMs).toBeLessThan(LIVE_MS);
    const blocked = memberPage.getByTestId("mfa-required");
    expect(await blocked.textContent()).toContain("requires every member to use two-factor authentication");
    expect(await memberPage.getByRole("heading", { level: 1 }).textContent()).toContain("Acme Renamed requires MFA");
    expect(await memberPage.getByTestId("mfa-required-enrol").getAttribute("href")).toBe("/account");
    // Nothing of the organization stays on the page.
    expect(await memberPage.getByTestId("live").count()).toBe(0);
    expect(await memberPage.getByTestId("project").count()).toBe(0);
    await screenshot(memberPage, "mfa-required.png");
    expect(await call(node1, "GET", `/v1/orgs/${org.id}/projects`, { token: member.token })).toMatchObject({
      status: 403,
      body: { error: { code: "mfa_required" } },
    });

    // A reload (the HTTP answer and the refused handshake) shows the same page.
    await memberPage.reload();
    await memberPage.getByTestId("mfa-required").waitFor(WAIT);
    // The link goes to the account page, where MFA is set up.
    await memberPage.getByTestId("mfa-required-enrol").click();
    await memberPage.getByRole("heading", { name: "Your account", level: 1 }).waitFor(WAIT);
    await memberPage.getByTestId("mfa-start").waitFor(WAIT);
    // Once enrolled (here through the API), opening the organization works again at once.
    await enrol(node1, member);
    await memberPage
      .getByTestId("org-list")
      .getByRole("link", { name: /Acme Renamed/ })
      .click();
    await memberPage.getByRole("heading", { name: "Projects", level: 1 }).waitFor(WAIT);
    await waitLive(memberPage);
    expect(await memberPage.getByTestId("mfa-required").count()).toBe(0);

    // The owner's page saved the setting and shows no error.
    await ownerPage.getByTestId("notice").filter({ hasText: "Authentication settings saved." }).waitFor(WAIT);
    expect(await ownerPage.getByTestId("error").textContent()).toBe("");
    const stored = await call(node0, "GET", `/v1/orgs/${org.id}`, { token: owner.token });
    expect(stored.body.settings.authentication.requireMfa).toBe(true);
    expect(stored.body.name).toBe("Acme Renamed");
    // The member's reload makes refused requests (403 mfa_required), which the browser logs.
    expect(ownerTab.errors).toEqual([]);
    expect(unexpected(memberTab.errors, 403)).toEqual([]);
  });

  it("tells an owner without MFA why they can't require it (409 mfa_required_for_you)", async () => {
    const [node0] = nodes();
    const owner = await signup(node0, "Nora");
    const org = await createOrg(node0, owner.token, "NoMfa");
    const { page, errors } = await openOrgPage(node0.url, owner, org.id, "settings");
    const auth = page.getByTestId("auth-form");
    await auth.getByTestId("require-mfa").check();
    await auth.getByRole("button", { name: "Save authentication" }).click();
    await page.getByTestId("error").filter({ hasText: "turn MFA on in your account" }).waitFor(WAIT);
    expect(await auth.getByTestId("require-mfa").isChecked()).toBe(false);
    const stored = await call(node0, "GET", `/v1/orgs/${org.id}`, { token: owner.token });
    expect(stored.body.settings?.authentication?.requireMfa ?? false).toBe(false);
    expect(unexpected(errors, 409)).toEqual([]);
  });

  it("saves preferences, notifications, retention and billing", async () => {
    const [node0] = nodes();
    const owner = await signup(node0, "Paula");
    const org = await createOrg(node0, owner.token, "Prefs");
    const { page, errors } = await openOrgPage(node0.url, owner, org.id, "settings");
    const prefs = page.getByTestId("preferences-form");
    await prefs.getByLabel("Time zone").fill("Europe/Paris");
    await prefs.getByLabel("Language").selectOption("fr");
    await prefs.getByRole("button", { name: "Save preferences" }).click();
    await page.getByTestId("notice").filter({ hasText: "Preferences saved." }).waitFor(WAIT);
    const notifications = page.getByTestId("notifications-form");
    await notifications.locator("input[name=weeklyDigest]").check();
    await notifications.getByRole("button", { name: "Save notifications" }).click();
    await page.getByTestId("notice").filter({ hasText: "Notification preferences saved." }).waitFor(WAIT);
    const retention = page.getByTestId("retention-form");
    await retention.getByLabel("Keep entries for (days)").fill("90");
    await retention.getByRole("button", { name: "Save retention" }).click();
    await page.getByTestId("notice").filter({ hasText: "Audit retention saved." }).waitFor(WAIT);
    await screenshot(page, "org-settings.png");
    const stored = await call(node0, "GET", `/v1/orgs/${org.id}`, { token: owner.token });
    expect(stored.body.settings).toMatchObject({
      preferences: { timezone: "Europe/Paris", language: "fr" },
      notifications: { weeklyDigest: true, billing: false },
      auditRetentionDays: 90,
    });

    await page.getByTestId("nav-billing").click();
    const billing = page.getByTestId("billing-form");
    await billing.getByLabel("Contact email").fill("billing@prefs.example");
    await billing.getByLabel("Company (optional)").fill("Prefs SAS");
    await billing.getByRole("button", { name: "Save billing profile" }).click();
    await page.getByTestId("billing-updated").filter({ hasText: "Last changed" }).waitFor(WAIT);
    const saved = await call(node0, "GET", `/v1/orgs/${org.id}/billing`, { token: owner.token });
    expect(saved.body).toMatchObject({ contactEmail: "billing@prefs.example", company: "Prefs SAS" });
    expect(errors).toEqual([]);
  });

  it("deletes the organization only once its name is typed", async () => {
    const [node0, node1] = nodes();
    const owner = await signup(node0, "Dora");
    const org = await createOrg(node0, owner.token, "Doomed");
    const member = await signup(node1, "Mel");
    await addMember(node0.db, org.id, member.user.id, "editor");
    const { page, errors } = await openOrgPage(node0.url, owner, org.id, "settings");
    const memberPage = (await openOrgPage(node1.url, member, org.id, "projects")).page;

    const confirm = page.getByTestId("delete-confirm");
    const button = page.getByTestId("delete-org-button");
    expect(await button.isDisabled()).toBe(true);
    await confirm.fill("doomed");
    expect(await button.isDisabled()).toBe(true);
    await confirm.fill("Doomed ");
    expect(await button.isDisabled()).toBe(true);
    expect((await call(node0, "GET", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(200);
    await confirm.fill("Doomed");
    expect(await button.isDisabled()).toBe(false);
    await button.click();

    await page.getByRole("heading", { name: "Organizations", level: 1 }).waitFor(WAIT);
    await page.getByTestId("notice").filter({ hasText: "Doomed was deleted." }).waitFor(WAIT);
    expect(await page.getByTestId("org-list").textContent()).not.toContain("Doomed");
    expect(await page.getByTestId("revoked").count()).toBe(0);
    expect((await call(node0, "GET", `/v1/orgs/${org.id}`, { token: owner.token })).status).toBe(404);
    // The member on the other node is told at once.
    await memberPage.getByTestId("revoked").filter({ hasText: "Doomed was deleted" }).waitFor(WAIT);
    expect(errors).toEqual([]);
  });
});
