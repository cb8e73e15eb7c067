// A draft taken through the public API the way a workspace does it: the
// operator writes it, a manager approves it, the operator sends it, and the
// send worker delivers it. For tests that need a draft we sent (to reply to,
// or to follow through the funnel); run them on startAgentTestApp
// (helpers/agents.ts), whose send worker polls every half second.
import { expect } from "vitest";
import { graphql } from "../generated/gql/index.js";
import type { DraftCreateInput } from "../generated/gql/graphql.js";
import type { TestApp, TestTenant } from "./app.js";
import { executeOk } from "./graphql.js";
import { waitFor } from "./operator.js";

export const DraftCreate = graphql(`
  mutation SentDraftCreate($input: DraftCreateInput!) {
    draftCreate(input: $input) { draft { id } userErrors { code message } }
  }
`);
const DraftApprove = graphql(`
  mutation SentDraftApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) { draft { id status } userErrors { code message } }
  }
`);
const DraftSend = graphql(`
  mutation SentDraftSend($input: DraftSendInput!) {
    draftSend(input: $input) { draft { id status } userErrors { code message } }
  }
`);
const DraftNode = graphql(`
  query SentDraftNode($id: ID!) {
    node(id: $id) { ... on Draft { id status messageId } }
  }
`);

/** The operator writes a draft; its global id. */
export async function createDraft(t: TestApp, tenant: TestTenant, input: DraftCreateInput): Promise<string> {
  const created = await executeOk(t.graphqlUrl, DraftCreate, { input }, { token: tenant.members.OPERATOR.token });
  expect(created.draftCreate.userErrors).toEqual([]);
  return created.draftCreate.draft!.id;
}

/** A manager approves the draft. */
export async function approveDraft(t: TestApp, tenant: TestTenant, draftId: string): Promise<void> {
  expect((await executeOk(t.graphqlUrl, DraftApprove, { input: { draftId } }, { token: tenant.members.MANAGER.token })).draftApprove.userErrors).toEqual([]);
}

/** The operator sends the approved draft; waits until the send worker sent it, and returns its Message-ID. */
export async function sendApprovedDraft(t: TestApp, tenant: TestTenant, draftId: string): Promise<{ messageId: string }> {
  const token = tenant.members.OPERATOR.token;
  expect((await executeOk(t.graphqlUrl, DraftSend, { input: { draftId } }, { token })).draftSend.userErrors).toEqual([]);
  const sent = await waitFor(async () => {
    const d = await executeOk(t.graphqlUrl, DraftNode, { id: draftId }, { token });
    return d.node && "status" in d.node && d.node.status === "SENT" ? d.node : null;
  }, 20_000, "the draft to be sent");
  return { messageId: sent.messageId! };
}
