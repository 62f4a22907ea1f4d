import type {
  AuthResult,
  changePasswordBody,
  confirmTotpBody,
  LoginResult,
  loginBody,
  Me,
  RecoveryCodes,
  Session,
  signupBody,
  TotpEnrolment,
} from "../contract/index.js";
import type { Http } from "../http.js";
import type { Input, Page, PageQuery } from "./types.js";

/** Proof of the second factor: a code from the authenticator app, or one of the recovery codes. */
export type MfaProof = { code: string; recoveryCode?: undefined } | { recoveryCode: string; code?: undefined };

export function accountApi(http: Http, setToken: (token: string | undefined) => void) {
  return {
    /**
     * Creates an account and signs in: later calls use the new session.
     * @example
     * const { user } = await client.auth.signup({ email: "ann@acme.io", password: "correct horse battery", name: "Ann" });
     */
    async signup(body: Input<typeof signupBody>): Promise<AuthResult> {
      const result = await http.json<AuthResult>("POST", "/auth/signup", { body });
      setToken(result.token);
      return result;
    },

    /**
     * Signs in: later calls use the new session. For an account with MFA on, the answer is
     * `{ mfaRequired: true, challenge }` and no session yet: pass the challenge with a code to
     * `auth.loginMfa` (within 5 minutes).
     * @example
     * const result = await client.auth.login({ email: "ann@acme.io", password: "correct horse battery" });
     * if ("mfaRequired" in result) await client.auth.loginMfa({ challenge: result.challenge, code: "123456" });
     */
    async login(body: Input<typeof loginBody>): Promise<LoginResult> {
      const result = await http.json<LoginResult>("POST", "/auth/login", { body });
      if ("token" in result) setToken(result.token);
      return result;
    },

    /**
     * The MFA step of a login: its challenge and a code from the app (or a recovery code, which
     * then works no more). Signs in: later calls use the new session.
     * @example
     * await client.auth.loginMfa({ challenge, code: "123456" });
     * await client.auth.loginMfa({ challenge, recoveryCode: "abcd-efgh-ijkl-mnop" });
     */
    async loginMfa(body: { challenge: string } & MfaProof): Promise<AuthResult> {
      const result = await http.json<AuthResult>("POST", "/auth/login/mfa", { body });
      setToken(result.token);
      return result;
    },

    /**
     * Ends this session; its live subscriptions are revoked on every node.
     * @example
     * await client.auth.logout();
     */
    async logout(): Promise<void> {
      await http.json<void>("POST", "/auth/logout");
      setToken(undefined);
    },

    /**
     * The signed-in user, their organizations with roles, and whether MFA is on.
     * @example
     * const { user, orgs, mfaEnabled } = await client.auth.me();
     */
    me: () => http.json<Me>("GET", "/me"),

    /**
     * Starts TOTP enrolment: the secret (base32) and its `otpauth://` URL, for a QR code. MFA is
     * on only once `confirmTotp` gets a code.
     * @example
     * const { secret, otpauthUrl } = await client.auth.startTotp();
     */
    startTotp: () => http.json<TotpEnrolment>("POST", "/me/mfa/totp"),

    /**
     * Turns MFA on with a code from the app; answers 10 single-use recovery codes, shown this once.
     * @example
     * const { recoveryCodes } = await client.auth.confirmTotp({ code: "123456" });
     */
    confirmTotp: (body: Input<typeof confirmTotpBody>) =>
      http.json<RecoveryCodes>("POST", "/me/mfa/totp/confirm", { body }),

    /**
     * Turns MFA off, with a code from the app or a recovery code.
     * @example
     * await client.auth.disableTotp({ code: "123456" });
     */
    disableTotp: (body: MfaProof) => http.json<void>("DELETE", "/me/mfa/totp", { body }),

    /**
     * The account's live sessions, oldest first; `current` marks this one.
     * @example
     * const { items } = await client.auth.listSessions();
     */
    listSessions: (query: PageQuery = {}) => http.json<Page<Session>>("GET", "/me/sessions", { query: { ...query } }),

    /**
     * Revokes one of the account's sessions; its live subscriptions are revoked on every node.
     * @example
     * await client.auth.revokeSession(sessionId);
     */
    revokeSession: (sessionId: string) => http.json<void>("DELETE", `/me/sessions/${encodeURIComponent(sessionId)}`),

    /**
     * Changes the password and revokes every other session of the account (this one stays).
     * @example
     * await client.auth.changePassword({ currentPassword: "correct horse battery", newPassword: "a new long password" });
     */
    changePassword: (body: Input<typeof changePasswordBody>) => http.json<void>("POST", "/me/password", { body }),
  };
}
