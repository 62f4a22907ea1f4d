import { clearError, type Route, SECTIONS, type Section, state, update } from "./store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The page a URL names. */
export function parse(url: URL): Route {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  // Only a path of this page: never another origin (`//host`).
  const asked = url.searchParams.get("next");
  const next = asked?.startsWith("/") && !asked.startsWith("//") ? asked : undefined;
  if (parts.length === 0) return { page: "orgs" };
  const [first, second, third] = parts;
  if (first === "signin" && parts.length === 1) return { page: "signin", next };
  if (first === "signup" && parts.length === 1)
    return { page: "signup", next, email: url.searchParams.get("email") ?? undefined };
  if (first === "account" && parts.length === 1) return { page: "account" };
  if (first === "invite" && second && parts.length === 2) return { page: "invite", token: second };
  if (first === "orgs" && second && UUID.test(second) && parts.length <= 3) {
    const section = (third ?? "projects") as Section;
    if (SECTIONS.includes(section)) return { page: "org", orgId: second, section };
  }
  return { page: "not-found" };
}

/** The URL of a page. */
export function href(route: Route): string {
  switch (route.page) {
    case "signin":
      return route.next ? `/signin?next=${encodeURIComponent(route.next)}` : "/signin";
    case "signup": {
      const query = new URLSearchParams();
      if (route.next) query.set("next", route.next);
      if (route.email) query.set("email", route.email);
      return `/signup${query.size ? `?${query}` : ""}`;
    }
    case "orgs":
    case "not-found":
      return "/";
    case "org":
      return `/orgs/${route.orgId}/${route.section}`;
    case "invite":
      return `/invite/${encodeURIComponent(route.token)}`;
    case "account":
      return "/account";
  }
}

let onRoute: ((route: Route) => void) | undefined;

/**
 * Goes to a page without a reload; `replace` keeps it out of the history (a redirect, which is
 * part of what led to it: an error shown stays).
 */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin);
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route(!options.replace);
}

/** The page the address names; `leaving`: the user went elsewhere, so the last page's error goes. */
function route(leaving = false): void {
  if (leaving) clearError();
  state.route = parse(new URL(location.href));
  onRoute?.(state.route);
  update();
}

/** Follows the address bar: back/forward, and same-origin links clicked without a modifier. */
export function startRouter(handler: (route: Route) => void): void {
  onRoute = handler;
  window.addEventListener("popstate", () => route(true));
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const link = (event.target as Element | null)?.closest?.("a[href]");
    if (
      !(link instanceof HTMLAnchorElement) ||
      link.origin !== location.origin ||
      link.hasAttribute("download") ||
      link.target
    )
      return;
    event.preventDefault();
    if (link.href !== location.href) navigate(link.pathname + link.search);
  });
  route();
}
