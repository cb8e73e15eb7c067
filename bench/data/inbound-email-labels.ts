// Labels for the raw messages in ../shared/data/inbound-email/, from that
// folder's README (the file-name prefix gives the category; the "Kind" column
// says what each message is). Intent follows the category: rfc3834-* are
// automatic replies (OUT_OF_OFFICE), lhost-* bounces (BOUNCE), arf-*
// complaint reports and unsubscribe notices (UNSUBSCRIBE: a complaint means
// "stop mailing me"). One exception, documented: rfc3834-06 is an
// auto-response saying the inbox "is no longer in use", which is a dead
// address (BOUNCE), not an absence. The action follows the message's kind:
// hard bounces suppress, temporary ones and full mailboxes retry, bounces
// caused by our own sending setup (SPF/DMARC/DNSBL/content/auth) escalate.
import type { InboundAction, InboundIntent } from "../../src/ai/prompts/inbound-analysis.js";

export interface InboundEmailLabel {
  file: string;
  intent: InboundIntent;
  action: InboundAction;
  /** The addresses that must be suppressed (exactly). */
  suppress: string[];
  returnDate?: string | null;
}

export const INBOUND_EMAIL_LABELS: InboundEmailLabel[] = [
  { file: "arf-02.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["this-local-part-does-not-exist-on-yahoo@yahoo.com"] },
  { file: "arf-12.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["user@example.com"] },
  { file: "arf-14.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["kijitora@y.example.com"] },
  { file: "arf-22.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["kijitora@example.com"] },
  { file: "arf-26.eml", intent: "UNSUBSCRIBE", action: "SUPPRESS", suppress: ["example@icloud.com"] },
  { file: "lhost-amazonses-16.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-barracuda-01.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-courier-04.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.cat"] },
  { file: "lhost-domino-03.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "lhost-exchange2003-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.jp"] },
  { file: "lhost-exchange2007-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["mikeneko@example.co.jp"] },
  { file: "lhost-exim-01.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-exim-43.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-gmail-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["userunknown@example.jp"] },
  { file: "lhost-googleworkspace-01.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-mailru-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.jp"] },
  { file: "lhost-mimecast-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["sabineko@neko.ef.example.org"] },
  { file: "lhost-office365-03.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-office365-13.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora-nyaan@neko.kyoto.example.jp"] },
  { file: "lhost-opensmtpd-06.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "lhost-outlook-01.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "lhost-postfix-09.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "lhost-postfix-14.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@2jo.example.jp"] },
  { file: "lhost-postfix-63.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "lhost-postfix-73.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-qmail-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.ne.jp"] },
  { file: "lhost-sendgrid-03.eml", intent: "BOUNCE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "lhost-sendmail-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["userunknown@bouncehammer.jp"] },
  { file: "lhost-sendmail-31.eml", intent: "BOUNCE", action: "ESCALATE", suppress: [] },
  { file: "lhost-yahoo-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.org"] },
  { file: "lhost-zoho-01.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.co.jp"] },
  { file: "rfc3834-01.eml", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: [], returnDate: "2005-05-05" },
  { file: "rfc3834-02.eml", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: [] },
  { file: "rfc3834-03.eml", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: [], returnDate: "2020-01-10" },
  { file: "rfc3834-04.eml", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: [], returnDate: "2013-07-31" },
  { file: "rfc3834-05.eml", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", suppress: [], returnDate: null },
  { file: "rfc3834-06.eml", intent: "BOUNCE", action: "SUPPRESS", suppress: ["kijitora@example.com"] },
];
