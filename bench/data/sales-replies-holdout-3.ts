// Third held-out set: 173 hand-written, hand-labelled replies to B2B sales
// outreach. Written and committed BEFORE any change to the classifier for the
// intent work (branch `intent`), in its own commit, and run once on the
// unchanged classifier for the "before" figure. It is NEVER used for training,
// feature design or tuning; the training corpus is a separate file written
// afterwards in a deliberately different style. Do not relabel a message to
// make the classifier look better. Same author as the training corpus, so this
// is a held-out test, not an independent one.
//
// What it covers on purpose: short and long replies, typos, lowercase, emoji,
// non-native English, quoted previous messages (">" quotes, "On … wrote:",
// Outlook "From:/Sent:" blocks), signatures and legal footers, mixed intents
// whose primary intent is clear, and German/French/Spanish unsubscribe and
// out-of-office replies. Subjects are mostly "Re: …"; a few away messages
// carry an auto-reply subject (those are decided by the header/subject rules,
// as in production).
//
// Labelling rules (same as the earlier sets, plus the action):
// - any wish to stop receiving mail (incl. GDPR erasure, "stop following up")
//   is UNSUBSCRIBE → SUPPRESS, whatever else is said;
// - the person is away (holiday, leave, travel, sick) → OUT_OF_OFFICE →
//   SCHEDULE_FOLLOW_UP, even when a colleague is named for urgent matters;
// - points us to another person to talk to → REFERRAL → DRAFT_REPLY (to them);
// - proposes or asks for a time to talk/meet/demo → MEETING_REQUEST →
//   DRAFT_REPLY, even when it also asks a question or voices a concern;
// - asks something specific about the product/terms (price, integration,
//   security, hosting, references) → QUESTION → DRAFT_REPLY, even when positive;
// - positive, wants more (material, trial, next steps) without a specific
//   question or a time → INTERESTED → DRAFT_REPLY;
// - gives a concrete reason against buying that a reply could address
//   (price, budget, competitor/contract, fit, authority, risk, timing as a
//   reason) → OBJECTION → DRAFT_REPLY;
// - declines with no concern to answer → NOT_INTERESTED → ARCHIVE, or
//   SCHEDULE_FOLLOW_UP when it explicitly asks to be contacted later
//   ("not now, try me in Q3");
// - nothing about the sale (thanks, invoices, small talk) → OTHER → ARCHIVE.
// `action` is given where it is clear; `referralEmail` where the reply names
// the referred person's address.
import type { InboundAction } from "../../src/ai/prompts/inbound-analysis.js";
import type { LabelledReply } from "./sales-replies.js";

export interface LabelledReplyWithAction extends LabelledReply {
  action?: InboundAction;
  referralEmail?: string;
}

