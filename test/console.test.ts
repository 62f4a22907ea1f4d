/**
 * The web console in a real browser (Debian's Chromium through playwright-core): an owner and a
 * member on two different nodes see each other's changes within a second — a new resource, a role
 * change (the member's controls change without a reload), a removal (the member's page says so
 * and drops the org's data). Also: the embedded default (`npm start` with no env) serves a
 * working console, and the node serves the build with the right types and caching without
 * touching the API's 404/405 envelopes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { consoleMiddleware } from "../server/http/console.js";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { screenshot, timed, useConsoleTabs } from "./support/browser.js";
import { spawnNode } from "./support/nodes.js";
import { useCluster } from "./support/suite.js";

const LIVE_MS = 1000;
const WAIT = { timeout: 5000 };

const { tab, closeTabs } = useConsoleTabs();

const liveSeq = (page: Page) => page.getByTestId("live-seq").textContent();
const waitLive = (page: Page) =>
  page
    .getByTestId("live-status")
    .filter({ hasText: /^live$/ })
    .waitFor(WAIT);

async function signUpThroughForm(page: Page, url: string, name: string): Promise<string> {
  const email = `${name.toLowerCase()}-${Date.now().toString(36)}@example.com`;
  await page.goto(url);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Organizations", level: 1 }).waitFor(WAIT);
  return email;
}

async function createOrgThroughForm(page: Page, name: string): Promise<string> {
  await page.getByTestId("create-org").getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor(WAIT);
  await waitLive(page);
  const orgId = new URL(page.url()).pathname.split("/")[2];
  if (!orgId) throw new Error(`no org id in ${page.url()}`);
  return orgId;
}

const project = (page: Page, name: string) => page.locator(`[data-testid=project][data-name="${name}"]`);

describe("the console on two nodes", () => {
  const cluster = useCluster(2);
  // Registered after the cluster's, so it runs before the nodes close.
  afterAll(closeTabs);

  it("shows an owner's changes on a member's page within 1 s, and the member's removal at once", async () => {
    const [node0, node1] = cluster.nodes;
    if (!node0 || !node1) throw new Error("two nodes expected");

    // The owner signs up and creates the org through the forms, on node 0.
    const owner = await tab();
    const ownerPage = owner.page;
    await signUpThroughForm(ownerPage, node0.url, "Olivia");
    const orgId = await createOrgThroughForm(ownerPage, "Acme");
    await ownerPage.getByTestId("new-project").getByLabel("Project name").fill("Web");
    await ownerPage.getByRole("button", { name: "Create project" }).click();
    await project(ownerPage, "Web").waitFor(WAIT);

    // The member is invited through the members page and accepts the mailed link on node 1.
    const member = await signup(node1, "Max");
    const memberEmail = member.email.toLowerCase();
    await ownerPage.getByTestId("nav-members").click();
    const invite = ownerPage.getByTestId("invite-form");
    for (const email of [memberEmail, "carol@example.com"]) {
      await invite.getByLabel("Email").fill(email);
      await invite.getByLabel(/^Role/).selectOption("viewer");
      await invite.getByRole("button", { name: "Send invitation" }).click();
      await ownerPage.getByTestId("invitation-row").filter({ hasText: email }).waitFor(WAIT);
    }
    if (node0.mailer.kind !== "outbox") throw new Error("the test nodes keep mail in the dev outbox");
    const link = node0.mailer.outbox().find((m) => m.to === memberEmail)?.link ?? "";
    const inviteToken = link.match(/\/invite\/([A-Za-z0-9_-]+)/)?.[1];
    expect(inviteToken).toBeTruthy();

    const viewer = await tab({ token: member.token });
    const memberPage = viewer.page;
    await memberPage.goto(`${node1.url}/invite/${inviteToken}`);
    await memberPage.getByTestId("invite-org").filter({ hasText: "Acme" }).waitFor(WAIT);
    await memberPage.getByTestId("accept-invite").click();
    await memberPage.getByRole("heading", { name: "Projects", level: 1 }).waitFor(WAIT);
    await waitLive(memberPage);
    await project(memberPage, "Web").waitFor(WAIT);
    expect(await memberPage.getByTestId("my-role").textContent()).toBe("viewer");
    expect(await memberPage.getByTestId("new-project").count()).toBe(0);
    await ownerPage.locator(`[data-testid=member-row][data-email="${memberEmail}"]`).waitFor(WAIT);

    // 1. A resource the owner creates appears on the viewer's page.
    const resourceForm = project(ownerPage, "Web").getByTestId("new-resource");
    await ownerPage.getByTestId("nav-projects").click();
    await resourceForm.getByLabel("Type").selectOption("vps");
    await resourceForm.getByLabel(/^Name/).fill("web-1");
    const resourceMs = await timed(
      () => resourceForm.getByRole("button", { name: /Add resource/ }).click(),
      () => memberPage.locator('[data-testid=resource-row][data-name="web-1"]').waitFor(WAIT),
    );
    expect(resourceMs).toBeLessThan(LIVE_MS);
    await screenshot(memberPage, "projects.png");

    // 2. The owner makes the member an editor: the member's role and controls change, no reload.
    await ownerPage.getByTestId("nav-members").click();
    const row = ownerPage.locator(`[data-testid=member-row][data-email="${memberEmail}"]`);
    await row.getByTestId("role-select").selectOption("editor");
    const roleMs = await timed(
      () => row.getByTestId("role-apply").click(),
      async () => {
        await memberPage
          .getByTestId("my-role")
          .filter({ hasText: /^editor$/ })
          .waitFor(WAIT);
        await memberPage.getByTestId("new-project").waitFor(WAIT);
      },
    );
    expect(roleMs).toBeLessThan(LIVE_MS);
    expect(await memberPage.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
    await row.locator("[data-testid=role-select][data-role=editor]").waitFor(WAIT);
    await screenshot(ownerPage, "members.png");

    // The audit tail: the member, now an editor, adds a resource; the owner's tail shows it live.
    await ownerPage.getByTestId("nav-audit").click();
    await ownerPage.getByTestId("audit-row").first().waitFor(WAIT);
    const memberForm = project(memberPage, "Web").getByTestId("new-resource");
    await memberForm.getByLabel("Type").selectOption("domain");
    await memberForm.getByLabel(/^Name/).fill("acme.example");
    const tailMs = await timed(
      () => memberForm.getByRole("button", { name: /Add resource/ }).click(),
      () =>
        ownerPage
          .locator("[data-testid=audit-row][data-type='resource.created']", { hasText: "acme.example" })
          .waitFor(WAIT),
    );
    expect(tailMs).toBeLessThan(LIVE_MS);
    await ownerPage.getByTestId("verify").click();
    await ownerPage
      .getByTestId("verify-result")
      .filter({ hasText: /Hash chain intact: \d+ entries checked/ })
      .waitFor(WAIT);
    await screenshot(ownerPage, "audit-tail.png");

    // 3. The owner removes the member: the member's page says so at once and drops the org's data.
    await ownerPage.getByTestId("nav-members").click();
    const removeMs = await timed(
      () => row.getByTestId("remove-member").click(),
      () =>
        memberPage.getByTestId("revoked").filter({ hasText: "You were removed from Acme by an owner." }).waitFor(WAIT),
    );
    expect(removeMs).toBeLessThan(LIVE_MS);
    await memberPage.getByTestId("org-gone").waitFor(WAIT);
    await screenshot(memberPage, "revoked.png");
    expect(await memberPage.getByTestId("project").count()).toBe(0);
    expect(await memberPage.getByTestId("resource-row").count()).toBe(0);
    expect(await memberPage.getByTestId("live").count()).toBe(0);
    expect(await memberPage.getByTestId("org-list").textContent()).not.toContain("Acme");
    const text = (await memberPage.locator("main").textContent()) ?? "";
    for (const secret of ["web-1", "acme.example", "Web"]) expect(text).not.toContain(secret);
    await row.waitFor({ state: "detached", ...WAIT });
    // The owner's own view is untouched.
    expect(await ownerPage.getByTestId("my-role").textContent()).toBe("owner");
    expect(orgId).toMatch(/^[0-9a-f-]{36}$/);

    expect(owner.errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
    console.info(
      `console live delays: resource ${resourceMs.toFixed(0)} ms, role ${roleMs.toFixed(0)} ms, audit tail ${tailMs.toFixed(0)} ms, removal ${removeMs.toFixed(0)} ms`,
    );
  });

  it("signs in with the keyboard, manages API keys, lets a member leave, and signs out", async () => {
    const node = cluster.nodes[0];
    if (!node) throw new Error("no node");
    const owner = await signup(node, "owner");
    const org = await createOrg(node, owner.token, "Keyed");
    const leaver = await signup(node, "leaver");
    await addMember(node.db, org.id, leaver.user.id, "viewer");

    // Sign-in is a plain form: type, Tab, type, Enter.
    const { page, errors } = await tab();
    await page.goto(`${node.url}/orgs/${org.id}/api-keys`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
    await page.getByLabel("Email").focus();
    await page.keyboard.type(owner.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type("correct horse battery");
    await page.keyboard.press("Enter");
    // Back where the address pointed, signed in.
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor(WAIT);
    await waitLive(page);

    const form = page.getByTestId("create-key");
    await form.getByLabel("Name").fill("ci");
    await form.getByLabel("Audit access").check();
    await form.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByTestId("new-key-secret").inputValue()).toMatch(/^ow_[A-Za-z0-9_-]{40,}$/);
    await page.getByTestId("key-row").filter({ hasText: "ci" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Revoke ci" }).click();
    await page.getByTestId("key-row").waitFor({ state: "detached", ...WAIT });

    // A member leaves from their own page.
    const other = await tab({ token: leaver.token });
    await other.page.goto(`${node.url}/orgs/${org.id}/members`);
    await waitLive(other.page);
    await other.page.getByTestId("leave").click();
    await other.page.getByTestId("revoked").filter({ hasText: "You left Keyed." }).waitFor(WAIT);
    await page.getByTestId("nav-members").click();
    await page.getByTestId("member-row").first().waitFor(WAIT);
    expect(await page.getByTestId("member-row").count()).toBe(1);

    // Signing out ends the session on the server too.
    const session = await page.evaluate(() => localStorage.getItem("orgwire.token"));
    expect(session).toBeTruthy();
    await page.getByTestId("sign-out").click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
    expect(await page.evaluate(() => localStorage.getItem("orgwire.token"))).toBeNull();
    expect((await call(node, "GET", "/v1/me", { token: session ?? "" })).status).toBe(401);
    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });

  it("serves the build: types, caching, client-side routes, and the API's own 404/405", async () => {
    const node = cluster.nodes[0];
    if (!node) throw new Error("no node");
    const index = await call(node, "GET", "/");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const script = String(index.body).match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeTruthy();
    const asset = await call(node, "GET", script as string);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // Nothing from another origin: the page works offline.
    expect(String(index.body)).not.toMatch(/(src|href)="(https?:)?\/\//);

    for (const path of [
      "/invite/abcdefghijklmnopqrstuvwxyz0123456789",
      "/orgs/00000000-0000-0000-0000-000000000000/members",
      "/signin",
    ]) {
      const page = await call(node, "GET", path);
      expect(page.status, path).toBe(200);
      expect(String(page.body), path).toContain('<div id="app">');
    }
    const missing = await call(node, "GET", "/assets/nope.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBeNull();

    expect((await call(node, "GET", "/v1/nope")).body).toMatchObject({ error: { code: "not_found" } });
    const wrongMethod = await call(node, "PUT", "/v1/orgs");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body).toMatchObject({ error: { code: "method_not_allowed" } });
    expect((await call(node, "GET", "/openapi.json")).body).toMatchObject({ openapi: "3.1.0" });
    expect((await call(node, "POST", "/")).status).toBe(404);
  });

  it("answers / with a short page saying to build when the console is not built", async () => {
    const app = new Hono().use("*", consoleMiddleware({ root: mkdtempSync(join(tmpdir(), "orgwire-no-console-")) }));
    const res = await app.request("/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build");
    expect((await app.request("/orgs/x")).status).toBe(404);
  });
});

describe("the console on the embedded default", () => {
  it("signs up, creates an org and shows it live with no DATABASE_URL or REDIS_URL", async () => {
    const { page, errors } = await tab();
    const dataDir = mkdtempSync(join(tmpdir(), "orgwire-console-"));
    const node = await spawnNode({ DATA_DIR: dataDir });
    try {
      await signUpThroughForm(page, node.url, "Emma");
      await createOrgThroughForm(page, "Solo");
      expect(await liveSeq(page)).toBe("1");
      await page.getByTestId("new-project").getByLabel("Project name").fill("Blog");
      await page.getByRole("button", { name: "Create project" }).click();
      // seq 2 is project.created, counted only when it arrives over the socket.
      await page.getByTestId("live-seq").filter({ hasText: /^2$/ }).waitFor(WAIT);
      await project(page, "Blog").waitFor(WAIT);
      expect(errors).toEqual([]);
    } finally {
      await closeTabs();
      await node.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
