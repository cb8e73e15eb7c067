// Who the caller is (the `me` query) and what they may do. Controls are hidden
// or disabled with the reason; the server decides in any case.
import { createContext, useContext, type ReactNode } from "react";
import type { Permission, Role } from "./gql/graphql";

export interface Viewer {
  role: Role;
  permissions: Permission[];
  name: string;
  email: string;
  tenantName: string;
}

const ViewerContext = createContext<Viewer | null>(null);
export const ViewerProvider = ({ viewer, children }: { viewer: Viewer; children: ReactNode }) => (
  <ViewerContext.Provider value={viewer}>{children}</ViewerContext.Provider>
);

export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error("useViewer outside ViewerProvider");
  return viewer;
}

/** draft:approve style name of a permission, as the README's matrix spells it. */
export function permissionLabel(p: Permission): string {
  return p.toLowerCase().replace("_", ":");
}

export function useCan(permission: Permission): { allowed: boolean; reason: string } {
  const viewer = useViewer();
  const allowed = viewer.permissions.includes(permission);
  return { allowed, reason: allowed ? "" : `Your role (${viewer.role}) does not have ${permissionLabel(permission)}.` };
}