export const SALES_REPLIES_HOLDOUT_3: LabelledReplyWithAction[] = [
  // ---- INTERESTED ----
  { id: "h3-int-01", intent: "INTERESTED", action: "DRAFT_REPLY", from: "d.frey@kessler-logistik.de", subject: "Re: Failed imports", body: "Hi Sarah,\n\nthanks for the note. Funny timing – we lost two days last month because of a failed batch import, so this is definitely something we want to look at more closely. Send me whatever you have on the architecture.\n\nCheers,\nDaniel\n\nDaniel Frey | Head of Data Platforms\nKessler Logistik GmbH\n+49 40 1234 5678" },
  { id: "h3-int-02", intent: "INTERESTED", action: "DRAFT_REPLY", from: "matt@tinyloop.io", subject: "Re: churn alerts", body: "yes! been waiting for someone to build this. tell me more" },
  { id: "h3-int-03", intent: "INTERESTED", action: "DRAFT_REPLY", from: "a.nowak@polbud.pl", subject: "Re: Offer for site documentation", body: "Hello Mr. Becker,\n\nthank you for your mail. We are indeed searching a solution for this topic since some time. Please send us an offer and some documentation, we will discuss it in our team.\n\nBest regards,\nAgnieszka Nowak" },
  { id: "h3-int-04", intent: "INTERESTED", action: "DRAFT_REPLY", from: "r.castillo@bluemesa.com", subject: "Re: Vendor management", body: "This is timely. Our renewal with the current vendor comes up in May and I'm not thrilled with them. Put me down for the beta." },
  { id: "h3-int-05", intent: "INTERESTED", action: "DRAFT_REPLY", from: "j.whitaker@foxglove-ops.com", subject: "Re: One-pager", body: "I read through the one-pager. Looks solid and I think our ops lead would like it too. What would the next step look like on your end?" },
  { id: "h3-int-06", intent: "INTERESTED", action: "DRAFT_REPLY", from: "n.adeyemi@kanofoods.ng", subject: "Re: Cash forecasting", body: "Definitely worth a look. I've passed it to my CFO with a thumbs up and will let you know once she's had a chance to review it." },
  { id: "h3-int-07", intent: "INTERESTED", action: "DRAFT_REPLY", from: "ethan@pollenhq.com", subject: "Re: Re: Re: Quick one", body: "Hey Jonas – appreciate the persistence lol. OK you got me, we actually do have this problem. Send the case study over." },
  { id: "h3-int-08", intent: "INTERESTED", action: "DRAFT_REPLY", from: "v.horak@moravia-plast.cz", subject: "Re: Line monitoring", body: "Intresting proposal. We would like to try it on one of our production lines first, if that is possible." },
  { id: "h3-int-09", intent: "INTERESTED", action: "DRAFT_REPLY", from: "ruth.m@ledgerlane.com", subject: "Re: Month-end close", body: "Hi Tom,\n\nSorry for the slow reply, it's been a crazy quarter. I had a look at the video you linked and it's pretty much what we've been trying to hack together with Zapier. I'd be keen to get a trial account for me and two colleagues.\n\nThanks,\nRuth\n\nOn Mon, 9 Feb 2026 at 08:12, Tom Becker <tom@acme.io> wrote:\n> Hi Ruth,\n> quick follow-up on my note from last week. We help finance teams close the month 3 days faster.\n> Worth a conversation?\n> Tom" },
  { id: "h3-int-10", intent: "INTERESTED", action: "DRAFT_REPLY", from: "k.mensah@accrasolar.gh", subject: "Re: Field app", body: "Sounds promising 👍 pls share the deck, happy to take a look" },
  { id: "h3-int-11", intent: "INTERESTED", action: "DRAFT_REPLY", from: "s.lindgren@polarfreight.se", subject: "Re: Tooling", body: "We're open to it. I've got budget set aside for tooling in H2 and this fits the bill." },
  { id: "h3-int-12", intent: "INTERESTED", action: "DRAFT_REPLY", from: "c.girard@lyon-textiles.fr", subject: "Re: Votre message", body: "Merci pour votre message. Yes, we are interested, our team in Lyon has exactly this problem. Could you send me a presentation in English or French?\n\nCordialement,\nCamille Girard" },
  { id: "h3-int-13", intent: "INTERESTED", action: "DRAFT_REPLY", from: "h.osman@nilecargo.eg", subject: "Re: Freight audit", body: "Your timing is good — we're kicking off a vendor review next month and I'd like you to be part of it. I'll add you to the list of vendors we're evaluating." },
  { id: "h3-int-14", intent: "INTERESTED", action: "DRAFT_REPLY", from: "greg@summitreps.com", subject: "Re: CRM hygiene", body: "ok this is actually relevant. we have 40 reps drowning in manual CRM updates. what do you need from me to get started?" },
  { id: "h3-int-15", intent: "INTERESTED", action: "DRAFT_REPLY", from: "m.obi@crestlinehealth.org", subject: "Re: Follow-up", body: "Thanks for following up. After talking to the team we'd like to move forward with a pilot in one clinic. Looking forward to your proposal." },
  { id: "h3-int-16", intent: "INTERESTED", action: "DRAFT_REPLY", from: "p.marsh@greywater.co.uk", subject: "Re: Spend analytics", body: "I like it. Sending this over to our procurement folks so they can start the vendor paperwork on our side." },
  { id: "h3-int-17", intent: "INTERESTED", action: "DRAFT_REPLY", from: "t.nguyen@saigonbev.vn", subject: "Re: Demand sensing", body: "Hi Laura, that's a neat idea and I'd be curious to see it running on our own data. Let me know what you'd need from us." },
  { id: "h3-int-18", intent: "INTERESTED", action: "DRAFT_REPLY", from: "b.keller@alpenmed.ch", subject: "Re: Connector roadmap", body: "Great, please keep me in the loop when the Salesforce connector ships — that's the one thing we'd need and then I'm in." },
  { id: "h3-int-19", intent: "INTERESTED", action: "DRAFT_REPLY", from: "sven.olafsson@nordvik-shipping.no", subject: "RE: Bunker cost tracking", body: "We have been discussing exactly this internally. Yes to more information please.\n\n--\nKind regards\nSven Olafsson\nProcurement Manager\nNordvik Shipping AS\nTel: +47 22 33 44 55\n\nThis e-mail may contain confidential information. If you are not the intended recipient, please notify the sender and delete it." },
  { id: "h3-int-20", intent: "INTERESTED", action: "DRAFT_REPLY", from: "l.baumann@berlinmode.de", subject: "Re: Returns handling", body: "Heard good things about you from a friend at Zalando. Would be happy to explore what this could look like for us." },

  // ---- MEETING_REQUEST ----
  { id: "h3-mtg-01", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "a.conti@milanoprint.it", subject: "Re: Print scheduling", body: "Sure, let's talk. How about Wednesday 3pm my time (CET)?" },
  { id: "h3-mtg-02", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "marco.v@vela-marine.it", subject: "Re: Fleet telemetry", body: "Hi Tom, I could do a 20 min call next Tue or Thu morning. Send an invite to this address. Thx, Marco" },
  { id: "h3-mtg-03", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "j.park@hanbit-retail.kr", subject: "Re: Store analytics", body: "Would love to see it live. Do you have time for a demo on the 12th? Our whole team is in the office that day." },
  { id: "h3-mtg-04", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "f.ahmed@crescentbuild.ae", subject: "Re: Site safety", body: "Can you walk me and my colleague through it sometime this week? Afternoons are best for us." },
  { id: "h3-mtg-05", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "d.petrovic@beogradlog.rs", subject: "Re: Warehouse system", body: "Hello,\n\nI have reviewed your mail. I propose we make a short meeting by Teams next week, please propose me some dates.\n\nRegards\nDragan Petrović" },
  { id: "h3-mtg-06", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "owen.h@harrowgate.co.uk", subject: "Re: Timesheets", body: "Free tomorrow between 10 and 12 if you want to give me a ring. 07700 900123" },
  { id: "h3-mtg-07", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "cal@brightforge.io", subject: "Re: Pipeline forecasting", body: "Ok, convince me — 15 minutes, Friday, 9:30 GMT. I'll send the link." },
  { id: "h3-mtg-08", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "r.goldberg@hudsoncap.com", subject: "Re: Deal rooms", body: "Let's get something on the calendar. My assistant Jane (cc'd) manages my schedule and will find a slot that works." },
  { id: "h3-mtg-09", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "k.schmitt@rheinmetallbau.de", subject: "Re: Messe", body: "Hi, thanks for reaching out. I'm going to be in Berlin for the trade fair on 4–6 March — any chance we could meet at your booth or grab a coffee?" },
  { id: "h3-mtg-10", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "m.obrien@shamrockdairy.ie", subject: "Re: Milk collection routes", body: "Interested. Pick a time here that suits you: https://calendly.com/m-obrien/30min" },
  { id: "h3-mtg-11", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "f.braun@holzmann.de", subject: "RE: Checking in", body: "Hi Sarah,\n\nApologies for going quiet. Things have settled and I'd like to pick this back up. Could we set up a session with our IT lead so he can ask the technical questions? Early next week would be ideal.\n\nBest\nFelix\n\n-----Original Message-----\nFrom: Sarah Lin <sarah@acme.io>\nSent: Thursday, January 15, 2026 4:02 PM\nTo: Felix Braun <f.braun@holzmann.de>\nSubject: Checking in\n\nHi Felix, just checking in on my last note. Would it make sense to reconnect this quarter?\nSarah" },
  { id: "h3-mtg-12", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "jess@loopdesk.co", subject: "Re: quick q", body: "what does your thursday look like? could hop on a quick call around 4" },
  { id: "h3-mtg-13", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "p.raman@westcoastbio.com", subject: "Re: Sample tracking", body: "Mon 11am or Tue 2pm PT work for me. Let me know which one." },
  { id: "h3-mtg-14", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "e.larsen@danskbyg.dk", subject: "Re: Cost control", body: "Yes, a demo would be useful. Please book 45 minutes with me and our head of finance, any day next week except Monday." },
  { id: "h3-mtg-15", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "j.moreau@alpes-energie.fr", subject: "Re: Maintenance planning", body: "Hello, we are intrested to discuss. Is it possible to organize a visio conference next week ? I am available on tuesday and wednesday.\n\nJulien" },
  { id: "h3-mtg-16", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "l.fernandes@portobay.pt", subject: "Re: Guest upsell", body: "Sounds good. Let's do a call after Easter — send me two or three options." },
  { id: "h3-mtg-17", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "w.dejong@maasport.nl", subject: "Re: Yard planning", body: "Can you come by our office in Rotterdam? We prefer to meet vendors in person before anything else. Any day in the week of the 20th works." },
  { id: "h3-mtg-18", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "amy.c@willowcreekfarms.com", subject: "Re: Irrigation data", body: "I've got 30 mins at 2:30 today if that's not too short notice." },
  { id: "h3-mtg-19", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "dave@rustbeltfab.com", subject: "Re: Shop floor", body: "Ya let's chat. Thursday?" },
  { id: "h3-mtg-20", intent: "MEETING_REQUEST", action: "DRAFT_REPLY", from: "s.kaplan@meridianlaw.com", subject: "Re: Matter budgeting", body: "Budget is tight this year, but I'm willing to listen. Before we go further I'd want a proper walkthrough of the reporting module with my team. When are you free?" },

  // ---- QUESTION ----
  { id: "h3-q-01", intent: "QUESTION", action: "DRAFT_REPLY", from: "b.tran@pacificparts.com", subject: "Re: Order sync", body: "Quick one: do you integrate with NetSuite out of the box or is that custom work?" },
  { id: "h3-q-02", intent: "QUESTION", action: "DRAFT_REPLY", from: "h.richter@richter-steuer.de", subject: "Re: Document capture", body: "What's the pricing for ~50 users? And is there a minimum term?" },
  { id: "h3-q-03", intent: "QUESTION", action: "DRAFT_REPLY", from: "k.vogt@vogt-automotive.de", subject: "Re: Shift planning", body: "Hi, does your platform store data in the EU? We cannot use US-hosted tools because of our works council.\n\nThanks, Katrin" },
  { id: "h3-q-04", intent: "QUESTION", action: "DRAFT_REPLY", from: "g.ramos@andinadist.co", subject: "Re: Inventory", body: "How long does a typical implementation take for a company with 3 warehouses?" },
  { id: "h3-q-05", intent: "QUESTION", action: "DRAFT_REPLY", from: "n.shah@kitekart.in", subject: "Re: Order capture", body: "Is there an API we could use to push orders from our own system? Our devs would want to see docs before anything else." },
  { id: "h3-q-06", intent: "QUESTION", action: "DRAFT_REPLY", from: "c.dunn@tristatemutual.com", subject: "Re: Claims triage", body: "Thanks Tom. Before I take this to my boss — are you SOC 2 Type II certified, and can you share the report under NDA?" },
  { id: "h3-q-07", intent: "QUESTION", action: "DRAFT_REPLY", from: "rob@gridlinemedia.com", subject: "Re: Outbound", body: "How is this different from HubSpot's built-in sequences? Genuinely asking, we already pay for HubSpot." },
  { id: "h3-q-08", intent: "QUESTION", action: "DRAFT_REPLY", from: "s.meier@bergkaese.ch", subject: "Re: Invoicing", body: "can it handle multiple currencys? we invoice in EUR, CHF and GBP" },
  { id: "h3-q-09", intent: "QUESTION", action: "DRAFT_REPLY", from: "a.kovacs@danubepharma.hu", subject: "Re: Batch records", body: "Who are some of your customers in the pharma space? References would help a lot with internal approval." },
  { id: "h3-q-10", intent: "QUESTION", action: "DRAFT_REPLY", from: "director@hopefoodbank.org", subject: "Re: Volunteer scheduling", body: "Do you offer discounts for non-profits?" },
  { id: "h3-q-11", intent: "QUESTION", action: "DRAFT_REPLY", from: "m.yildiz@anatolia-tekstil.com.tr", subject: "Re: Mobile sales app", body: "Hello, I have some questions.\n1) Is the mobile app available for Android?\n2) Can we use our own SSO (Azure AD)?\n3) What languages are supported in the interface?\nThank you,\nMehmet" },
  { id: "h3-q-12", intent: "QUESTION", action: "DRAFT_REPLY", from: "p.oconnor@liffeyinsure.ie", subject: "Re: Policy admin", body: "Interesting. What happens with our data if we cancel the subscription?" },
  { id: "h3-q-13", intent: "QUESTION", action: "DRAFT_REPLY", from: "emma.w@cornerstoneretail.com", subject: "Re: Store permissions", body: "Hi Jonas,\n\nThanks for the details. One thing I couldn't find on your site: do you support role-based permissions per store, so that a store manager only sees their own location?\n\nRegards,\nEmma\n\nOn 12 Jan 2026, at 14:03, Jonas Weber <jonas@acme.io> wrote:\n\n> Hi Emma,\n> as promised, here is the overview of our retail module. Let me know if you have any questions.\n> Jonas" },
  { id: "h3-q-14", intent: "QUESTION", action: "DRAFT_REPLY", from: "t.baker@bakerjoinery.co.uk", subject: "Re: Quote", body: "Is the price per user per month or per year? Your email wasn't clear on that." },
  { id: "h3-q-15", intent: "QUESTION", action: "DRAFT_REPLY", from: "u.schwarz@schwarz-elektro.de", subject: "Re: Service-Portal", body: "Wie funktioniert die Abrechnung? Sorry, in English: how does billing work, monthly or annual upfront?" },
  { id: "h3-q-16", intent: "QUESTION", action: "DRAFT_REPLY", from: "j.dupuis@gaz-services.fr", subject: "Re: Field technicians", body: "Does the tool work offline? Our technicians are often in basements without signal." },
  { id: "h3-q-17", intent: "QUESTION", action: "DRAFT_REPLY", from: "ops@fleetpulse.io", subject: "Re: Reliability", body: "What's your uptime SLA and do you have a public status page?" },
  { id: "h3-q-18", intent: "QUESTION", action: "DRAFT_REPLY", from: "r.lehmann@lehmann-moebel.de", subject: "Re: ERP connector", body: "We're on SAP Business One. Would that be supported, or only S/4HANA?" },
  { id: "h3-q-19", intent: "QUESTION", action: "DRAFT_REPLY", from: "kim@sproutpayroll.com", subject: "Re: Payroll checks", body: "Do you have a free trial? And if so how long" },
  { id: "h3-q-20", intent: "QUESTION", action: "DRAFT_REPLY", from: "legal@harbourtrust.com.au", subject: "Re: Data processing", body: "Before anything else I need to know whether you can sign our DPA as-is. Can you?" },

  // ---- OBJECTION ----
  { id: "h3-obj-01", intent: "OBJECTION", action: "DRAFT_REPLY", from: "m.reid@clearpathsales.com", subject: "Re: Call analytics", body: "Honestly we just renewed with Gong for two years, so I don't see us switching anytime soon." },
  { id: "h3-obj-02", intent: "OBJECTION", action: "DRAFT_REPLY", from: "j.hofer@tirolhotels.at", subject: "Re: Guest app", body: "It looks nice but €30 per seat is way more than we can justify for a team our size." },
  { id: "h3-obj-03", intent: "OBJECTION", action: "DRAFT_REPLY", from: "i.popescu@carpatbank.ro", subject: "Re: Reporting", body: "Our IT department only allows tools that run on Azure. I don't think you do, right?" },
  { id: "h3-obj-04", intent: "OBJECTION", action: "DRAFT_REPLY", from: "f.costa@mineirologistica.br", subject: "Re: Tracking", body: "We've been burned by startups before — two of our vendors went bust last year. What guarantees would we have?" },
  { id: "h3-obj-05", intent: "OBJECTION", action: "DRAFT_REPLY", from: "b.hughes@statewidepower.com", subject: "Re: Outage comms", body: "I'd have to get this past legal and procurement and that usually takes 6+ months. Not sure it's worth your time." },
  { id: "h3-obj-06", intent: "OBJECTION", action: "DRAFT_REPLY", from: "a.lambert@cliniquesaintluc.be", subject: "Re: Intake", body: "The thing is our data is extremely sensitive (patient records) and I can't imagine our DPO agreeing to a cloud tool." },
  { id: "h3-obj-07", intent: "OBJECTION", action: "DRAFT_REPLY", from: "hello@fernandfig.studio", subject: "Re: Project tracking", body: "We're a small team of four. This feels like overkill for us." },
  { id: "h3-obj-08", intent: "OBJECTION", action: "DRAFT_REPLY", from: "k.ng@lionrockprop.hk", subject: "Re: Leasing", body: "Interesting, but we're in the middle of a reorg and nobody can commit to anything new until things settle." },
  { id: "h3-obj-09", intent: "OBJECTION", action: "DRAFT_REPLY", from: "d.murray@highlandwhisky.co.uk", subject: "Re: Distillery ops", body: "Budget for this year is already allocated, unfortunately. Any new spend would need CFO sign-off and he's not in a generous mood." },
  { id: "h3-obj-10", intent: "OBJECTION", action: "DRAFT_REPLY", from: "p.lefevre@bretagne-conserves.fr", subject: "Re: Planification", body: "Bonjour,\n\nNous utilisons déjà une solution interne. Sorry for my english. We have already a tool developed by our IT, so it is difficult to change.\n\nPierre Lefèvre" },
  { id: "h3-obj-11", intent: "OBJECTION", action: "DRAFT_REPLY", from: "s.bauer@bauer-kliniken.de", subject: "Re: Rota planning", body: "The last tool like this we rolled out, nobody used it after the first month. I'm wary of doing that again." },
  { id: "h3-obj-12", intent: "OBJECTION", action: "DRAFT_REPLY", from: "t.akande@lekkihomes.ng", subject: "Re: Sales automation", body: "I'm not the one who signs off on this — our COO does — and she's very sceptical of AI tools in general." },
  { id: "h3-obj-13", intent: "OBJECTION", action: "DRAFT_REPLY", from: "n.fischer@fischer-druck.de", subject: "Re: Angebot", body: "Your competitor quoted us almost half of that." },
  { id: "h3-obj-14", intent: "OBJECTION", action: "DRAFT_REPLY", from: "a.sato@kansai-denki.jp", subject: "Re: Dynamics integration", body: "The integration with Dynamics looks half-baked from what I saw in the docs. Unless that's fixed it's a no-go for us." },
  { id: "h3-obj-15", intent: "OBJECTION", action: "DRAFT_REPLY", from: "r.perez@valenciafruits.es", subject: "Re: Contract", body: "We like the product but the 3-year minimum contract is a dealbreaker. We never commit beyond 12 months." },
  { id: "h3-obj-16", intent: "OBJECTION", action: "DRAFT_REPLY", from: "p.zielinski@gdanskmetal.pl", subject: "Re: Quality inspections", body: "Hi Tom,\n\nappreciate the follow up. To be frank, our team is already stretched thin with the ERP rollout and adding another system right now would just create more work. The idea itself isn't bad.\n\nBR\nPiotr" },
  { id: "h3-obj-17", intent: "OBJECTION", action: "DRAFT_REPLY", from: "jordan@peakperformance.fit", subject: "Re: Member retention", body: "You're the third vendor this month pitching this. The others couldn't show any ROI either, so forgive me if I'm sceptical." },
  { id: "h3-obj-18", intent: "OBJECTION", action: "DRAFT_REPLY", from: "m.wagner@lagerhaus-wagner.at", subject: "Re: Picking app", body: "We need it in German for our warehouse staff, and as far as I can see you only offer English." },
  { id: "h3-obj-19", intent: "OBJECTION", action: "DRAFT_REPLY", from: "it-sec@royalportsmouth.nhs.uk", subject: "Re: Browser plugin", body: "Price is fine but our security team will not allow any browser extension to be installed. That kills it for now." },
  { id: "h3-obj-20", intent: "OBJECTION", action: "DRAFT_REPLY", from: "luis@tacoshermanos.mx", subject: "Re: Inventory counts", body: "Meh. We tried to automate this with another vendor and went back to spreadsheets. Don't see why it'd be different with yours." },

  // ---- NOT_INTERESTED ----
  { id: "h3-ni-01", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "c.walsh@galwaybay.ie", subject: "Re: Energy monitoring", body: "No thanks." },
  { id: "h3-ni-02", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "a.petit@petit-assurances.fr", subject: "Re: Renewals", body: "Not something we're looking at. Thanks anyway." },
  { id: "h3-ni-03", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "h.koch@koch-transporte.de", subject: "Re: Disposition", body: "Hi, we are fine with how we do this today. Please don't take it personally.\n\nRegards\nHelmut Koch" },
  { id: "h3-ni-04", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "nina@wildflowercatering.com", subject: "Re: Event ordering", body: "Thanks for thinking of us but we'll sit this one out." },
  { id: "h3-ni-05", intent: "NOT_INTERESTED", action: "SCHEDULE_FOLLOW_UP", from: "z.ali@karachitextile.pk", subject: "Re: Looms", body: "Not now. Try me again in Q3." },
  { id: "h3-ni-06", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "h.lund@lundtrae.dk", subject: "Re: Timber tracking", body: "We have decided to not move forward.\n\nBest regards,\nHanna" },
  { id: "h3-ni-07", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "skate@boardroomskate.com", subject: "Re: POS", body: "nope, not for us" },
  { id: "h3-ni-08", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "m.gil@gilconstrucciones.es", subject: "Re: Obras", body: "No gracias, no nos interesa." },
  { id: "h3-ni-09", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "s.odonnell@odonnellpartners.com", subject: "Re: Billing automation", body: "Appreciate it, but it's a no from our side." },
  { id: "h3-ni-10", intent: "NOT_INTERESTED", action: "SCHEDULE_FOLLOW_UP", from: "g.bianchi@bianchivini.it", subject: "Re: Cellar management", body: "Timing's bad — reach out again after the summer and we can see." },
  { id: "h3-ni-11", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "e.virtanen@suomiwood.fi", subject: "Re: Proposal", body: "Dear Mr. Becker,\n\nWe discussed your proposal in the management meeting and it was decided that we will not proceed. Thank you for your efforts.\n\nYours sincerely,\nEero Virtanen" },
  { id: "h3-ni-12", intent: "NOT_INTERESTED", action: "SCHEDULE_FOLLOW_UP", from: "r.king@kingsbridgeacademy.org", subject: "Re: Parent portal", body: "Not a priority for us this year. Feel free to check back in January." },
  { id: "h3-ni-13", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "zoe@zestdigital.co.nz", subject: "Re: Reporting", body: "I don't think this is something we'd ever use, to be honest." },
  { id: "h3-ni-14", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "b.morgan@morganmotors.com", subject: "Re: Service bookings", body: "Thanks, but no. We're all set." },
  { id: "h3-ni-15", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "k.hartmann@hartmann-gmbh.de", subject: "Re: Ihre Lösung", body: "Danke für Ihre Nachricht, aber wir haben kein Interesse." },
  { id: "h3-ni-16", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "l.ross@rosslanddesign.ca", subject: "Re: Asset library", body: "We went with another provider. Good luck with everything." },
  { id: "h3-ni-17", intent: "NOT_INTERESTED", from: "y.cohen@telavivtech.co.il", subject: "Re: Secrets scanning", body: "I'll pass for now. Maybe next year." },
  { id: "h3-ni-18", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "s.obi@obiandsons.co.uk", subject: "Re: Job costing", body: "Hi Sarah, we looked at it with the team and it doesn't fit what we are doing right now. Thank you for your time and all the best." },
  { id: "h3-ni-19", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "m.rossi@rossi-ingegneria.it", subject: "Re: BIM", body: "No interest at this time.\n\nKind regards,\nM. Rossi\n\nSent from my iPhone" },
  { id: "h3-ni-20", intent: "NOT_INTERESTED", action: "ARCHIVE", from: "a.holm@holmlager.se", subject: "RE: Warehouse scanning", body: "Hello Tom,\n\nThank you for the follow-ups. We won't be taking this further.\n\nRegards,\nAnders\n\nFrom: Tom Becker <tom@acme.io>\nSent: 2 March 2026 09:10\nTo: Anders Holm <a.holm@holmlager.se>\nSubject: RE: Warehouse scanning\n\nHi Anders, did you get a chance to look at the proposal? Happy to answer any questions.\nTom" },

  // ---- UNSUBSCRIBE ----
  { id: "h3-uns-01", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "j.barker@barkerhomes.co.uk", subject: "Re: Site visits", body: "Could you please take my name off your distribution list? Thanks." },
  { id: "h3-uns-02", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "info@mosaic-tiles.com", subject: "Unsubscribe", body: "Unsubscribe" },
  { id: "h3-uns-03", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "tony@tonysplumbing.com", subject: "Re: Dispatch", body: "pls stop with the emails" },
  { id: "h3-uns-04", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "w.krause@krause-immobilien.de", subject: "Re: Mieterportal", body: "Bitte streichen Sie meine Adresse aus Ihrem Adressbestand." },
  { id: "h3-uns-05", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "c.mercier@mercier-avocats.fr", subject: "Re: Gestion documentaire", body: "Merci de ne plus m'envoyer de mails." },
  { id: "h3-uns-06", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "r.navarro@navarrologistica.es", subject: "Re: Rutas", body: "Por favor, no me envíen más correos." },
  { id: "h3-uns-07", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "d.kim@seoulsemicon.kr", subject: "Re: Wafer tracking", body: "Please stop following up, we're not interested." },
  { id: "h3-uns-08", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "p.grant@grantfarms.com.au", subject: "Re: Re: Harvest planning", body: "Not interested. Take me off whatever list you got my address from." },
  { id: "h3-uns-09", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "l.mahler@mahler-audio.at", subject: "Re: Dealer network", body: "I never signed up for this. Delete my contact details." },
  { id: "h3-uns-10", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "privacy.request@gmail.com", subject: "GDPR request", body: "Under GDPR Art. 17 I request the erasure of all my personal data held by your company, and that you cease contacting me." },
  { id: "h3-uns-11", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "a.okoye@okoyeholdings.ng", subject: "Re: Treasury", body: "Kindly do not contact me again regarding this matter." },
  { id: "h3-uns-12", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "sam@samsbikes.com", subject: "Re: Inventory", body: "opt out" },
  { id: "h3-uns-13", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "g.brandt@brandt-metall.de", subject: "Re: Produktionsplanung", body: "Ich möchte keine weiteren E-Mails von Ihnen erhalten.\n\nMit freundlichen Grüßen\nGerd Brandt" },
  { id: "h3-uns-14", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "m.leroy@leroy-batiment.fr", subject: "Re: Chantiers", body: "Veuillez me désinscrire de vos communications, merci." },
  { id: "h3-uns-15", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "c.ortega@ortegahermanos.es", subject: "Re: Facturación", body: "Dar de baja, por favor." },
  { id: "h3-uns-16", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "k.brooks@brooksandco.com", subject: "Re: Following up again", body: "Fifth email in two weeks. Enough — no more please." },
  { id: "h3-uns-17", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "e.duarte@duartevinhos.pt", subject: "Re: Export paperwork", body: "Hi Tom, I'd appreciate it if you'd stop contacting me. I've said no twice already." },
  { id: "h3-uns-18", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "office@lindner-partner.at", subject: "Re: Kanzleisoftware", body: "Remove this address from your mailing. Thank you." },
  { id: "h3-uns-19", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "f.wolff@wolff-apotheke.de", subject: "Re: Warenwirtschaft", body: "Bitte keine Werbung mehr an diese Adresse." },
  { id: "h3-uns-20", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "ceo@ironcladsecurity.com", subject: "Re: Pen testing", body: "STOP" },
  { id: "h3-uns-21", intent: "UNSUBSCRIBE", action: "SUPPRESS", from: "j.reyes@reyes-consulting.mx", subject: "Re: Follow up", body: "This is the fifth email after I asked you to stop. If it happens again I will report you to the regulator. Lose my email." },

  // ---- OUT_OF_OFFICE ----
  { id: "h3-ooo-01", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "m.kessler@kessler-logistik.de", subject: "Automatic reply: Re: Fleet data", body: "Thank you for your message. I am out of the office until Monday 16 March with limited access to email. For urgent matters please contact my colleague Lisa Brandt at l.brandt@kessler-logistik.de." },
  { id: "h3-ooo-02", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "n.shaw@shawengineering.com", subject: "Re: Pricing", body: "Hi Tom – I'm travelling for work until the 20th, I'll get back to you properly when I'm back at my desk." },
  { id: "h3-ooo-03", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "b.mueller@mueller-bau.de", subject: "Abwesenheitsnotiz: Ihre Anfrage", body: "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 28.03. nicht im Büro und habe keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden Sie sich bitte an zentrale@mueller-bau.de." },
  { id: "h3-ooo-04", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "s.blanc@blanc-conseil.fr", subject: "Re: Proposition", body: "Bonjour,\n\nJe suis absente du bureau jusqu'au 2 avril inclus. Pour toute demande urgente, merci de contacter Marc Dubois (m.dubois@blanc-conseil.fr).\n\nSophie Blanc" },
  { id: "h3-ooo-05", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "a.vidal@vidalhoteles.es", subject: "Re: Propuesta", body: "Gracias por su mensaje. Estoy fuera de la oficina hasta el 10 de abril, con acceso limitado al correo. Responderé a mi regreso." },
  { id: "h3-ooo-06", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "c.ford@brightwave.io", subject: "Re: Onboarding flows", body: "On parental leave until September. Please reach out to Jamie Ford (jamie.ford@brightwave.io) in the meantime." },
  { id: "h3-ooo-07", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "p.jensen@nordsoe.dk", subject: "Re: Vessel reports", body: "I'm currently on vacation and will be back on 6 January. I'll reply when I return." },
  { id: "h3-ooo-08", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "t.wright@wrightventures.com", subject: "Re: Portfolio monitoring", body: "Auto-reply: I'm at SaaStr this week and slow on email. Back in the office Monday." },
  { id: "h3-ooo-09", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "gus@lakeshorebait.com", subject: "Re: Online store", body: "Gone fishing 🎣 — back on the 14th." },
  { id: "h3-ooo-10", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "j.vogel@vogel-design.de", subject: "Re: Kundenportal", body: "Ich bin im Urlaub und ab dem 7. April wieder erreichbar.\n\nMit freundlichen Grüßen\nJana Vogel" },
  { id: "h3-ooo-11", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "l.garnier@garnier-vins.fr", subject: "Re: Logistique", body: "Je suis en congés jusqu'au 25 août. Je traiterai votre message à mon retour." },
  { id: "h3-ooo-12", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "m.solis@solmar.es", subject: "Re: Reservas", body: "Estaré de vacaciones del 1 al 15 de agosto sin acceso al correo electrónico. Para asuntos urgentes, escriba a info@solmar.es." },
  { id: "h3-ooo-13", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "k.ahmed@ahmedtrading.ae", subject: "Re: Trade finance", body: "Thanks for your email. I'm on sick leave at the moment and don't know yet when I'll be back. Your message will not be forwarded." },
  { id: "h3-ooo-14", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "r.patel@patelpharmacy.co.uk", subject: "Re: Stock alerts", body: "Hi, thanks — I'm off until next Tuesday, will look at this properly then.\n\nSent from my phone" },
  { id: "h3-ooo-15", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "d.evans@evansconsulting.com", subject: "Re: Workshop", body: "I am currently out of the office attending a customer workshop and will have intermittent access to email. I will respond as soon as possible upon my return on Thursday." },
  { id: "h3-ooo-16", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "a.lindqvist@lindqvist.se", subject: "Re: Design review", body: "Please note I'm not checking this inbox daily while I'm on sabbatical (until June 2026). For anything urgent contact office@lindqvist.se." },
  { id: "h3-ooo-17", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "y.sato@sato-trading.jp", subject: "Re: Import data", body: "Hello, I am in business trip to China until 15.04 and can not answer fast. Regards, Yuki" },
  { id: "h3-ooo-18", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "m.huber@huber-holz.de", subject: "Re: Angebot", body: "Bin bis Montag unterwegs, melde mich danach." },
  { id: "h3-ooo-19", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "c.young@youngarchitects.com", subject: "Out of Office: Re: Demo", body: "I'm out today. Back tomorrow." },
  { id: "h3-ooo-20", intent: "OUT_OF_OFFICE", action: "SCHEDULE_FOLLOW_UP", from: "l.torres@torresabogados.es", subject: "Re: Gestión de expedientes", body: "Estoy de baja por maternidad hasta el 30 de noviembre." },

  // ---- REFERRAL ----
  { id: "h3-ref-01", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "mark.jensen@hollandia.nl", from: "p.devries@hollandia.nl", subject: "Re: Data quality", body: "You want Mark Jensen for this, he runs our data team. mark.jensen@hollandia.nl" },
  { id: "h3-ref-02", intent: "REFERRAL", action: "DRAFT_REPLY", from: "e.roux@roux-industrie.fr", subject: "Re: IT asset management", body: "I'm not the right person but I've copied in our IT manager, Chloé Martin, who can help." },
  { id: "h3-ref-03", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "ravi.kumar@bharatsteel.in", from: "a.menon@bharatsteel.in", subject: "Re: Procurement", body: "Hi Tom, I moved to a different role last month. The person now responsible for procurement is Ravi Kumar (ravi.kumar@bharatsteel.in)." },
  { id: "h3-ref-04", intent: "REFERRAL", action: "DRAFT_REPLY", from: "j.santos@madridmedia.es", subject: "Re: Licencias", body: "Please speak to my colleague Ana Ruiz — she handles all software purchases for the Madrid office." },
  { id: "h3-ref-05", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "ben@craftyhops.co", from: "kate@craftyhops.co", subject: "Re: Campaigns", body: "This would be for our marketing side. Looping in Ben (ben@craftyhops.co) who makes those calls." },
  { id: "h3-ref-06", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "priya@medinsight.ai", from: "sam@medinsight.ai", subject: "Re: Model monitoring", body: "Not me — try our CTO, Priya. priya@medinsight.ai" },
  { id: "h3-ref-07", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "gustavo.lima@riofrete.com.br", from: "c.souza@riofrete.com.br", subject: "Re: Freight costs", body: "I'm in finance, this belongs with operations. Their director is Gustavo Lima, gustavo.lima@riofrete.com.br. Feel free to mention my name." },
  { id: "h3-ref-08", intent: "REFERRAL", action: "DRAFT_REPLY", from: "m.grey@greyhavenbank.com", subject: "Re: Vendor risk", body: "Adding @Sophie Turner who owns the vendor budget for this. Sophie, see below." },
  { id: "h3-ref-09", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "s.huber@zeller-gruppe.de", from: "t.lang@zeller-gruppe.de", subject: "Re: Einkauf", body: "Our purchasing goes through the group HQ in Munich. The contact there is Dr. Stefan Huber, s.huber@zeller-gruppe.de." },
  { id: "h3-ref-10", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "t.kowalski@polmet.pl", from: "k.wojcik@polmet.pl", subject: "Re: Software for maintenance", body: "Hello, thank you. For these topics the responsible is Mr. Kowalski from our IT department, his mail is t.kowalski@polmet.pl.\n\nBest regards" },
  { id: "h3-ref-11", intent: "REFERRAL", action: "DRAFT_REPLY", from: "chris@northstarsaas.com", subject: "Re: Forecast accuracy", body: "You should talk to whoever runs RevOps here — that's Jenna Park. I'll forward your email to her." },
  { id: "h3-ref-12", intent: "REFERRAL", action: "DRAFT_REPLY", from: "m.berg@bergfjord.no", subject: "Re: Employee surveys", body: "I've forwarded this to our head of HR, Lars Eriksen. He'll reach out if it's of interest." },
  { id: "h3-ref-13", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "info@brightwave.io", from: "l.young@brightwave.io", subject: "Re: Analytics", body: "I left Brightwave in December. Please contact info@brightwave.io or my successor Tom Lee." },
  { id: "h3-ref-14", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "nikos@aegeanfoods.gr", from: "g.papadopoulos@aegeanfoods.gr", subject: "Re: cold chain", body: "wrong guy, sorry. nikos@aegeanfoods.gr is who you want" },
  { id: "h3-ref-15", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "m.wolf@northpeak.com", from: "h.clarke@northpeak.com", subject: "Re: Territory planning", body: "Hi Sarah, I only cover the UK. For the DACH region please reach out to Markus Wolf (m.wolf@northpeak.com)." },
  { id: "h3-ref-16", intent: "REFERRAL", action: "DRAFT_REPLY", from: "d.irwin@irwinfinancial.com", subject: "Re: Access reviews", body: "Thanks. Our CISO, Helen Ward, would need to be involved from the start — I've cc'd her here." },
  { id: "h3-ref-17", intent: "REFERRAL", action: "DRAFT_REPLY", from: "meg.h@lumenapps.com", subject: "Re: Churn signals", body: "Hi,\n\nI'm passing this to Daniel Cho, our Director of Customer Success, who is looking at exactly this problem. Daniel – Sarah's note is below.\n\nBest,\nMeg\n\nOn Wed, Feb 4, 2026 at 3:21 PM Sarah Lin <sarah@acme.io> wrote:\n> Hi Meg,\n> we help SaaS teams spot churn risk 60 days earlier. Would this be relevant for your CS team?\n> Sarah" },
  { id: "h3-ref-18", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "a.becker@stadtwerke-nord.de", from: "p.klein@stadtwerke-nord.de", subject: "Re: Zählerdaten", body: "Es tut mir leid, dafür bin ich nicht zuständig. Please contact Frau Becker, a.becker@stadtwerke-nord.de." },
  { id: "h3-ref-19", intent: "REFERRAL", action: "DRAFT_REPLY", referralEmail: "owen.price@harbourhome.co.uk", from: "r.jones@harbourhome.co.uk", subject: "Re: Product feeds", body: "This sits with our ecommerce team rather than me. Speak with Owen Price, owen.price@harbourhome.co.uk" },
  { id: "h3-ref-20", intent: "REFERRAL", action: "DRAFT_REPLY", from: "zhang.min@shenzhenled.cn", subject: "Re: Quality data", body: "the person you need is our ops manager Li Wei. he's cc'd" },

  // ---- OTHER ----
  { id: "h3-oth-01", intent: "OTHER", action: "ARCHIVE", from: "f.ruiz@ruizmarmol.es", subject: "Re: Docs", body: "Thanks, got it." },
  { id: "h3-oth-02", intent: "OTHER", action: "ARCHIVE", from: "a.weber@weber-ag.ch", subject: "Re: Our call", body: "Received with thanks. I'll be in touch." },
  { id: "h3-oth-03", intent: "OTHER", action: "ARCHIVE", from: "jim@fairwaygolf.com", subject: "Re: Happy holidays", body: "Happy new year to you too, Tom!" },
  { id: "h3-oth-04", intent: "OTHER", action: "ARCHIVE", from: "accounts@kellyfreight.ie", subject: "Re: Invoice 4471", body: "Invoice attached as requested." },
  { id: "h3-oth-05", intent: "OTHER", action: "ARCHIVE", from: "s.iyer@iyerlegal.in", subject: "Re: NDA", body: "The signed NDA is attached." },
  { id: "h3-oth-06", intent: "OTHER", action: "ARCHIVE", from: "b.short@shortandco.com", subject: "Re: News", body: "Congrats on the funding round!" },
  { id: "h3-oth-07", intent: "OTHER", action: "ARCHIVE", from: "h.ward@wardandward.co.uk", subject: "Re: Coffee", body: "Thanks for the coffee last week, it was good to catch up. Say hello to Marcus." },
  { id: "h3-oth-08", intent: "OTHER", action: "ARCHIVE", from: "p.chan@chanelectrical.hk", subject: "Re: Update", body: "Noted." },
  { id: "h3-oth-09", intent: "OTHER", action: "ARCHIVE", from: "admin@vandijkarchitecten.nl", subject: "Re: Billing address", body: "We've moved offices — please update our billing address to Keizersgracht 120, Amsterdam." },
  { id: "h3-oth-10", intent: "OTHER", action: "ARCHIVE", from: "t.moss@mossgardens.com", subject: "Re: Schedule", body: "Sorry, my mistake — I replied to the wrong thread. Please ignore." },
  { id: "h3-oth-11", intent: "OTHER", action: "ARCHIVE", from: "k.lee@leeandpartners.sg", subject: "Re: Slides", body: "👍" },
  { id: "h3-oth-12", intent: "OTHER", action: "ARCHIVE", from: "r.hansen@hansenmaskin.no", subject: "Re: Introduction", body: "Ha, small world — I used to work with your CEO at Siemens." },
];
