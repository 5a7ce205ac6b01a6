import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { BadRequestError } from "../lib/errors.js";
import { generateSlug } from "../lib/slug.js";
import type { IdentityService } from "../identities/identity.service.js";
import * as instance from "./bootstrap.repository.js";
import * as tokens from "./access-token.repository.js";
import { hashSecret, signAccessToken } from "./token.js";

// One-time instance set-up: organization, admin user, and an admin
// machine identity whose token never expires until revoked (D22).

export const INSTANCE_ADMIN_IDENTITY_NAME = "Instance Admin Identity";
export const INSTANCE_ADMIN_TOKEN_NAME = "Instance Admin Token";
const ALREADY_SET_UP = "Instance has already been set up";

export type BootstrapResult = {
  message: string;
  user: { id: string; username: string; email: string; firstName: string; lastName: string; superAdmin: boolean };
  organization: { id: string; name: string; slug: string };
  identity: { id: string; name: string; credentials: { token: string } };
};

export function createBootstrapService({
  db,
  config,
  identities,
}: {
  db: Db;
  config: Pick<Config, "authSecret">;
  identities: Pick<IdentityService, "createInOrg">;
}) {
  async function bootstrap(input: { email: string; password: string; organization: string }): Promise<BootstrapResult> {
    // Refuse before the slow hash: this route is public, and every call after set-up would
    // otherwise cost a full scrypt run.
    if (await instance.isInitialized(db)) throw new BadRequestError(ALREADY_SET_UP);
    const email = input.email.toLowerCase();
    const passwordHash = await hashSecret(input.password);
    const created = await db.transaction().execute(async (trx) => {
      if (!(await instance.claimInstance(trx))) throw new BadRequestError(ALREADY_SET_UP);
      const user = await instance.insertAdminUser(trx, email, passwordHash);
      const organization = await instance.insertOrganization(trx, input.organization, generateSlug(input.organization, 64));
      await instance.addAdminUserToOrganization(trx, organization.id, user.id);
      const identityId = await identities.createInOrg(trx, {
        orgId: organization.id,
        name: INSTANCE_ADMIN_IDENTITY_NAME,
        hasDeleteProtection: false,
        role: "admin",
        metadata: [],
      });
      await tokens.insertTokenAuth(trx, identityId, { ttl: 0, maxTtl: 0, numUsesLimit: 0 });
      const token = await tokens.insertAccessToken(trx, {
        identityId,
        clientSecretId: null,
        name: INSTANCE_ADMIN_TOKEN_NAME,
        authMethod: "token-auth",
        ttl: 0,
        maxTtl: 0,
        numUsesLimit: 0,
        period: 0,
      });
      await instance.setInstanceAdminIdentity(trx, identityId);
      return { user, organization, identityId, tokenId: token.id };
    });
    return {
      message: "Successfully bootstrapped instance",
      user: {
        id: created.user.id,
        username: created.user.username,
        email: created.user.email,
        firstName: created.user.first_name ?? "Admin",
        lastName: created.user.last_name ?? "User",
        superAdmin: created.user.super_admin,
      },
      organization: created.organization,
      identity: {
        id: created.identityId,
        name: INSTANCE_ADMIN_IDENTITY_NAME,
        credentials: {
          token: signAccessToken(config.authSecret, { identityId: created.identityId, identityAccessTokenId: created.tokenId }, 0),
        },
      },
    };
  }

  return { bootstrap };
}

export type BootstrapService = ReturnType<typeof createBootstrapService>;
