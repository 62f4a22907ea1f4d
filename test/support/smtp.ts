import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One mail as the test SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The user that authenticated for it. */
  user: string | undefined;
  /** The raw message (headers and MIME body). */
  raw: string;
}

export interface TestSmtp {
  /** `smtp://user:pass@127.0.0.1:port`: plain SMTP with AUTH, no STARTTLS (no certificate to trust). */
  url: string;
  /** The same server with a wrong password: every send fails at AUTH. */
  badCredentialsUrl: string;
  mails: ReceivedMail[];
  /** Resolves with the first mail (received so far or later) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 and a port of its own, requiring
 * the given credentials, recording every mail it accepts.
 */
export async function startTestSmtp(
  credentials = { user: "orgwire", pass: "s3cret pass" },
  /** Decides, once a mail's data is in, whether to accept it (recorded) or refuse it (not recorded). */
  accept: (mail: ReceivedMail) => Promise<boolean> | boolean = () => true,
): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error("invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString("utf8"),
        };
        if (!(await accept(mail))) return callback(new Error("refused by the test"));
        mails.push(mail);
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    const listener = server.listen(0, "127.0.0.1", () => resolve((listener.address() as AddressInfo).port));
    listener.once("error", reject);
  });
  const auth = (pass: string) => `${encodeURIComponent(credentials.user)}:${encodeURIComponent(pass)}`;
  return {
    url: `smtp://${auth(credentials.pass)}@127.0.0.1:${port}`,
    badCredentialsUrl: `smtp://${auth("wrong password")}@127.0.0.1:${port}`,
    mails,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text of a raw mail with quoted-printable soft line breaks undone, for searching. */
export function unfoldQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
}
