import { OrgwireClient } from "../../client-sdk/src/client.js";
import { OrgwireError } from "../../client-sdk/src/errors.js";
import { errorText } from "./format.js";
import { clearError, notify, state, update } from "./store.js";

/** Where the session token is kept between visits. */
export const TOKEN_KEY = "orgwire.token";

let client = new OrgwireClient({ url: location.origin, token: localStorage.getItem(TOKEN_KEY) ?? undefined });
let onSignedOut: (() => void) | undefined;

/** The SDK client of this page (the node that served it). */
export const api = (): OrgwireClient => client;

/** Called once by main: what to do when the session ends (stop the stream, go to sign-in). */
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

/** Keeps the token the SDK holds after a sign-in or sign-up. */
export function rememberToken(): void {
  if (client.token) localStorage.setItem(TOKEN_KEY, client.token);
}

/** Loads the signed-in user and their organizations; false when there is no valid session. */
export async function loadMe(): Promise<boolean> {
  if (!client.token) return false;
  try {
    const me = await client.auth.me();
    state.user = me.user;
    state.mfaEnabled = me.mfaEnabled;
    state.orgs = me.orgs.map((o) => ({ id: o.id, name: o.name, role: o.role }));
    return true;
  } catch (error) {
    if (error instanceof OrgwireError && error.status === 401) {
      forgetSession();
      return false;
    }
    throw error;
  }
}

/** Drops the token and everything of the user; the next page is sign-in. */
export function forgetSession(message?: string): void {
  localStorage.removeItem(TOKEN_KEY);
  client = new OrgwireClient({ url: location.origin });
  state.user = undefined;
  state.mfaEnabled = undefined;
  state.account = undefined;
  state.mfaStep = undefined;
  state.orgs = [];
  onSignedOut?.();
  if (message) notify("info", message);
  update();
}

/**
 * Runs an action and reports its failure in the status region (a 401 ends the session); when it
 * works, the error of an earlier attempt goes. Resolves to undefined when it failed.
 */
export async function attempt<T>(action: () => Promise<T>, success?: string): Promise<T | undefined> {
  try {
    const result = await action();
    if (success) notify("info", success);
    else clearError();
    return result;
  } catch (error) {
    report(error);
    return undefined;
  }
}

/** Shows a failure in the status region; a 401 means the session is gone. */
export function report(error: unknown): void {
  if (error instanceof OrgwireError && error.status === 401 && state.user) {
    forgetSession("Your session ended. Sign in again.");
  } else {
    notify("error", errorText(error));
  }
}

/** The values of a submitted form, as strings (checkboxes: present or not). */
export function formValues(event: Event): { form: HTMLFormElement; get: (name: string) => string } {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  return { form, get: (name) => String(data.get(name) ?? "").trim() };
}
