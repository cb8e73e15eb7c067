// A second hand-labelled set, written AFTER the local classifier's cue
// patterns were frozen (see the commit history) and never used to tune them.
// Phrasings deliberately differ from the first set. Its figure is the more
// honest estimate of the local classifier on unseen wording; it was still
// written by the same author, so it is not an independent test.
import type { LabelledReply } from "./sales-replies.js";

export const SALES_REPLIES_HOLDOUT: LabelledReply[] = [
  { id: "h-int-01", intent: "INTERESTED", from: "ola@nordlys.no", subject: "Re: Field reports", body: "This could save my team hours every week. What's the next step?" },
  { id: "h-int-02", intent: "INTERESTED", from: "b.kim@hanbit.kr", subject: "Re: Analytics", body: "I've had a look and I like it. Happy to continue." },
  { id: "h-int-03", intent: "INTERESTED", from: "j.rey@costa.es", subject: "Re: Bookings", body: "Appreciate you reaching out - we're exploring options in this space and yours is on the shortlist." },
  { id: "h-mtg-01", intent: "MEETING_REQUEST", from: "s.berg@vinterhus.se", subject: "Re: Energy data", body: "Do you have 15 minutes on Wednesday afternoon? I'd like to understand the setup." },
  { id: "h-mtg-02", intent: "MEETING_REQUEST", from: "f.adeyemi@kano.ng", subject: "Re: Payroll", body: "Put something in my diary for next Monday, any time after lunch." },
  { id: "h-mtg-03", intent: "MEETING_REQUEST", from: "p.lange@nordtech.de", subject: "Re: Demo", body: "A demo for the whole team would be ideal. When could you do that?" },
  { id: "h-q-01", intent: "QUESTION", from: "a.moreau@lyonbio.fr", subject: "Re: Lab software", body: "Is there an audit trail that meets 21 CFR Part 11?" },
  { id: "h-q-02", intent: "QUESTION", from: "t.ng@harbourfin.sg", subject: "Re: Reconciliation", body: "Before anything else: where would our data be stored, and who can access it?" },
  { id: "h-q-03", intent: "QUESTION", from: "m.doyle@greenfield.ie", subject: "Re: Invoicing", body: "How many users are included in the starter tier?" },
  { id: "h-obj-01", intent: "OBJECTION", from: "r.silva@portovelho.br", subject: "Re: Logistics", body: "Our IT team will never approve another SaaS vendor this year, so I can't see this moving." },
  { id: "h-obj-02", intent: "OBJECTION", from: "k.hall@westwind.com", subject: "Re: CRM", body: "We're a Salesforce shop and everything has to live there. Switching isn't an option." },
  { id: "h-obj-03", intent: "OBJECTION", from: "d.ivanova@sofiatech.bg", subject: "Re: Pricing", body: "Honestly the numbers you sent are well above what we budgeted." },
  { id: "h-ni-01", intent: "NOT_INTERESTED", from: "e.brandt@brandt-bau.de", subject: "Re: Site software", body: "We'll pass, thanks for thinking of us." },
  { id: "h-ni-02", intent: "NOT_INTERESTED", from: "c.ho@pearlriver.hk", subject: "Re: Supply chain", body: "This isn't relevant to what we do." },
  { id: "h-ni-03", intent: "NOT_INTERESTED", from: "l.perez@andes.cl", subject: "Re: Mining ops", body: "No." },
  { id: "h-uns-01", intent: "UNSUBSCRIBE", from: "w.taylor@bigsky.com", subject: "Re: Quick one", body: "How do I get off this list?" },
  { id: "h-uns-02", intent: "UNSUBSCRIBE", from: "n.evans@cardiffmed.co.uk", subject: "Re: Follow-up", body: "Please stop contacting me." },
  { id: "h-uns-03", intent: "UNSUBSCRIBE", from: "g.conti@milano.it", subject: "Re: Offerta", body: "Non scrivetemi più, grazie." },
  { id: "h-uns-04", intent: "UNSUBSCRIBE", from: "h.schmidt@hamburg-port.de", subject: "Re: Terminal", body: "Ich möchte keine weiteren Nachrichten von Ihnen bekommen." },
  { id: "h-uns-05", intent: "UNSUBSCRIBE", from: "v.nair@kochi.in", subject: "Re: Spices", body: "I did not sign up for this, delete my details." },
  { id: "h-ooo-01", intent: "OUT_OF_OFFICE", from: "p.olsen@odense.dk", subject: "Re: Wind data", body: "I'm off until the 12th and won't be reading email. Back after that." },
  { id: "h-ooo-02", intent: "OUT_OF_OFFICE", from: "m.grant@highland.co.uk", subject: "Away: Re: Distillery", body: "Thanks for your message. I'm currently away on business travel, returning 4 November." },
  { id: "h-ref-01", intent: "REFERRAL", from: "s.cho@seoulrobotics.kr", subject: "Re: Automation", body: "Jin Park runs our automation program; she's the one to talk to. jin.park@seoulrobotics.kr" },
  { id: "h-ref-02", intent: "REFERRAL", from: "a.rossi@torinomotors.it", subject: "Re: Parts", body: "I'm passing this on to our purchasing lead, Marco Neri, who will decide." },
  { id: "h-ref-03", intent: "REFERRAL", from: "t.ward@coastal.au", subject: "Re: Fleet", body: "This sits with operations, not me. Try Liam Brooks." },
  { id: "h-bnc-01", intent: "BOUNCE", from: "postmaster@retired-domain.example", subject: "Returned mail: see transcript for details", body: "----- The following addresses had permanent fatal errors -----\n<old.user@retired-domain.example>\n    (reason: 550 5.1.1 <old.user@retired-domain.example>... User unknown)" },
  { id: "h-oth-01", intent: "OTHER", from: "k.lind@lindco.se", subject: "Re: Invoice", body: "Please use PO number 4471 on the next invoice." },
  { id: "h-oth-02", intent: "OTHER", from: "j.osei@brightline.co.uk", subject: "Re: Lunch", body: "Good to see you last week, say hi to the team." },
  { id: "h-oth-03", intent: "OTHER", from: "r.diaz@mesa.mx", subject: "Re: Slides", body: "Got them, cheers." },
];
