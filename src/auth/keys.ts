/**
 * Keys of the access state checked at every handshake. A user's keys share the `{u:<id>}` hash tag so that
 * they live in one Redis Cluster slot.
 */
export const accessKeys = {
  revokedToken: (jti: string) => `auth:revoked-token:${jti}`,
  userBan: (userId: string) => `auth:{u:${userId}}:ban`,
  userTokensRevokedAt: (userId: string) => `auth:{u:${userId}}:tokens-revoked-at`,
};
