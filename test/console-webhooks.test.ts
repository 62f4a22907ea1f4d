/**
 * The console's webhooks page in a real browser (Debian's Chromium through playwright-core), on two
 * nodes, with a real HTTP receiver on 127.0.0.1: the owner creates an endpoint (the secret is shown
 * once), a change made through the API on the other node shows up in the page's delivery log live,
 * the enable toggle stops deliveries, the event filters can be edited, and the replay form sends an
 * event again. Members who are not owners have no webhooks page.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup, type TestUser } from "./support/api.js";
import { type ConsoleTab, screenshot, timed, useConsoleTabs } from "./support/browser.js";
import { useCluster } from "./support/suite.js";

const LIVE_MS = 5000;
const WAIT = { timeout: 5000 };

const pages = useConsoleTabs();

const waitLive = (page: Page) =>
  page
    .getByTestId("live-status")
    .filter({ hasText: /^live$/ })
    .waitFor(WAIT);

async function openOrgPage(url: string, user: TestUser, orgId: string, section: string): Promise<ConsoleTab> {
  const opened = await pages.tab({ token: user.token });
  await opened.page.goto(`${url}/orgs/${orgId}/${section}`);
  await waitLive(opened.page);
  return opened;
}

/** A real receiver that records the `webhook-id` of each request and answers 200. */
async function startReceiver() {
  const ids: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      ids.push(String(req.headers["webhook-id"]));
      res.writeHead(200).end();
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${port}/hook`, ids, close };
}

describe("webhooks in the console, on two nodes", () => {
  // Private addresses allowed (the receiver is local); fast retries and outbound polling.
  const cluster = useCluster(2, {
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_RETRY_BASE_MS: "50",
    OUTBOUND_POLL_MS: "100",
  });
  afterAll(pages.closeTabs);

  it("creates an endpoint, shows deliveries from the other node live, toggles, edits filters, replays", async () => {
    const [node0, node1] = cluster.nodes;
    if (!node0 || !node1) throw new Error("two nodes expected");
    const receiver = await startReceiver();
    try {
      const owner = await signup(node0, "Olivia");
      const org = await createOrg(node0, owner.token, "Acme");
      const member = await signup(node0, "Max");
      await addMember(node0.db, org.id, member.user.id, "editor");

      const { page, errors } = await openOrgPage(node0.url, owner, org.id, "webhooks");
      await page.getByTestId("nav-webhooks").waitFor(WAIT);
      // Reads of a delivery log: the live rows must come over the socket, not from a re-read.
      let deliveryReads = 0;
      page.on("request", (request) => {
        if (new URL(request.url()).pathname.endsWith("/deliveries")) deliveryReads++;
      });

      // 1. Create: the secret is shown once, the endpoint is listed.
      const form = page.getByTestId("create-webhook");
      await form.getByLabel("Endpoint URL").fill(receiver.url);
      await form.getByLabel("Description (optional)").fill("ci");
      await form.getByLabel("project.*").check();
      await form.getByLabel(/Other filters/).fill("resource.created");
      await form.getByRole("button", { name: "Create webhook" }).click();
      const secret = await page.getByTestId("new-webhook-secret").inputValue(WAIT);
      expect(secret).toMatch(/^whsec_/);
      const row = page.getByTestId("webhook-row").filter({ hasText: receiver.url });
      await row.waitFor(WAIT);
      expect(await row.getByTestId("webhook-events").textContent()).toMatch(/project\.\*\s+resource\.created/);
      expect(await row.getByTestId("webhook-state").textContent()).toBe("on");
      const listed = await call(node0, "GET", `/v1/orgs/${org.id}/webhooks`, { token: owner.token });
      expect(listed.body.items).toMatchObject([{ url: receiver.url, events: ["project.*", "resource.created"] }]);
      const webhookId: string = listed.body.items[0].id;
      // The secret goes once the owner is done with it.
      await page.getByTestId("new-webhook").getByRole("button", { name: "Done" }).click();
      expect(await page.getByTestId("new-webhook").count()).toBe(0);

      // 2. The delivery log, then a change on the OTHER node: its delivery shows up live.
      await row.getByTestId("webhook-show-deliveries").click();
      await page.getByTestId("deliveries-empty").waitFor(WAIT);
      let projectSeq = 0;
      const liveMs = await timed(
        async () => {
          const created = await call(node1, "POST", `/v1/orgs/${org.id}/projects`, {
            token: member.token,
            body: { name: "Prod" },
          });
          expect(created.status).toBe(201);
        },
        () =>
          page
            .getByTestId("delivery-row")
            .filter({ has: page.getByTestId("delivery-type").filter({ hasText: "project.created" }) })
            .waitFor({ timeout: LIVE_MS }),
      );
      expect(liveMs).toBeLessThan(LIVE_MS);
      const first = page.getByTestId("delivery-row").first();
      projectSeq = Number(await first.getAttribute("data-seq"));
      expect(await first.getByTestId("delivery-status").textContent()).toContain("succeeded (200)");
      expect(receiver.ids).toHaveLength(1);
      // No reload and no re-read: it came over the socket.
      expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
      expect(deliveryReads).toBe(1);

      // 3. Turn it off: nothing is sent while it is off.
      await row.getByTestId("webhook-toggle").uncheck();
      await row.getByTestId("webhook-state").filter({ hasText: /^off$/ }).waitFor(WAIT);
      const off = await call(node0, "GET", `/v1/orgs/${org.id}/webhooks/${webhookId}`, { token: owner.token });
      expect(off.body).toMatchObject({ enabled: false, disabledReason: "owner" });
      await call(node1, "POST", `/v1/orgs/${org.id}/projects`, { token: member.token, body: { name: "Staging" } });
      await new Promise((r) => setTimeout(r, 1000));
      expect(receiver.ids).toHaveLength(1);
      await row.getByTestId("webhook-toggle").check();
      await row.getByTestId("webhook-state").filter({ hasText: /^on$/ }).waitFor(WAIT);

      // 4. Edit the event filters.
      await row.getByTestId("webhook-edit-events").click();
      const eventsForm = row.getByTestId("webhook-events-form");
      await eventsForm.getByLabel("Event filters").fill("project.*, member.*");
      await eventsForm.getByRole("button", { name: "Save" }).click();
      await row.getByTestId("webhook-events").filter({ hasText: "member.*" }).waitFor(WAIT);
      const edited = await call(node0, "GET", `/v1/orgs/${org.id}/webhooks/${webhookId}`, { token: owner.token });
      expect(edited.body.events).toEqual(["project.*", "member.*"]);

      // 5. Replay from the first project's seq: it is delivered again, and the log shows it live.
      const attemptsOfFirst = () =>
        page
          .getByTestId("delivery-row")
          .filter({ has: page.locator(`[data-testid=delivery-seq]:text-is("${projectSeq}")`) });
      const before = await attemptsOfFirst().count();
      const replay = page.getByTestId("replay-form");
      await replay.getByLabel("Replay from seq").fill(String(projectSeq));
      await replay.getByRole("button", { name: "Replay" }).click();
      await page
        .getByTestId("notice")
        .filter({ hasText: `from seq ${projectSeq}` })
        .waitFor(WAIT);
      await expect.poll(() => attemptsOfFirst().count(), { timeout: LIVE_MS }).toBeGreaterThan(before);
      await expect.poll(() => receiver.ids.filter((id) => id === receiver.ids[0]).length, WAIT).toBeGreaterThan(1);
      await screenshot(page, "webhooks.png");
      expect(errors).toEqual([]);

      // Editors have no webhooks page.
      const editor = await openOrgPage(node1.url, member, org.id, "projects");
      expect(await editor.page.getByTestId("nav-webhooks").count()).toBe(0);
      await editor.page.goto(`${node1.url}/orgs/${org.id}/webhooks`);
      await editor.page.getByTestId("owners-only").waitFor(WAIT);
    } finally {
      await pages.closeTabs();
      await receiver.close();
    }
  });
});
