// The part of a reply that carries its intent: quoted history (already removed
// by stripQuoted), then the greeting line, the sign-off with the signature
// below it, phone footers ("Sent from my iPhone") and legal disclaimers are
// dropped, so that "Best regards, Head of Procurement, +47 …" or "If you are
// not the intended recipient, please delete…" do not vote for an intent.
import { stripQuoted } from "../../domain/draft/voice.js";

const GREETING_LINE =
  /^\s*(?:hi|hello|hey|hiya|dear|good (?:morning|afternoon|evening)|morning|greetings|hallo|guten (?:tag|morgen)|sehr geehrte[rs]?|liebe[rs]?|hej|bonjour|bonsoir|salut|hola|buenos d[ií]as|buongiorno|ciao|goedemorgen|beste)\b[^\n]{0,40}?[,!:–—-]?\s*$/i;
const GREETING_PREFIX =
  /^\s*(?:hi|hello|hey|dear|hallo|bonjour|hola|buongiorno|hej)(?:\s+(?:mr\.?|mrs\.?|ms\.?|dr\.?|herr|frau|monsieur|madame|señor|señora))?(?:\s+[A-ZÀ-Þ][\p{L}'-]*){0,2}\s*[,!–—-]\s+/iu;
const SIGN_OFF =
  /^\s*(?:best(?: regards| wishes)?|kind(?:est)? regards|warm(?:est)? regards|regards|rgds|many thanks|thanks(?: again| so much| in advance)?|thank you|thx|cheers|all the best|talk soon|speak soon|sincerely|yours sincerely|yours faithfully|yours truly|yours|take care|br|kr|with thanks|mit freundlichen grüßen|mfg|freundliche grüße|viele grüße|beste grüße|lg|vg|gruß|grüße|cordialement|bien à vous|bien cordialement|salutations|saludos(?: cordiales)?|un saludo|atentamente|cordiali saluti|distinti saluti|saluti|met vriendelijke groet(?:en)?|groeten|hälsningar|med vänlig hälsning|mvh|venlig hilsen)\b[\s,.!]*(?:[A-ZÀ-Þ][\p{L}'.-]*\s*){0,3}$/iu;
const SIGNATURE_DELIMITER = /^\s*(?:--|—|__+)\s*$/;
const DEVICE_FOOTER = /^\s*(?:sent from my|sent from outlook|get outlook for|envoyé de mon|von meinem .* gesendet|enviado desde mi|inviato da)\b/i;
const DISCLAIMER = /\b(?:confidential|privileged|intended recipient|destinataire|vertraulich|confidencial)\b/i;

export interface ReplyText {
  /** The sentences that carry the message. */
  body: string;
  /** The closing line and everything under it, when one was found. */
  signature: string | null;
}

/** The message's own words: no quotes, greeting line, sign-off, signature, footers or disclaimers. */
export function replyText(text: string): ReplyText {
  const lines = stripQuoted(text).split("\n");
  const kept: string[] = [];
  let signature: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const hasContent = kept.some((l) => l.trim());
    if (DEVICE_FOOTER.test(line)) continue;
    // A closing only counts as one after some content: "Thanks!" alone is the whole message.
    if (hasContent && (SIGNATURE_DELIMITER.test(line) || SIGN_OFF.test(line))) {
      signature = lines.slice(i).join("\n").trim();
      break;
    }
    if (DISCLAIMER.test(line) && line.length > 60 && hasContent) {
      signature = lines.slice(i).join("\n").trim();
      break;
    }
    if (!hasContent && GREETING_LINE.test(line) && line.trim().split(/\s+/).length <= 6) continue;
    kept.push(line);
  }
  let body = kept.join("\n").trim();
  // "Hi Tom, good timing — …": the greeting shares the line with the message.
  const prefix = GREETING_PREFIX.exec(body);
  if (prefix && body.length > prefix[0].length + 3) body = body.slice(prefix[0].length);
  return { body: body.trim(), signature };
}
