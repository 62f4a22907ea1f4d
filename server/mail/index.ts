export { renderInvitationMail } from "./invitation-mail.js";
export { createMailer, type Mailer, type OutgoingMail, type SentMail } from "./mailer.js";
