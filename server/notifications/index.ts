export { createNotifier, type Notifier } from "./notifier.js";
