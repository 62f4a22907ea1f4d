import { OrgwireError } from "../../errors.js";
import type { Command } from "../args.js";
import { writeConfig } from "../config.js";
import { readSecretLine } from "../prompt.js";

export const login: Command = {
  path: ["login"],
  summary: "Sign in and save the server URL and session token to the config file",
  details: [
    "The password comes from --password, $ORGWIRE_PASSWORD, or stdin (prompted, without echo, on a terminal).",
    "Prefer the environment or stdin: arguments are visible to other users in the process list.",
    "The config file ($ORGWIRE_CONFIG, else ~/.config/orgwire/config.json) is written with mode 0600.",
  ],
  options: {
    email: { type: "string", value: "EMAIL", required: true, help: "the account's email" },
    password: { type: "string", value: "PASSWORD", help: "the password (see above)" },
  },
  async run(ctx, args) {
    const email = args.need("email");
    const password = args.string("password") ?? ctx.env.ORGWIRE_PASSWORD ?? (await readSecretLine("Password: "));
    const { user, token } = await ctx.anonymousClient().auth.login({ email, password });
    await writeConfig(ctx.configPath, { url: ctx.url, token, email: user.email });
    ctx.out.record({ user, url: ctx.url, config: ctx.configPath }, () => {
      const c = ctx.out.color;
      return `Signed in to ${c.bold(ctx.url)} as ${c.bold(user.email)} (${user.name}); token saved to ${ctx.configPath}`;
    });
    return 0;
  },
};

export const logout: Command = {
  path: ["logout"],
  summary: "End the session (its live subscriptions are revoked) and forget its token",
  options: {},
  async run(ctx) {
    const forget = ctx.stored.token !== undefined && ctx.stored.token === ctx.token;
    try {
      await ctx.client().auth.logout();
    } catch (error) {
      // A saved token the server no longer knows is forgotten all the same.
      if (!(forget && error instanceof OrgwireError && error.code === "unauthenticated")) throw error;
    }
    if (forget) await writeConfig(ctx.configPath, { url: ctx.stored.url, email: ctx.stored.email });
    ctx.out.record({ loggedOut: true, configUpdated: forget }, () =>
      forget ? `Signed out; token removed from ${ctx.configPath}` : "Signed out",
    );
    return 0;
  },
};
