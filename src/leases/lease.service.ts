import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType, type AuditEvent } from "../audit/audit.types.js";
import type { Actor } from "../lib/actor.js";
import type { RequestContext } from "../http/request-context.js";
import type { Db, Trx } from "../db/database.js";
import * as secrets from "../dynamic-secrets/dynamic-secret.repository.js";
import { secretAuditIds } from "../dynamic-secrets/dynamic-secret.service.js";
import { STATUS_DELETING, type DynamicSecret, type Locator } from "../dynamic-secrets/dynamic-secret.types.js";
import { randomString } from "../lib/random.js";
import { createDynamicSecretResolver, type ResolverDeps } from "../dynamic-secrets/resolve.js";
import { BadRequestError, NotFoundError } from "../lib/errors.js";
import { ttlToMs } from "../lib/ttl.js";
import { subjectAt } from "../permissions/ability.js";
import { ProjectPermissionDynamicSecretActions as Action, ProjectPermissionSub } from "../permissions/actions.js";
import * as repo from "./lease.repository.js";
import { afterFailedRevocation, assertRenewable, isCreating, LEASE_BEING_REVOKED } from "./lease.state.js";
import type { CreateLeaseInput, Lease, LeaseLocatorInput, LeaseView, ListLeasesInput, RenewLeaseInput, RevokeLeaseInput } from "./lease.types.js";
import type { TargetClient } from "./revocation.js";
import { leaseUsername } from "./username.js";

// The lease routes (D25–D35): resolve → authorize → plan → commit, each a named
// step. Network I/O to the target happens outside transactions, except where the lease's row lock
// is what makes it safe (renew, revoke: one caller at a time per credential, D27/D28).

const SUBJECT = ProjectPermissionSub.DynamicSecrets;

export type LeaseQueue = {
  /** Ask the job queue to look at this lease at `at` (a hint: the sweep is the guarantee). */
  schedule(leaseId: string, at: Date): void;
};

export type LeaseServiceDeps = ResolverDeps & {
  target: TargetClient;
  queue: LeaseQueue;
  maxLeaseLimit: number;
  auditWriter: AuditWriter;
  /** D25: a claim or `creating` row older than this belongs to a dead process (lease.state.ts). */
  staleCreatingMs: number;
};

export const secretInFolderNotFound = (name: string, path: string) =>
  new NotFoundError(`Dynamic secret with name '${name}' in folder with path '${path}' not found`);
export const leaseNotFound = (leaseId: string) => new NotFoundError(`Dynamic secret lease with ID '${leaseId}' not found`);
export const BEING_DELETED = "Dynamic secret is being deleted";
export const TTL_ABOVE_MAX = "TTL cannot be larger than max TTL";
export const RENEW_ABOVE_MAX = "The requested renewal would exceed the maximum allowed lease duration. Please choose a shorter TTL";
export const leasesNotSupported = (type: string) => `Leases are not supported for the ${type} provider on this server`;

/** The parent secret as lease responses show it: no inputs, no ciphertext. */
export function secretView(secret: DynamicSecret) {
  const { encryptedInput: _ciphertext, ...rest } = secret;
  return { ...rest, projectGatewayId: null };
}

export function leaseView(lease: Lease): LeaseView {
  const { revokeAttempts: _attempts, ...rest } = lease;
  return rest;
}

/** Folder-missing texts differ per route; everything else is the shared resolver's. */
function withFolderMessage(deps: ResolverDeps, message: (path: string, env: string) => string): ResolverDeps {
  return {
    ...deps,
    folders: {
      async resolveFolderByPath(projectId, environmentSlug, path) {
        try {
          return await deps.folders.resolveFolderByPath(projectId, environmentSlug, path);
        } catch (err) {
          if (err instanceof NotFoundError) throw new NotFoundError(message(path, environmentSlug));
          throw err;
        }
      },
    },
  };
}

