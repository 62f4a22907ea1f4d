import { accountApi } from "./api/account.js";
import { apiKeysApi, auditApi, eventsApi } from "./api/audit.js";
import { invitationsApi } from "./api/invitations.js";
import { membersApi, orgsApi } from "./api/orgs.js";
import { projectsApi, resourcesApi } from "./api/projects.js";
import { webhooksApi } from "./api/webhooks.js";
import type { OrgEvent } from "./contract/index.js";
import { Http } from "./http.js";
import {
  type Backoff,
  eventIterator,
  ManagerPool,
  openSubscription,
  type SubscribeOptions,
  type Subscription,
} from "./subscription.js";

export interface ClientOptions {
  /** A node or load balancer, or several nodes to fail over between (first one first). */
  url: string | string[];
  /** A session token or an API key; `auth.login`/`auth.signup` set it too. */
  token?: string;
  /** Reconnect delays of subscriptions (exponential, with jitter). */
  backoff?: Backoff;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

/**
 * The Orgwire client: typed calls for every route and resumable live subscriptions.
 *
 * @example
 * const client = new OrgwireClient({ url: "http://localhost:3000" });
 * await client.auth.login({ email: "ann@acme.io", password: "correct horse battery" });
 * const org = await client.orgs.create({ name: "Acme" });
 * const sub = client.subscribe(org.id, { onEvent: (e) => console.log(e.seq, e.type) });
 */
export class OrgwireClient {
  #token: string | undefined;
  readonly #urls: string[];
  readonly #pool = new ManagerPool();
  readonly #backoff: Backoff | undefined;
  readonly #http: Http;

  readonly auth;
  readonly orgs;
  readonly members;
  readonly invitations;
  readonly projects;
  readonly resources;
  readonly eventLog;
  readonly audit;
  readonly apiKeys;
  readonly webhooks;

  constructor(options: ClientOptions) {
    this.#urls = Array.isArray(options.url) ? [...options.url] : [options.url];
    if (this.#urls.length === 0) throw new Error("OrgwireClient needs at least one url");
    this.#token = options.token;
    this.#backoff = options.backoff;
    this.#http = new Http({ baseUrl: this.#urls[0] as string, token: () => this.#token, fetch: options.fetch });
    this.auth = accountApi(this.#http, (token) => {
      this.#token = token;
    });
    this.orgs = orgsApi(this.#http);
    this.members = membersApi(this.#http);
    this.invitations = invitationsApi(this.#http);
    this.projects = projectsApi(this.#http);
    this.resources = resourcesApi(this.#http);
    this.eventLog = eventsApi(this.#http);
    this.audit = auditApi(this.#http);
    this.apiKeys = apiKeysApi(this.#http);
    this.webhooks = webhooksApi(this.#http);
  }

  /** The bearer token in use. */
  get token(): string | undefined {
    return this.#token;
  }

  /**
   * Subscribes to an org's live events: a replay after `since` first, then live, each event once
   * and in order across drops, node deaths and reconnects. `onRevoked` ends it for good.
   *
   * @example
   * const sub = client.subscribe(orgId, {
   *   since: lastSeenSeq,
   *   onEvent: (event) => render(event),
   *   onRevoked: ({ reason }) => showBanner(reason),
   * });
   * // later
   * sub.close();
   */
  subscribe(orgId: string, options: SubscribeOptions): Subscription {
    return openSubscription(this.#pool, this.#urls, orgId, () => this.#token, { ...options, backoff: this.#backoff });
  }

  /**
   * The same stream as an async iterator; it ends on revocation, throws on a refused handshake,
   * and `break` closes it.
   *
   * @example
   * for await (const event of client.events(orgId)) {
   *   if (event.type === "member.removed") console.log(event.data.userId, event.data.reason);
   * }
   */
  events(orgId: string, options: { since?: number } = {}): AsyncIterableIterator<OrgEvent> {
    return eventIterator((handlers) => this.subscribe(orgId, handlers), options.since);
  }
}
