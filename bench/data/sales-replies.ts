// Hand-written, hand-labelled replies to B2B sales outreach, for `npm run eval`.
// Written and labelled BEFORE the local classifier was built or tuned, and
// committed in a separate commit so the history shows it; do not relabel a
// message to make the classifier look better. Names and companies are
// invented. Labelling rule: the label is the reply's main intent — a reply
// that is positive AND asks a specific question is QUESTION; one that proposes
// or asks for a time to talk is MEETING_REQUEST; one that points to another
// person is REFERRAL; any wish to stop receiving mail is UNSUBSCRIBE.
import type { InboundIntent } from "../../src/ai/prompts/inbound-analysis.js";

export interface LabelledReply {
  id: string;
  intent: InboundIntent;
  from: string;
  subject: string;
  body: string;
}

export const SALES_REPLIES: LabelledReply[] = [
  // ---- INTERESTED ----
  { id: "int-01", intent: "INTERESTED", from: "maria.keller@lumatech.io", subject: "Re: Cutting onboarding time at Lumatech", body: "Hi Tom,\n\nThis sounds very relevant for us. We are scaling the support team this quarter and onboarding is exactly where we struggle. Happy to learn more.\n\nBest,\nMaria" },
  { id: "int-02", intent: "INTERESTED", from: "j.osei@brightline.co.uk", subject: "Re: Quick idea for Brightline", body: "Thanks for reaching out, the timing is actually good. Send over whatever material you have and I'll share it with my team.\n\nJames" },
  { id: "int-03", intent: "INTERESTED", from: "lena@fjordworks.no", subject: "Re: Reporting automation", body: "Interesting! We've been looking for something like this for a while. Count me in for the pilot.\n\n— Lena" },
  { id: "int-04", intent: "INTERESTED", from: "pwright@northgatelogistics.com", subject: "RE: Fleet visibility", body: "Hello,\n\nYes, we would be interested. Our current vendor contract ends in March so this is on our radar. Please keep me posted.\n\nRegards,\nPaul Wright\nHead of Operations" },
  { id: "int-05", intent: "INTERESTED", from: "anika.s@verdantlabs.de", subject: "Re: Verdant + your platform", body: "Hi,\n\nsounds great, I like what I see on your website. I'd love to see a demo recording if you have one.\n\nThanks\nAnika" },
  { id: "int-06", intent: "INTERESTED", from: "carlos.m@ventanaretail.mx", subject: "Re: Inventory forecasting", body: "Carlos here. We are definitely open to it. Our forecasting is still done in spreadsheets, so any improvement helps. Looking forward to hearing more." },
  { id: "int-07", intent: "INTERESTED", from: "h.tanaka@kiyomi-systems.jp", subject: "Re: Security reviews", body: "Thank you for the note. This is something our CISO has been asking about. I've forwarded your email internally and we would like to continue the conversation.\n\nBest regards,\nHiro Tanaka" },
  { id: "int-08", intent: "INTERESTED", from: "sophie.b@cloudnest.fr", subject: "Re: Your message", body: "Yes please! Very keen on this.\nSophie" },
  { id: "int-09", intent: "INTERESTED", from: "dgreen@harborhealthpartners.org", subject: "Re: Patient intake", body: "Hi Tom, good timing — we are reviewing intake tools right now and yours looks promising. Let's keep talking.\n\nDana Green" },
  { id: "int-10", intent: "INTERESTED", from: "r.ahmed@quantaforge.ai", subject: "Re: GPU cost controls", body: "Hey, this caught my attention. We burned way too much on idle clusters last month. I'm interested in how your approach compares to what we do today.\n\nRami" },
  { id: "int-11", intent: "INTERESTED", from: "eva.lindqvist@nordbank.se", subject: "Re: Compliance reporting", body: "Dear Tom,\n\nThank you for your message. We find the proposal interesting and would like to receive the product brochure and a reference customer in banking.\n\nKind regards,\nEva Lindqvist" },
  { id: "int-12", intent: "INTERESTED", from: "mike@pinecrestdental.com", subject: "Re: Scheduling", body: "sure, sounds good. send me more info\n\nsent from my phone" },

  // ---- MEETING_REQUEST ----
  { id: "mtg-01", intent: "MEETING_REQUEST", from: "k.novak@strata-analytics.cz", subject: "Re: Data pipeline reliability", body: "Hi Tom,\n\nLet's set up a call. Would Tuesday at 10am CET work for you?\n\nKarel" },
  { id: "mtg-02", intent: "MEETING_REQUEST", from: "olivia.chen@meridianpay.com", subject: "Re: Fraud rules", body: "Hi,\n\nCan we schedule 30 minutes next week? Thursday or Friday afternoon works best on my side.\n\nOlivia Chen\nVP Risk" },
  { id: "mtg-03", intent: "MEETING_REQUEST", from: "ben.hughes@atlasbuild.com", subject: "RE: Site reporting", body: "Ben here. I'd like to see a demo. Please send me a calendar invite for Monday 2pm EST and include my colleague Sarah.\n\nThanks" },
  { id: "mtg-04", intent: "MEETING_REQUEST", from: "ines.ferreira@solaris-energia.pt", subject: "Re: Field service", body: "Hello Tom,\n\nI am available for a short call on 14 March between 9:00 and 11:00 Lisbon time. Let me know if that suits.\n\nInês" },
  { id: "mtg-05", intent: "MEETING_REQUEST", from: "t.mueller@autohaus-mueller.de", subject: "Re: Lead routing", body: "Hi Tom, happy to chat. Here is my booking link, grab any slot that works: cal.example.com/tmueller\n\nThomas" },
  { id: "mtg-06", intent: "MEETING_REQUEST", from: "nina.patel@brightpath.edu", subject: "Re: Admissions CRM", body: "Could we do a quick Zoom tomorrow morning? I have a gap at 9:30.\n\nNina" },
  { id: "mtg-07", intent: "MEETING_REQUEST", from: "g.rossi@vinoteca-group.it", subject: "Re: Order management", body: "Buongiorno Tom,\n\nthank you. I would prefer to meet in person, we are at the Milan trade fair next week. Can we meet at your booth on Wednesday?\n\nGiulia Rossi" },
  { id: "mtg-08", intent: "MEETING_REQUEST", from: "d.okafor@lagosfintech.ng", subject: "Re: KYC automation", body: "Let's talk. What does your availability look like early next week? I'm free Monday after 3pm WAT.\n\nDavid" },
  { id: "mtg-09", intent: "MEETING_REQUEST", from: "sarah.j@crestviewhotels.com", subject: "Re: Guest messaging", body: "Hi Tom,\n\nI'd be glad to hop on a call with you and our IT lead. Please propose two or three times for next week.\n\nBest,\nSarah Jenkins" },
  { id: "mtg-10", intent: "MEETING_REQUEST", from: "alex.ivanov@polarsoft.ee", subject: "Re: Test automation", body: "Sounds good, let's book a meeting. 20 minutes on Friday 11:00?\n\nAlex" },
  { id: "mtg-11", intent: "MEETING_REQUEST", from: "claire.dubois@maisonlumiere.fr", subject: "Re: Retail analytics", body: "Bonjour Tom,\n\nPlease call me on Thursday afternoon, I will be at my desk from 2pm.\n\nClaire" },

  // ---- QUESTION ----
  { id: "q-01", intent: "QUESTION", from: "jon.berg@tundra-it.com", subject: "Re: Endpoint management", body: "Hi Tom,\n\nWhat does pricing look like for around 400 devices? And is there a minimum contract length?\n\nJon" },
  { id: "q-02", intent: "QUESTION", from: "m.santos@riopharma.br", subject: "Re: Clinical trial data", body: "Hello,\n\nIs your platform validated for GxP, and where is the data hosted?\n\nMarcos Santos" },
  { id: "q-03", intent: "QUESTION", from: "lucy.w@oakleaflegal.co.uk", subject: "Re: Document review", body: "Does it integrate with iManage? That would be a requirement for us.\n\nLucy" },
  { id: "q-04", intent: "QUESTION", from: "p.kowalski@vistula-manufacturing.pl", subject: "Re: Predictive maintenance", body: "Hi,\n\ninteresting, but how long does a typical implementation take and do you need sensors installed on our machines?\n\nPiotr" },
  { id: "q-05", intent: "QUESTION", from: "emma.r@greenleafgrocers.com", subject: "Re: Loyalty program", body: "Hi Tom — do you have any customers in grocery retail we could talk to? Who else uses this?\n\nEmma" },
  { id: "q-06", intent: "QUESTION", from: "ahmed.k@desertstarco.ae", subject: "Re: Procurement", body: "Can you send me your SOC 2 report and the standard MSA? Our procurement team will need both.\n\nThanks,\nAhmed" },
  { id: "q-07", intent: "QUESTION", from: "yuki.s@sakura-media.jp", subject: "Re: Video localisation", body: "Which languages do you support today? We need Japanese, Korean and Thai at minimum." },
  { id: "q-08", intent: "QUESTION", from: "frank.o@ironridge.com", subject: "Re: Safety compliance", body: "Frank here. Quick question before I bring this to the team: is the mobile app available offline? Our crews are often without signal." },
  { id: "q-09", intent: "QUESTION", from: "julia.h@hansen-consult.dk", subject: "Re: Time tracking", body: "Hej Tom,\n\nhow does your tool handle Danish holiday rules and overtime? Is that configurable per employee group?\n\nJulia" },
  { id: "q-10", intent: "QUESTION", from: "s.obrien@cliffsidebank.ie", subject: "Re: Customer onboarding", body: "Hello,\n\nWe're interested in principle. Could you clarify whether you support eIDAS-qualified signatures, and what the per-seat price is?\n\nSean O'Brien" },
  { id: "q-11", intent: "QUESTION", from: "rachel@bluewaveagency.com", subject: "Re: Campaign reporting", body: "what's the difference between your pro and enterprise plans?" },

  // ---- OBJECTION ----
  { id: "obj-01", intent: "OBJECTION", from: "c.fischer@rheinwerk.de", subject: "Re: ERP add-on", body: "Hi Tom,\n\nThanks, but honestly this looks too expensive for a company our size. We don't have budget for another tool this year.\n\nChristian" },
  { id: "obj-02", intent: "OBJECTION", from: "laura.m@summitcpa.com", subject: "Re: Client portal", body: "We already use ClientHub for this and we're locked into a contract until 2026.\n\nLaura" },
  { id: "obj-03", intent: "OBJECTION", from: "kevin.t@redrockmining.com.au", subject: "Re: Asset tracking", body: "Tom, the timing isn't right. We are in the middle of an ERP migration and nobody has bandwidth for a new project until Q3." },
  { id: "obj-04", intent: "OBJECTION", from: "h.lee@seoulbiotech.kr", subject: "Re: Lab inventory", body: "I'm not the decision maker for this and I doubt procurement would approve a new vendor right now. Our security review alone takes six months." },
  { id: "obj-05", intent: "OBJECTION", from: "marta.g@ibericafoods.es", subject: "Re: Supplier portal", body: "Hola Tom,\n\nwe tried a similar tool two years ago and adoption was terrible. I'm sceptical it would be different this time.\n\nMarta" },
  { id: "obj-06", intent: "OBJECTION", from: "w.zhang@eastbridge-trading.cn", subject: "Re: Trade compliance", body: "Your product doesn't support on-premise deployment, which is mandatory for us. Unless that changes, I don't see how we could proceed." },
  { id: "obj-07", intent: "OBJECTION", from: "oliver.p@northwindfreight.com", subject: "Re: Route planning", body: "Hi,\n\nWe built something in-house that does most of this already. Hard to justify paying for it.\n\nOliver" },
  { id: "obj-08", intent: "OBJECTION", from: "anna.k@baltic-shipping.lt", subject: "Re: Port logistics", body: "The price you mentioned is about twice what we pay today. That's a dealbreaker unless there is significant flexibility." },
  { id: "obj-09", intent: "OBJECTION", from: "tyler.b@mapleleafinsure.ca", subject: "Re: Claims automation", body: "Thanks Tom. My concern is data residency: we need everything in Canada and I understand you only host in the US." },
  { id: "obj-10", intent: "OBJECTION", from: "g.weber@alpinesports.at", subject: "Re: Online shop", body: "Maybe, but we just signed with Shopify Plus and switching now would be too much work for my small team." },
  { id: "obj-11", intent: "OBJECTION", from: "priya.n@sunrise-hospitals.in", subject: "Re: Bed management", body: "Dear Tom, our board froze all new IT spending until the next fiscal year. Regards, Priya" },
  { id: "obj-12", intent: "OBJECTION", from: "luke.a@coastalbrewing.com", subject: "Re: Distribution software", body: "Not sure this is a fit. We're only 12 people and it seems built for much larger breweries." },

  // ---- NOT_INTERESTED ----
  { id: "ni-01", intent: "NOT_INTERESTED", from: "s.meyer@kontor-gruppe.de", subject: "Re: Accounts payable", body: "Hi Tom,\n\nThanks but we're not interested.\n\nStefan" },
  { id: "ni-02", intent: "NOT_INTERESTED", from: "jenna.c@hillcrestschools.org", subject: "Re: Parent communication", body: "No thank you, this isn't something we need." },
  { id: "ni-03", intent: "NOT_INTERESTED", from: "m.dupont@cabinet-dupont.fr", subject: "Re: Billing", body: "Bonjour, nous ne sommes pas intéressés. Not interested, thanks." },
  { id: "ni-04", intent: "NOT_INTERESTED", from: "ross.k@granitecap.com", subject: "Re: Deal flow", body: "Pass. We're happy with our current setup and not looking to change anything." },
  { id: "ni-05", intent: "NOT_INTERESTED", from: "e.nakamura@fujimoto-eng.jp", subject: "Re: CAD collaboration", body: "Thank you for your email. After reviewing it internally we have decided not to pursue this. We wish you success.\n\nEri Nakamura" },
  { id: "ni-06", intent: "NOT_INTERESTED", from: "tom.h@valleyfarmsupply.com", subject: "Re: Ordering portal", body: "Not for us. Good luck." },
  { id: "ni-07", intent: "NOT_INTERESTED", from: "iris.v@vanderberg.nl", subject: "Re: HR analytics", body: "Hi Tom, we're going to pass on this one, it's not a priority and won't be in the foreseeable future.\n\nIris" },
  { id: "ni-08", intent: "NOT_INTERESTED", from: "paul.d@stonebridge-ins.com", subject: "RE: Underwriting data", body: "We have no need for this service. Thank you." },
  { id: "ni-09", intent: "NOT_INTERESTED", from: "kate.m@lakesidevets.com", subject: "Re: Appointment reminders", body: "Kate here - we looked at it and decided it's not a fit for our clinic. All the best." },
  { id: "ni-10", intent: "NOT_INTERESTED", from: "a.horvat@adriaticmarine.hr", subject: "Re: Fleet maintenance", body: "We are not looking for any new solutions at this time and don't expect that to change." },

  // ---- UNSUBSCRIBE ----
  { id: "uns-01", intent: "UNSUBSCRIBE", from: "d.smith@westfieldgroup.com", subject: "Re: Quick question", body: "Please remove me from your mailing list." },
  { id: "uns-02", intent: "UNSUBSCRIBE", from: "n.brown@harbourview.co.nz", subject: "unsubscribe", body: "" },
  { id: "uns-03", intent: "UNSUBSCRIBE", from: "f.schulz@mittelstand-it.de", subject: "Re: Ihre Anfrage", body: "Bitte nehmen Sie mich aus Ihrem Verteiler. Ich möchte keine weiteren E-Mails erhalten." },
  { id: "uns-04", intent: "UNSUBSCRIBE", from: "garcia.l@solmarhotels.es", subject: "Re: Guest experience", body: "Stop emailing me." },
  { id: "uns-05", intent: "UNSUBSCRIBE", from: "ken.w@cascadeoutdoors.com", subject: "Re: Following up", body: "This is the fourth email. Take me off your list and do not contact me again." },
  { id: "uns-06", intent: "UNSUBSCRIBE", from: "amelie.r@papeterie-roux.fr", subject: "Re: Stock control", body: "Merci de ne plus m'envoyer d'e-mails. Désinscription s'il vous plaît." },
  { id: "uns-07", intent: "UNSUBSCRIBE", from: "j.peters@peters-accounting.com", subject: "Re: Month-end close", body: "Hi,\n\nI'd like to opt out of these emails please.\n\nJohn" },
  { id: "uns-08", intent: "UNSUBSCRIBE", from: "linda.q@quarrytech.com", subject: "REMOVE", body: "remove" },
  { id: "uns-09", intent: "UNSUBSCRIBE", from: "marco.b@bianchi-auto.it", subject: "Re: Dealer software", body: "I never signed up for this. How did you get my address? Don't email me again." },
  { id: "uns-10", intent: "UNSUBSCRIBE", from: "s.kim@hanriver-foods.kr", subject: "Re: Cold chain", body: "Not interested. Please unsubscribe me from all future communications." },
  { id: "uns-11", intent: "UNSUBSCRIBE", from: "victoria.l@lawsonpr.com", subject: "Re: Media monitoring", body: "Kindly stop sending me these messages. I have no interest and would appreciate no further contact." },
  { id: "uns-12", intent: "UNSUBSCRIBE", from: "b.andersen@fjordfisk.no", subject: "Re: Export documentation", body: "Please take my address off your database under GDPR and confirm when done." },

  // ---- OUT_OF_OFFICE (no automation headers: looks like a person typed it) ----
  { id: "ooo-01", intent: "OUT_OF_OFFICE", from: "h.wagner@bergstahl.de", subject: "Abwesend: Re: Procurement analytics", body: "I am out of the office until 21 October with limited access to email. For urgent matters please contact my colleague at the main office.\n\nHelga Wagner" },
  { id: "ooo-02", intent: "OUT_OF_OFFICE", from: "m.rossi@tuscanyestates.it", subject: "Out of office", body: "Thank you for your email. I'm on annual leave and will be back on Monday 3 June. I will reply when I return." },
  { id: "ooo-03", intent: "OUT_OF_OFFICE", from: "chris.t@harvestcoop.com", subject: "Re: Grain contracts", body: "I'm travelling this week with no reliable internet. Back in the office next Tuesday." },
  { id: "ooo-04", intent: "OUT_OF_OFFICE", from: "a.jansen@deltaport.nl", subject: "Automatic reply: Terminal scheduling", body: "I am currently on parental leave and will return on 1 September 2025. Your email will not be forwarded." },
  { id: "ooo-05", intent: "OUT_OF_OFFICE", from: "sam.r@meadowlandsgolf.com", subject: "Re: Tee time booking", body: "Hi, I'm away on vacation until January 8th. I'll get back to you after that." },
  { id: "ooo-06", intent: "OUT_OF_OFFICE", from: "l.martin@atelier-martin.fr", subject: "Absence du bureau", body: "Je suis absente du bureau jusqu'au 15 août. I am out of the office until August 15." },
  { id: "ooo-07", intent: "OUT_OF_OFFICE", from: "zoe.k@kinetic-labs.com", subject: "Re: Assay software", body: "I'm at a conference until Friday and checking email only occasionally. Expect a delay in my reply." },
  { id: "ooo-08", intent: "OUT_OF_OFFICE", from: "r.silva@amazonia-agro.br", subject: "Away", body: "Out of office: I will be away from 10 to 24 July. Please resend your message after my return." },

  // ---- REFERRAL ----
  { id: "ref-01", intent: "REFERRAL", from: "j.clarke@thamesvalleyutilities.co.uk", subject: "Re: Asset management", body: "Hi Tom,\n\nI'm not the right person for this. You should talk to Priya Shah, our Head of Asset Management — priya.shah@thamesvalleyutilities.co.uk.\n\nJohn" },
  { id: "ref-02", intent: "REFERRAL", from: "marie.l@lumiere-cosmetics.fr", subject: "Re: E-commerce", body: "This would be for our digital team. I've copied Antoine Girard who leads e-commerce.\n\nMarie" },
  { id: "ref-03", intent: "REFERRAL", from: "bill.n@prairiegrain.com", subject: "Re: Commodity pricing", body: "I left the procurement role last month. Please reach out to Kelly Ortiz (kelly.ortiz@prairiegrain.com) instead." },
  { id: "ref-04", intent: "REFERRAL", from: "s.ito@hikari-electronics.jp", subject: "Re: Supply chain risk", body: "Thank you. Our supply chain director, Mr. Kenji Mori, handles vendor evaluations. I have forwarded your message to him." },
  { id: "ref-05", intent: "REFERRAL", from: "andrea.v@vistaclinics.com", subject: "Re: Patient scheduling", body: "Hi, IT purchasing decisions go through our CIO, Mark Delaney. Best to contact him directly at mark.delaney@vistaclinics.com." },
  { id: "ref-06", intent: "REFERRAL", from: "tim.o@orbitgaming.com", subject: "Re: Player analytics", body: "Not my area, but my colleague Jess Park in data engineering might be interested. Looping her in here." },
  { id: "ref-07", intent: "REFERRAL", from: "c.nilsson@skandiaparts.se", subject: "Re: Warehouse robotics", body: "Hej, please contact our operations manager Erik Holm instead, he owns this topic. erik.holm@skandiaparts.se" },
  { id: "ref-08", intent: "REFERRAL", from: "r.gupta@indusfinserv.in", subject: "Re: Collections", body: "Dear Tom, the right contact for this would be our Head of Collections, Ms. Anjali Rao. I'm cc'ing her.\n\nRegards, Rohit" },

  // ---- BOUNCE (a person or gateway reporting the address is dead, no DSN structure) ----
  { id: "bnc-01", intent: "BOUNCE", from: "postmaster@oldcorp-mail.com", subject: "Undeliverable: Quick idea", body: "Your message to r.jones@oldcorp-mail.com couldn't be delivered. The mailbox does not exist. 550 5.1.1 User unknown" },
  { id: "bnc-02", intent: "BOUNCE", from: "mailer-daemon@mx.smallbiz.example", subject: "Mail delivery failed", body: "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n\n  owner@smallbiz.example\n    mailbox unavailable" },
  { id: "bnc-03", intent: "BOUNCE", from: "noreply@helpdesk.formerclient.com", subject: "Delivery Status Notification (Failure)", body: "Delivery to the following recipient failed permanently:\n\n     k.lee@formerclient.com\n\nThe account has been disabled." },

  // ---- OTHER ----
  { id: "oth-01", intent: "OTHER", from: "lisa.m@brookfieldarch.com", subject: "Re: Project delivery", body: "Thanks." },
  { id: "oth-02", intent: "OTHER", from: "n.petrov@volgatech.ru", subject: "Re: Invoice 2231", body: "Attached is the signed W-9 you asked for last month for the vendor setup." },
  { id: "oth-03", intent: "OTHER", from: "george@hartleyandsons.com", subject: "Re: Congratulations", body: "Ha, thanks Tom! Great to see you at the conference too. The dinner was fun." },
  { id: "oth-04", intent: "OTHER", from: "a.costa@lisboadesign.pt", subject: "Re: Newsletter", body: "Received, thank you." },
  { id: "oth-05", intent: "OTHER", from: "hr@nordicrecruit.com", subject: "Re: Your application", body: "We are hiring a Sales Development Representative; if you know anyone who might be a fit, feel free to share the job ad." },
  { id: "oth-06", intent: "OTHER", from: "ted.w@wilsonhardware.com", subject: "Re: Payment", body: "The invoice was paid yesterday by bank transfer, reference 88231." },
];
