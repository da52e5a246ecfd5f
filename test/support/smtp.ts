/**
 * A real SMTP server in the test process (smtp-server), whose messages are parsed (mailparser)
 * and kept in arrival order, so tests read what a member would receive.
 *
 *   const smtp = await startSmtpServer();   // smtp.port, smtp.messages, smtp.waitFor(n)
 *
 * `onRecipient` runs before the server answers a RCPT TO (a test may kill the sender there: the
 * message is then never accepted, as with a real server).
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  factId: string | undefined;
  messageId: string | undefined;
  to: string[];
  from: string | undefined;
  subject: string;
  text: string;
  html: string;
  language: string | undefined;
}

export interface TestSmtpServer {
  port: number;
  messages: ReceivedMail[];
  onRecipient: ((to: string) => Promise<void> | void) | null;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const state: TestSmtpServer = {
    port: 0,
    messages,
    onRecipient: null,
    async waitFor(count, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} mails, ${messages.length} arrived within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages;
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      Promise.resolve(state.onRecipient?.(address.address)).then(
        () => callback(),
        (e: Error) => callback(e),
      );
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ""));
          const html = typeof parsed.html === "string" ? parsed.html : "";
          messages.push({
            factId: parsed.headers.get("x-fact-id") as string | undefined,
            messageId: parsed.messageId,
            to,
            from: parsed.from?.value[0]?.address,
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html,
            language: /<html lang="([a-z]+)"/.exec(html)?.[1],
          });
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  // A sender that dies mid-conversation resets its connection: that is the tests' business, not an error.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
