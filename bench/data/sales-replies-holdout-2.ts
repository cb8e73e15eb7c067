// A third hand-labelled set, written and committed BEFORE the second round of
// classifier changes (which were motivated by the misses on the first held-out
// set) and not run until those changes were final. It measures whether those
// changes generalise. Same author, so still not an independent test.
import type { LabelledReply } from "./sales-replies.js";

export const SALES_REPLIES_HOLDOUT_2: LabelledReply[] = [
  { id: "h2-int-01", intent: "INTERESTED", from: "n.fischer@alpenbank.ch", subject: "Re: Treasury", body: "Good timing actually, we were just discussing this internally. Tell me more about how it works." },
  { id: "h2-int-02", intent: "INTERESTED", from: "m.okoro@lagosgrid.ng", subject: "Re: Metering", body: "This looks useful. Please share a deck I can circulate." },
  { id: "h2-int-03", intent: "INTERESTED", from: "l.santos@rioverde.br", subject: "Re: Irrigation", body: "We'd be open to a trial." },
  { id: "h2-mtg-01", intent: "MEETING_REQUEST", from: "a.weiss@wiener-holz.at", subject: "Re: Inventory", body: "Are you around Thursday morning for a chat?" },
  { id: "h2-mtg-02", intent: "MEETING_REQUEST", from: "j.kaur@punjabtextiles.in", subject: "Re: Dyeing", body: "Send me a few slots for next week and I'll pick one." },
  { id: "h2-mtg-03", intent: "MEETING_REQUEST", from: "r.murphy@corkdairy.ie", subject: "Re: Cold storage", body: "Happy to meet. I'm in London on the 14th if that suits." },
  { id: "h2-q-01", intent: "QUESTION", from: "e.lund@fjordair.no", subject: "Re: Maintenance", body: "Does this work with SAP PM, or would we need middleware?" },
  { id: "h2-q-02", intent: "QUESTION", from: "s.tan@merlion.sg", subject: "Re: Claims", body: "What kind of support SLA do you offer?" },
  { id: "h2-q-03", intent: "QUESTION", from: "k.brown@ozarkfoods.com", subject: "Re: Recall tracking", body: "Can it handle lot-level traceability across three plants?" },
  { id: "h2-obj-01", intent: "OBJECTION", from: "p.novak@brnosteel.cz", subject: "Re: Quality data", body: "We looked at tools like this before and the rollout effort scared everyone off." },
  { id: "h2-obj-02", intent: "OBJECTION", from: "h.yilmaz@bosphorus.tr", subject: "Re: Exports", body: "Interesting, but our head office in Istanbul has to sign off any new software and they are very slow." },
  { id: "h2-obj-03", intent: "OBJECTION", from: "c.martin@provence-vins.fr", subject: "Re: Distribution", body: "We're tied into our current provider for another 18 months." },
  { id: "h2-ni-01", intent: "NOT_INTERESTED", from: "d.wong@kowloonlogistics.hk", subject: "Re: Tracking", body: "Thanks, but this isn't for us." },
  { id: "h2-ni-02", intent: "NOT_INTERESTED", from: "g.lopez@sevillasolar.es", subject: "Re: Monitoring", body: "We've decided to go another way. Best of luck." },
  { id: "h2-ni-03", intent: "NOT_INTERESTED", from: "t.becker@ruhrchem.de", subject: "Re: Safety data", body: "Kein Bedarf, danke." },
  { id: "h2-uns-01", intent: "UNSUBSCRIBE", from: "b.olsen@copenhagen-design.dk", subject: "Re: Portfolio", body: "Take us off your mailing list please." },
  { id: "h2-uns-02", intent: "UNSUBSCRIBE", from: "f.dubois@bordeaux-tech.fr", subject: "Re: Offre", body: "Veuillez me retirer de votre liste de diffusion." },
  { id: "h2-uns-03", intent: "UNSUBSCRIBE", from: "y.tanaka@osaka-robotics.jp", subject: "Re: Sensors", body: "Please don't send me any more of these." },
  { id: "h2-uns-04", intent: "UNSUBSCRIBE", from: "m.silva@lisboa-hotels.pt", subject: "Re: Guests", body: "I'd rather not receive further emails from your company." },
  { id: "h2-ooo-01", intent: "OUT_OF_OFFICE", from: "k.berg@stockholm-bio.se", subject: "Re: Assays", body: "I'm on holiday with no access to email until 2 January." },
  { id: "h2-ooo-02", intent: "OUT_OF_OFFICE", from: "o.haddad@beirutbank.lb", subject: "Re: Onboarding", body: "I am attending a training course this week and will respond on my return on Monday." },
  { id: "h2-ref-01", intent: "REFERRAL", from: "v.petrov@neva-shipping.ru", subject: "Re: Port calls", body: "You'll want to speak with Olga Smirnova, she manages our IT budget." },
  { id: "h2-ref-02", intent: "REFERRAL", from: "a.jones@welshwater.co.uk", subject: "Re: Asset data", body: "Forwarding to Rhys Evans in our digital team who looks after this." },
  { id: "h2-oth-01", intent: "OTHER", from: "p.ng@kl-trading.my", subject: "Re: Invoice", body: "Payment has been scheduled for Friday." },
  { id: "h2-oth-02", intent: "OTHER", from: "s.gomez@bogota-coffee.co", subject: "Re: Samples", body: "The samples arrived today, thank you." },
];
