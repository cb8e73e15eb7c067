// Builds the RFC 5322 message with nodemailer's MailComposer: encoded
// headers, multipart/alternative when there is HTML, and for marketing mail
// the footer with the sender's postal address and the signed unsubscribe link
// plus the List-Unsubscribe / List-Unsubscribe-Post headers (RFC 2369, RFC 8058).
import type MailComposerClass from "nodemailer/lib/mail-composer";
import { lazyRequire } from "../../config/lazy-require.js";

// Loaded on the first message built, not at start-up (issue 14, idle memory).
const mailComposer = lazyRequire<typeof MailComposerClass>("nodemailer/lib/mail-composer");

export interface ComposeInput {
  messageId: string;
  from: { address: string; name?: string | null };
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  date: Date;
  /** Marketing mail: footer and List-Unsubscribe headers. */
  marketing?: { unsubscribeUrl: string; postalAddress: string } | null;
  /** Extra headers, e.g. X-Sales-Agent-Draft. */
  headers?: Record<string, string>;
}

export function messageIdFor(draftId: string, mailbox: string): string {
  const domain = mailbox.split("@")[1] ?? "sales-agent.invalid";
  return `<draft-${draftId}@${domain}>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export async function composeMessage(input: ComposeInput): Promise<string> {
  let text = input.text;
  let html = input.html ?? null;
  const headers: Record<string, string> = { ...input.headers };
  if (input.marketing) {
    const { unsubscribeUrl, postalAddress } = input.marketing;
    text = `${text.replace(/\s+$/, "")}\n\n--\n${postalAddress}\nUnsubscribe: ${unsubscribeUrl}\n`;
    if (html) {
      html += `<hr><p style="font-size:12px;color:#666">${escapeHtml(postalAddress)}<br><a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`;
    }
    // MailComposer leaves `list` to the mailer, so the headers are set here.
    headers["List-Unsubscribe"] = `<${unsubscribeUrl}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  const composer = new (mailComposer())({
    messageId: input.messageId,
    date: input.date,
    from: input.from.name ? { name: input.from.name, address: input.from.address } : input.from.address,
    to: input.to,
    subject: input.subject,
    text,
    ...(html ? { html } : {}),
    headers,
    newline: "\r\n",
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const buffer = await composer.compile().build();
  return buffer.toString("utf8");
}
