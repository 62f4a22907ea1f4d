export * from "./errors.js";
export * from "./events.js";
export * from "./primitives.js";
export * from "./requests.js";
export * from "./responses.js";
export * from "./roles.js";
export * from "./settings.js";
export * from "./socket.js";
