import type { AuthResult, loginBody, Me, signupBody } from "../contract/index.js";
import type { Http } from "../http.js";
import type { Input } from "./types.js";

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
     * Signs in: later calls use the new session.
     * @example
     * await client.auth.login({ email: "ann@acme.io", password: "correct horse battery" });
     */
    async login(body: Input<typeof loginBody>): Promise<AuthResult> {
      const result = await http.json<AuthResult>("POST", "/auth/login", { body });
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
     * The signed-in user and their organizations with roles.
     * @example
     * const { user, orgs } = await client.auth.me();
     */
    me: () => http.json<Me>("GET", "/me"),
  };
}
