import { graphql } from "../../gql";

export const ReviewDraftFields = graphql(`
  fragment ReviewDraftFields on Draft {
    id
    status
    subject
    bodyText
    recipientEmail
    mailbox
    origin
    category
    createdAt
    updatedAt
    revision
    leadId
    contactId
    rejectionReason
    approvalsRequired
    claim { holder expiresAt mine }
    author { label type }
    approvals { approver { label } approverRole }
    qualityReport { verdict findings { check severity message location } }
  }
`);

export const PendingDraftsQuery = graphql(`
  query ConsolePendingDrafts($first: Int!, $after: String) {
    pendingDrafts(first: $first, after: $after) {
      edges { cursor node { ...ReviewDraftFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const PendingDraftsChangedSubscription = graphql(`
  subscription ConsolePendingDraftsChanged {
    pendingDraftsChanged {
      change
      draftId
      pendingCount
      status
      occurredAt
      draft { ...ReviewDraftFields }
    }
  }
`);

export const DraftStatusChangedSubscription = graphql(`
  subscription ConsoleDraftStatusChanged {
    draftStatusChanged {
      draftId
      status
      type
      actor
      draft { ...ReviewDraftFields }
    }
  }
`);

export const DraftDetailQuery = graphql(`
  query ConsoleDraftDetail($id: ID!, $leadId: ID!, $hasLead: Boolean!) {
    draft(id: $id) {
      ...ReviewDraftFields
      revisions { number subject bodyText createdAt author { label type } }
      memoriesUsed { rank score memory { id title excerpt sourceType occurredAt } }
      citedAssets { fileId name url }
      inboundMessage { id from fromName subject text receivedAt intent }
      thread {
        id
        subject
        messageCount
        facts { summary nextStep }
        messages { id from fromName subject text receivedAt intent }
      }
    }
    lead: node(id: $leadId) @include(if: $hasLead) {
      ... on Lead {
        id
        score
        grade
        status
        latestScore {
          id
          confidence
          positiveFactors { feature reason contribution }
          negativeFactors { feature reason contribution }
        }
      }
    }
  }
`);

export const ApprovedDraftsQuery = graphql(`
  query ConsoleApprovedDrafts {
    drafts(first: 50, filter: { status: [APPROVED] }) {
      edges { node { ...ReviewDraftFields } }
    }
    sendingStatus { canSend mode tenantKillSwitch globalKillSwitch }
  }
`);

export const ApproveMutation = graphql(`
  mutation ConsoleDraftApprove($input: DraftApproveInput!) {
    draftApprove(input: $input) {
      draft { ...ReviewDraftFields }
      userErrors { field message code }
    }
  }
`);

export const RejectMutation = graphql(`
  mutation ConsoleDraftReject($input: DraftRejectInput!) {
    draftReject(input: $input) {
      draft { ...ReviewDraftFields }
      userErrors { field message code }
    }
  }
`);

export const UpdateMutation = graphql(`
  mutation ConsoleDraftUpdate($input: DraftUpdateInput!) {
    draftUpdate(input: $input) {
      draft { ...ReviewDraftFields revisions { number subject bodyText createdAt author { label type } } }
      userErrors { field message code }
    }
  }
`);

export const SendMutation = graphql(`
  mutation ConsoleDraftSend($input: DraftSendInput!) {
    draftSend(input: $input) {
      draft { ...ReviewDraftFields }
      userErrors { field message code }
    }
  }
`);

export const BulkApproveMutation = graphql(`
  mutation ConsoleDraftsApprove($input: DraftsApproveInput!) {
    draftsApprove(input: $input) {
      approvedCount
      results { draftId draft { ...ReviewDraftFields } userErrors { field message code } }
      userErrors { field message code }
    }
  }
`);

export const ClaimMutation = graphql(`
  mutation ConsoleDraftClaim($input: DraftClaimInput!) {
    draftClaim(input: $input) {
      draft { ...ReviewDraftFields }
      userErrors { field message code }
    }
  }
`);

export const ClaimBreakMutation = graphql(`
  mutation ConsoleDraftClaimBreak($input: DraftClaimBreakInput!) {
    draftClaimBreak(input: $input) {
      draft { ...ReviewDraftFields }
      userErrors { field message code }
    }
  }
`);

export const ReleaseMutation = graphql(`
  mutation ConsoleDraftRelease($input: DraftReleaseInput!) {
    draftRelease(input: $input) {
      draft { ...ReviewDraftFields }
      userErrors { field message code }
    }
  }
`);
