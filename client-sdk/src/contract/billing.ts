import { z } from "zod";
import { email, text } from "./primitives.js";

export const billingAddress = z
  .object({
    line1: text(200).trim().min(1),
    line2: text(200).trim().optional(),
    city: text(100).trim().min(1),
    postalCode: text(20).trim().min(1),
    region: text(100).trim().optional(),
    /** ISO 3166-1 alpha-2, upper-case. */
    country: text(2)
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 country code"),
  })
  .strict();
export type BillingAddress = z.infer<typeof billingAddress>;

/** PUT replaces the whole profile. */
export const billingProfileBody = z
  .object({
    contactEmail: email,
    company: text(200).trim().min(1).optional(),
    address: billingAddress.optional(),
    taxId: text(32)
      .trim()
      .regex(/^[A-Za-z0-9 .-]{2,32}$/, "must be a tax id such as FR40303265045")
      .optional(),
  })
  .strict();
export type BillingProfileBody = z.infer<typeof billingProfileBody>;

export const billingProfile = z.object({
  contactEmail: z.string().nullable(),
  company: z.string().nullable(),
  address: billingAddress.nullable(),
  taxId: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type BillingProfile = z.infer<typeof billingProfile>;
