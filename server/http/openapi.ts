import type { z } from "zod";
import { z as zod } from "zod";
import { errorEnvelope, uuid } from "../../client-sdk/src/contract/index.js";

/** Request body declaration for createRoute. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

/** A success response plus the error envelope, for createRoute's `responses`. */
export const responses = <T extends z.ZodType>(status: 200 | 201, schema: T, description: string) =>
  ({
    [status]: { content: { "application/json": { schema } }, description },
    default: { content: { "application/json": { schema: errorEnvelope } }, description: "error envelope" },
  }) as const;

export const noContent = (description: string) =>
  ({
    204: { description },
    default: { content: { "application/json": { schema: errorEnvelope } }, description: "error envelope" },
  }) as const;

/** Path ids: any case on the way in, lower case inside. */
export const idParam = uuid.transform((s) => s.toLowerCase());
export const orgParams = zod.object({ orgId: idParam });
export const bearer = [{ bearer: [] }];
