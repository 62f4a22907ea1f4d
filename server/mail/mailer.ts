import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { Logger } from "pino";

/** One rendered mail, ready to send. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The mail's call to action, written to the log by the dev outbox (never by SMTP). */
  link?: string;
}

export interface SentMail extends OutgoingMail {
  from: string;
  sentAt: string;
}

/** Sends mail over SMTP (`SMTP_URL`), or keeps it in a dev outbox when no SMTP server is set. */
export type Mailer = SmtpMailer | OutboxMailer;

interface MailerBase {
  /** Resolves once the server accepted the mail; rejects when it could not be delivered. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface SmtpMailer extends MailerBase {
  kind: "smtp";
  /** The transport options built from the URL (credentials included: never log them). */
  readonly options: Readonly<SMTPTransport.Options>;
}

export interface OutboxMailer extends MailerBase {
  kind: "outbox";
  /** The last {@link OUTBOX_SIZE} mails, oldest first. */
  outbox(): readonly SentMail[];
}

export const OUTBOX_SIZE = 100;

/** Gives up on a server that does not answer rather than hold an HTTP request for minutes. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;

/**
 * Transport options from `smtp://[user:pass@]host[:port]` (plain, upgraded with STARTTLS whenever
 * the server offers it; port 587 by default) or `smtps://…` (TLS from the first byte; port 465).
 * Credentials are optional and URL-decoded.
 *
 * @example smtpOptionsFromUrl("smtps://mailer:s3cret@smtp.example.com") // { secure: true, port: 465, … }
 */
export function smtpOptionsFromUrl(smtpUrl: string): SMTPTransport.Options {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error("invalid SMTP_URL: not a URL");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw new Error("invalid SMTP_URL: use smtp:// or smtps://");
  if (!url.hostname) throw new Error("invalid SMTP_URL: no host");
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    ...TIMEOUTS,
  };
}

/**
 * The sender: `?from=` on `SMTP_URL` when given (`smtp://…?from=Acme%20<invites@acme.com>`), else
 * `Orgwire <no-reply@PUBLIC_URL's host>`.
 */
export function senderAddress(smtpUrl: string | undefined, publicUrl: string): string {
  const given = smtpUrl ? URL.canParse(smtpUrl) && new URL(smtpUrl).searchParams.get("from") : undefined;
  return given || `Orgwire <no-reply@${new URL(publicUrl).hostname}>`;
}

export function createMailer(options: { smtpUrl?: string; publicUrl: string; log: Logger }): Mailer {
  const from = senderAddress(options.smtpUrl, options.publicUrl);
  return options.smtpUrl ? smtpMailer(options.smtpUrl, from) : outboxMailer(from, options.log);
}

function smtpMailer(smtpUrl: string, from: string): SmtpMailer {
  const transportOptions = smtpOptionsFromUrl(smtpUrl);
  const transport = nodemailer.createTransport(transportOptions);
  return {
    kind: "smtp",
    options: transportOptions,
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close: () => transport.close(),
  };
}

/** Development without an SMTP server: the mail goes to the log (link included) and to memory. */
function outboxMailer(from: string, log: Logger): OutboxMailer {
  const kept: SentMail[] = [];
  return {
    kind: "outbox",
    async send(mail) {
      kept.push({ ...mail, from, sentAt: new Date().toISOString() });
      if (kept.length > OUTBOX_SIZE) kept.shift();
      log.info(
        { mail: { to: mail.to, subject: mail.subject, link: mail.link, text: mail.text } },
        "mail kept in the dev outbox (SMTP_URL is unset)",
      );
    },
    outbox: () => [...kept],
    close() {},
  };
}
