export type Role = 'member' | 'coordinator' | 'admin';

/** Who is asking: from the access cache on every request, so a role change applies at once. */
export interface Actor {
  id: string;
  role: Role;
  isAdmin: boolean;
  coordinatorOf: string[];
}
