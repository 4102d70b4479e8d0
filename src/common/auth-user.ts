/** Who is on the other end of a socket or request, as the verified token says. */
export interface AuthUser {
  id: string;
  name?: string;
  roles: string[];
  /** Room names and `prefix*` patterns the user may join; undefined means any room. */
  rooms?: string[];
  /** The jti claim, or a digest of the token when it has none. */
  tokenId: string;
  issuedAtSec?: number;
  expiresAtSec: number;
}

export const isAdmin = (user: Pick<AuthUser, 'roles'>) => user.roles.includes('admin');
