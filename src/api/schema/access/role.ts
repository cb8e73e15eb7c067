import { HUMAN_ROLES, ROLES } from "../../../domain/access/permission.js";
import { builder } from "../../builder.js";

export const RoleEnum = builder.enumType("Role", {
  description: "What a member (or key) may do; see the permission matrix in the README.",
  values: ROLES,
});

export const HumanRoleEnum = builder.enumType("MemberRole", {
  description: "Roles a person or API key can be given (SERVICE is reserved for agents).",
  values: HUMAN_ROLES,
});
