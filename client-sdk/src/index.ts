export type { MfaProof } from "./api/account.js";
export * from "./api/types.js";
export { verifyWebhook, WebhookVerificationError } from "./api/verify.js";
export { type ClientOptions, OrgwireClient } from "./client.js";
export * from "./contract/index.js";
export { describeEvent } from "./describe.js";
export { OrgwireError } from "./errors.js";
export type { Backoff, SubscribeOptions, Subscription, SubscriptionStatus } from "./subscription.js";
