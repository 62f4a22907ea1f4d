import { describe, expect, it } from "vitest";
import { addMember, call, createOrg, signup } from "./support/api.js";
import { useCluster } from "./support/suite.js";

const cluster = useCluster(1);
const node = () => cluster.nodes[0]!;

describe("settings.updated", () => {
  it("names the changed fields, records nothing for an unchanged PATCH, and is hidden from guests", async () => {
    const owner = await signup(node(), "owner");
    const editor = await signup(node(), "editor");
    const guest = await signup(node(), "guest");
    const org = await createOrg(node(), owner.token, "Settings");
    await addMember(node().db, org.id, editor.user.id, "editor");
    await addMember(node().db, org.id, guest.user.id, "guest");
    const patch = (body: object) => call(node(), "PATCH", `/v1/orgs/${org.id}`, { token: owner.token, body });
    const events = async (token: string) =>
      (await call(node(), "GET", `/v1/orgs/${org.id}/events?limit=100`, { token })).body.items as {
        seq: number;
        type: string;
        data: Record<string, unknown>;
      }[];

    expect(
      (await patch({ settings: { preferences: { language: "fr" }, notifications: { billing: true } } })).status,
    ).toBe(200);
    const [first] = (await events(owner.token)).filter((e) => e.type === "settings.updated");
    expect(first?.data).toEqual({
      changed: ["notifications.billing", "preferences.language"],
      settings: { preferences: { language: "fr" }, notifications: { billing: true } },
    });

    // The same values again: 200 with the org, and no event.
    const before = (await events(owner.token)).length;
    const same = await patch({ settings: { preferences: { language: "fr" } } });
    expect(same.status).toBe(200);
    expect(same.body.settings.preferences).toEqual({ language: "fr" });
    expect(await events(owner.token)).toHaveLength(before);

    // A rename with a settings change: both events, rename first, one after the other.
    await patch({
      name: "Settings 2",
      settings: { preferences: { timezone: "Europe/Paris" }, auditRetentionDays: 30 },
    });
    const log = await events(owner.token);
    const [rename, change] = log.slice(-2);
    expect(rename).toMatchObject({ type: "org.updated", data: { name: "Settings 2" } });
    expect(change).toMatchObject({
      type: "settings.updated",
      seq: (rename?.seq ?? 0) + 1,
      data: {
        changed: ["auditRetentionDays", "preferences.language", "preferences.timezone"],
        settings: {
          preferences: { timezone: "Europe/Paris" },
          notifications: { billing: true },
          auditRetentionDays: 30,
        },
      },
    });

    // A section named empty drops its fields: each dropped field is named.
    await patch({ settings: { notifications: {} } });
    expect((await events(owner.token)).at(-1)?.data.changed).toEqual(["notifications.billing"]);

    // Editors read the settings, so they see the events; guests see neither.
    expect((await events(editor.token)).filter((e) => e.type === "settings.updated")).toHaveLength(3);
    const guestTypes = (await events(guest.token)).map((e) => e.type);
    expect(guestTypes).not.toContain("settings.updated");
    expect(guestTypes).not.toContain("org.updated");
  });
});
