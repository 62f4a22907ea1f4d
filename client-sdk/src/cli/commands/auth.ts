import type { MfaProof } from "../../api/account.js";
import type { AuthResult } from "../../contract/index.js";
import { OrgwireError } from "../../errors.js";
import type { Command } from "../args.js";
import { writeConfig } from "../config.js";
import { readLine, readSecretLine, releaseInput } from "../prompt.js";

/** A code from the app (6 digits) or a recovery code, told apart by their shapes. */
function proof(input: string): MfaProof {
  const value = input.trim();
  return /^[0-9]{6}$/.test(value.replace(/\s/g, "")) ? { code: value.replace(/\s/g, "") } : { recoveryCode: value };
}

export const login: Command = {
  path: ["login"],
  summary: "Sign in and save the server URL and session token to the config file",
  details: [
    "The password comes from --password, $ORGWIRE_PASSWORD, or stdin (prompted, without echo, on a terminal).",
    "Prefer the environment or stdin: arguments are visible to other users in the process list.",
    "With MFA on, the code (or a recovery code) comes from --code, or stdin (prompted on a terminal, else the next line).",
    "The config file ($ORGWIRE_CONFIG, else ~/.config/orgwire/config.json) is written with mode 0600.",
  ],
  options: {
    email: { type: "string", value: "EMAIL", required: true, help: "the account's email" },
    password: { type: "string", value: "PASSWORD", help: "the password (see above)" },
    code: { type: "string", value: "CODE", help: "the MFA code from the authenticator app, or a recovery code" },
  },
  async run(ctx, args) {
    const email = args.need("email");
    const client = ctx.anonymousClient();
    let result: AuthResult;
    try {
      const password = args.string("password") ?? ctx.env.ORGWIRE_PASSWORD ?? (await readSecretLine("Password: "));
      const first = await client.auth.login({ email, password });
      if ("mfaRequired" in first) {
        const code =
          args.string("code") ??
          (await readLine("Code from your authenticator app (or a recovery code): ", { what: "MFA code" }));
        result = await client.auth.loginMfa({ challenge: first.challenge, ...proof(code) });
      } else {
        result = first;
      }
    } finally {
      releaseInput();
    }
    const { user, token } = result;
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
