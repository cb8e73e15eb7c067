import { builder } from "../builder.js";

export const UserType = builder.prismaNode("User", {
  id: { field: "id" },
  description: "A person. Visible only to tenants they belong to.",
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
