import { z } from "zod";
import { name, text } from "./primitives.js";

export const RESOURCE_TYPES = ["vps", "domain", "hosting"] as const;
export const resourceType = z.enum(RESOURCE_TYPES);
export type ResourceType = z.infer<typeof resourceType>;

/** A fully qualified domain name, lower-cased. */
export const fqdn = text(253)
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a domain like example.com");

/** A virtual server: where it runs, how big it is, what it boots. */
export const vpsConfig = z
  .object({
    region: z.enum(["eu-west", "eu-central", "us-east", "us-west", "ap-southeast"]).default("eu-west"),
    plan: z.enum(["s1", "s2", "m1", "m2", "l1"]).default("s1"),
    image: z.enum(["debian-12", "ubuntu-24.04", "rocky-9", "alpine-3.20"]).default("debian-12"),
    sshKeys: z.array(text(4096).min(1)).max(20).default([]),
  })
  .strict();

/** A registered domain; `fqdn` defaults to the resource's name. */
export const domainConfig = z
  .object({
    fqdn: fqdn.optional(),
    autoRenew: z.boolean().default(true),
    nameservers: z.array(fqdn).max(13).default([]),
  })
  .strict();

/** Web hosting: a plan, optionally bound to a domain. */
export const hostingConfig = z
  .object({
    plan: z.enum(["starter", "pro", "business"]).default("starter"),
    domain: fqdn.optional(),
    phpVersion: z.enum(["8.1", "8.2", "8.3"]).default("8.3"),
  })
  .strict();

export const RESOURCE_CONFIGS = { vps: vpsConfig, domain: domainConfig, hosting: hostingConfig } as const;

/** `config` is optional: every field has a default, except what the service derives. */
export const createResourceBody = z.discriminatedUnion("type", [
  z.object({ type: z.literal("vps"), name, config: vpsConfig.default(vpsConfig.parse({})) }).strict(),
  z.object({ type: z.literal("domain"), name, config: domainConfig.default(domainConfig.parse({})) }).strict(),
  z.object({ type: z.literal("hosting"), name, config: hostingConfig.default(hostingConfig.parse({})) }).strict(),
]);
export type CreateResourceBody = z.infer<typeof createResourceBody>;

/** `config` names the fields to change; the merged result is validated against the type's schema. */
export const updateResourceBody = z
  .object({ name: name.optional(), config: z.record(text(100), z.unknown()).optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.config !== undefined, "name or config is required");
export type UpdateResourceBody = z.infer<typeof updateResourceBody>;

export const resource = z.object({
  id: z.string(),
  projectId: z.string(),
  type: resourceType,
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Resource = z.infer<typeof resource>;
