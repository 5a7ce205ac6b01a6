import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { BadRequestError } from "../lib/errors.js";
import { generateSlug } from "../lib/slug.js";
import { createBootstrapRepository } from "./bootstrap.repository.js";
import { createIdentityRepository } from "./identity.repository.js";
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

export function createBootstrapService({ db, config }: { db: Db; config: Pick<Config, "authSecret"> }) {
  async function bootstrap(input: { email: string; password: string; organization: string }): Promise<BootstrapResult> {
    // Refuse before the slow hash: this route is public, and every call after set-up would
    // otherwise cost a full scrypt run.
    if (await createBootstrapRepository(db).isInitialized()) throw new BadRequestError(ALREADY_SET_UP);
    const email = input.email.toLowerCase();
    const passwordHash = await hashSecret(input.password);
    const created = await db.transaction().execute(async (trx) => {
      const repo = createBootstrapRepository(trx);
      if (!(await repo.claimInstance())) throw new BadRequestError(ALREADY_SET_UP);
      const identities = createIdentityRepository(trx);
      const user = await repo.insertAdminUser(email, passwordHash);
      const organization = await repo.insertOrganization(input.organization, generateSlug(input.organization, 64));
      await identities.insertOrgMembership({ orgId: organization.id, userId: user.id, role: "admin" });
      const identity = await identities.insertIdentity({ name: INSTANCE_ADMIN_IDENTITY_NAME, hasDeleteProtection: false });
      await identities.insertOrgMembership({ orgId: organization.id, identityId: identity.id, role: "admin" });
      await identities.insertTokenAuth(identity.id, { ttl: 0, maxTtl: 0, numUsesLimit: 0 });
      const token = await identities.insertAccessToken({
        identityId: identity.id,
        clientSecretId: null,
        name: INSTANCE_ADMIN_TOKEN_NAME,
        authMethod: "token-auth",
        ttl: 0,
        maxTtl: 0,
        numUsesLimit: 0,
        period: 0,
      });
      await repo.setInstanceAdminIdentity(identity.id);
      return { user, organization, identityId: identity.id, tokenId: token.id };
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