export function createLeaseService(deps: LeaseServiceDeps) {
  const { db, target } = deps;
  const folderMessage = (path: string, env: string) => `Folder with path '${path}' in environment with slug '${env}' not found`;
  const leaseDeps = withFolderMessage(deps, folderMessage);
  const resolver = createDynamicSecretResolver(leaseDeps, { folderNotFound: (path, env) => new NotFoundError(folderMessage(path, env)) });
  /** GET names a missing folder without its environment. */
  const getFolders = withFolderMessage(deps, (path) => `Folder with path '${path}' not found`).folders;

  /** One audit row for the caller's request, with the caller's executor (D34: inside its transaction). */
  const audit = (executor: Db | Trx, caller: { actor: Actor; ctx: RequestContext }, project: { id: string; name: string }, event: AuditEvent) =>
    deps.auditWriter.record(executor, { actor: caller.actor, ctx: caller.ctx, project, event });

  const ids = (secret: DynamicSecret, locator: Locator, projectId: string, lease: Lease) => ({
    ...secretAuditIds(secret, locator, projectId),
    leaseId: lease.id,
    leaseExternalEntityId: lease.externalEntityId,
  });

  function assertNotDeleting(secret: DynamicSecret): void {
    if (secret.status === STATUS_DELETING) throw new BadRequestError(BEING_DELETED);
  }

  /** `ttl` or the secret's default, in ms (the schema already refused unparsable values, D31). */
  function ttlOf(ttl: string | undefined, secret: DynamicSecret): number {
    const value = ttl ?? secret.defaultTTL;
    const ms = ttlToMs(value);
    if (ms === undefined) throw new BadRequestError(`Invalid date format string: ${value}`);
    return ms;
  }

  const maxTtlOf = (secret: DynamicSecret) => (secret.maxTTL ? ttlToMs(secret.maxTTL) : undefined);

  /** Project → membership → folder → lease of that folder (404, D31) → parent secret. */
  async function resolveLease(input: LeaseLocatorInput, folders = leaseDeps.folders) {
    const { project, permission } = await resolver.resolveProject(input.actor, input.projectSlug);
    const folder = await folders.resolveFolderByPath(project.id, input.environmentSlug, input.path);
    const lease = await repo.findLeaseInFolder(db, input.leaseId, folder.id);
    const secret = lease && (await secrets.findDynamicSecretById(db, lease.dynamicSecretId));
    if (!lease || !secret) throw leaseNotFound(input.leaseId);
    const fields = subjectAt(input.environmentSlug, input.path, secret.metadata);
    return { project, permission, lease, secret, fields };
  }

  /**
   * Undo of a create that did not complete (D25): revoke in the target, drop the row. When the
   * provider had created the credential (`created`) and the revoke fails, the row is kept as a
   * `Failed to delete` lease retried with backoff (D27), so no credential is left without a row.
   * A provider that failed cleans up after itself (D33): its row goes whatever the best-effort
   * revoke says.
   */
  async function abandon(lease: Lease, secret: DynamicSecret, inputs: unknown, created: boolean): Promise<void> {
    try {
      const claimed = await repo.claimForRevocation(db, lease.id, "creating", deps.staleCreatingMs);
      if (!claimed) return; // swept as stale meanwhile: the worker has it
      const outcome = await target.revoke(secret, inputs, claimed);
      if (outcome.ok || !created) await repo.deleteLease(db, claimed.id);
      else await repo.markRevocationFailed(db, claimed.id, afterFailedRevocation(claimed.revokeAttempts, outcome.message));
    } catch {
      // The database failed too: the row stays `creating` (or `revoking`) and the worker takes it
      // once stale.
    }
  }

  async function create(input: CreateLeaseInput) {
    const name = input.dynamicSecretName;
    const resolved = await resolver.resolveDynamicSecret(input.actor, { ...input, name }, secretInFolderNotFound);
    const { actor, project, permission, folder, secret, fields } = resolved;
    const caller = { actor, ctx: input.ctx };
    permission.assertCan(Action.Lease, SUBJECT, fields(secret.metadata));
    assertNotDeleting(secret);
    const provider = target.providerOf(secret.type);
    if (!provider.create) throw new BadRequestError(leasesNotSupported(secret.type));
    const ttlMs = ttlOf(input.ttl, secret);
    const maxMs = maxTtlOf(secret);
    if (maxMs !== undefined && ttlMs > maxMs) throw new BadRequestError(TTL_ABOVE_MAX);
    const entityId =
      provider.leaseEntityId === "random"
        ? randomString(32)
        : leaseUsername({ template: secret.usernameTemplate, identityName: actor.name, secret });
    const inputs = await target.inputsOf(secret, project.id);

    // D25 + D32: the row exists (status `creating`) before the target is touched, and the count
    // is taken under the secret's row lock, so N racing creates leave exactly the limit.
    const creating = await db.transaction().execute(async (trx) => {
      const locked = await secrets.lockDynamicSecret(trx, secret.id);
      if (!locked || locked.name !== secret.name || locked.folderId !== secret.folderId) throw secretInFolderNotFound(name, folder.path);
      assertNotDeleting(locked);
      if ((await repo.countLeases(trx, locked.id)) >= deps.maxLeaseLimit) {
        throw new BadRequestError(`Max lease limit reached. Limit: ${deps.maxLeaseLimit}`);
      }
      return repo.insertCreatingLease(trx, { dynamicSecretId: locked.id, externalEntityId: entityId, ttlMs, config: input.config });
    });

    let data: Record<string, unknown>;
    try {
      ({ data } = await provider.create({ inputs, entityId, expireAt: creating.expireAt, config: creating.config, ctx: target.context }));
    } catch (err) {
      await abandon(creating, secret, inputs, false);
      throw err;
    }
    let lease: Lease;
    try {
      lease = await db.transaction().execute(async (trx) => {
        const locked = await repo.lockLease(trx, creating.id);
        // Swept as stale (the target was slower than twice its timeout): its credential was revoked.
        if (!locked || !isCreating(locked.lease)) throw new Error(`Lease ${creating.id} was cleaned up before its creation completed`);
        const active = await repo.activateLease(trx, creating.id);
        await audit(trx, caller, project, {
          type: EventType.CreateDynamicSecretLease,
          metadata: { ...ids(secret, input, project.id, active), leaseExpireAt: active.expireAt },
        });
        return active;
      });
    } catch (err) {
      await abandon(creating, secret, inputs, true);
      throw err;
    }
    deps.queue.schedule(lease.id, lease.expireAt);
    return { lease: leaseView(lease), dynamicSecret: secretView(secret), data };
  }

  async function get(input: LeaseLocatorInput) {
    const { project, permission, lease, secret, fields } = await resolveLease(input, getFolders);
    permission.assertCan(Action.Lease, SUBJECT, fields);
    await audit(db, input, project, {
      type: EventType.GetDynamicSecretLease,
      metadata: { ...ids(secret, input, project.id, lease), leaseExpireAt: lease.expireAt },
    });
    return { ...leaseView(lease), dynamicSecret: secretView(secret) };
  }

  async function list(input: ListLeasesInput) {
    const { actor } = input;
    const { project, permission, secret, fields } = await resolver.resolveDynamicSecret(actor, input, secretInFolderNotFound);
    permission.assertCan(Action.Lease, SUBJECT, fields(secret.metadata));
    const leases = await repo.listLeases(db, secret.id);
    await audit(db, input, project, { type: EventType.ListDynamicSecretLeases, metadata: { ...secretAuditIds(secret, input, project.id), leaseCount: leases.length } });
    return leases.map(leaseView);
  }

  /** D28: under the lease's row lock; the provider extends the credential first where it can. */
  async function renew(input: RenewLeaseInput) {
    const { project, permission, lease, secret, fields } = await resolveLease(input);
    permission.assertCan(Action.Lease, SUBJECT, fields);
    assertNotDeleting(secret);
    const provider = target.providerOf(secret.type);
    const ttlMs = ttlOf(input.ttl, secret);
    const maxMs = maxTtlOf(secret);
    const inputs = provider.renew ? await target.inputsOf(secret, project.id) : undefined;

    const renewed = await db.transaction().execute(async (trx) => {
      const locked = await repo.lockLease(trx, lease.id);
      if (!locked || isCreating(locked.lease)) throw leaseNotFound(input.leaseId);
      assertRenewable(locked.lease, locked.now);
      const expireAt = new Date(locked.lease.expireAt.getTime() + ttlMs);
      if (maxMs !== undefined && expireAt.getTime() > locked.lease.createdAt.getTime() + maxMs) throw new BadRequestError(RENEW_ABOVE_MAX);
      if (provider.renew) await provider.renew({ inputs, entityId: locked.lease.externalEntityId, expireAt, ctx: target.context });
      const updated = await repo.setLeaseExpiry(trx, lease.id, expireAt);
      await audit(trx, input, project, {
        type: EventType.RenewDynamicSecretLease,
        metadata: { ...ids(secret, input, project.id, updated), newLeaseExpireAt: expireAt },
      });
      return updated;
    });
    deps.queue.schedule(renewed.id, renewed.expireAt);
    return leaseView(renewed);
  }

  /**
   * D27: success (or `isForced`) deletes the row; a failure that is not forced marks the lease
   * `Failed to delete`, commits that with its audit row, then answers 400; the retries go on.
   */
  async function revoke(input: RevokeLeaseInput) {
    const { project, permission, lease, secret, fields } = await resolveLease(input);
    permission.assertCan(Action.Lease, SUBJECT, fields);
    const inputs = await target.inputsOf(secret, project.id);

    // Claimed first (lease.state.ts): one revoker per credential, and no transaction open while
    // the target answers.
    const claimed = await repo.claimForRevocation(db, lease.id, "visible", deps.staleCreatingMs);
    if (!claimed) {
      const now = await repo.findLease(db, lease.id);
      if (!now || isCreating(now)) throw leaseNotFound(input.leaseId);
      throw new BadRequestError(LEASE_BEING_REVOKED); // the worker or another request is revoking it
    }
    const outcome = await target.revoke(secret, inputs, claimed);
    const deleted = outcome.ok || input.isForced;
    const result = await db.transaction().execute(async (trx) => {
      let after = claimed;
      let retryInMs = 0;
      if (deleted) {
        await repo.deleteLease(trx, claimed.id);
      } else {
        const next = afterFailedRevocation(claimed.revokeAttempts, outcome.message);
        after = await repo.markRevocationFailed(trx, claimed.id, next);
        retryInMs = next.retryInMs;
      }
      await audit(trx, input, project, {
        type: EventType.DeleteDynamicSecretLease,
        metadata: { ...ids(secret, input, project.id, after), leaseStatus: after.status, isForced: input.isForced },
      });
      return { lease: after, failure: deleted || outcome.ok ? undefined : outcome.message, retryInMs };
    });
    if (result.failure !== undefined) {
      deps.queue.schedule(result.lease.id, new Date(Date.now() + result.retryInMs));
      throw new BadRequestError(result.failure);
    }
    return leaseView(result.lease);
  }

  return { create, get, list, renew, revoke };
}

export type LeaseService = ReturnType<typeof createLeaseService>;
