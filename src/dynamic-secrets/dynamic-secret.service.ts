import type { Db, Trx } from "../db/database.js";
import { insertAuditLog } from "../audit/audit.repository.js";
import { EventType, type AuditEntry } from "../audit/audit.types.js";
import type { ProjectCipher } from "../kms/kms.service.js";
import { BadRequestError, PreconditionFailedError } from "../lib/errors.js";
import { assertDefaultWithinMax } from "../lib/ttl.js";
import { ProjectPermissionDynamicSecretActions as Action, ProjectPermissionSub } from "../permissions/actions.js";
import type { ProviderContext, ProviderRegistry } from "./providers/index.js";
import * as repo from "./dynamic-secret.repository.js";
import type {
  CreateDynamicSecretInput,
  DeleteDynamicSecretInput,
  DynamicSecret,
  DynamicSecretView,
  GetDynamicSecretInput,
  ListDynamicSecretsInput,
  Locator,
  UpdateDynamicSecretInput,
} from "./dynamic-secret.types.js";
import { createKeyedQueue } from "./keyed-queue.js";
import { createDynamicSecretResolver, getNotFound, secretNotFound, type ResolverDeps } from "./resolve.js";
import { assertNoGateways, diffUpdatedFields, isPlainObject, jsonEqual, planInputs, type Inputs } from "./patch.js";
import { assertLeaseTargetUnchanged } from "../leases/drift.js";
import { revokeLeasesBeforeDelete } from "../leases/lease-expiry.service.js";
import type { TargetClient } from "../leases/revocation.js";

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
/** Attempts of a PATCH whose tested inputs were overtaken by a concurrent write (see updateByName). */
const MAX_UPDATE_ATTEMPTS = 25;

export type DynamicSecretServiceDeps = ResolverDeps & {
  providers: ProviderRegistry;
  providerContext: ProviderContext;
  kms: { forProject(projectId: string): Promise<ProjectCipher> };
  auditLogRetentionDays: number;
  /** Revokes leases when their secret is deleted (D29). */
  target: TargetClient;
};

/**
 * Thrown inside the write transaction when the inputs it would store differ from the tested ones.
 * Carries the locked row: the latest committed state, from which the next attempt starts at once.
 */
class StaleMergeError extends Error {
  constructor(readonly latest: DynamicSecret) {
    super("stale merge");
  }
}

export function createDynamicSecretService(deps: DynamicSecretServiceDeps) {
  const { db, providers } = deps;
  const perSecretQueue = createKeyedQueue();
  const { resolveProject, resolveDynamicSecret, assertNameFree } = createDynamicSecretResolver(deps);

  const audit = (executor: Db | Trx, entry: AuditEntry) => insertAuditLog(executor, entry, deps.auditLogRetentionDays);

  function view(secret: DynamicSecret, inputs?: unknown): DynamicSecretView {
    const { encryptedInput: _ciphertext, ...rest } = secret;
    return { ...rest, projectGatewayId: null, ...(inputs === undefined ? {} : { inputs }) };
  }

  function provider(type: string) {
    const found = providers.get(type);
    if (!found) throw new Error(`Unknown dynamic secret provider type: ${type}`);
    return found;
  }

  function decryptInputs(cipher: ProjectCipher, secret: DynamicSecret): Inputs {
    const value = cipher.decryptJson(secret.encryptedInput);
    if (!isPlainObject(value)) throw new Error(`Stored inputs of dynamic secret ${secret.id} are not an object`);
    return value;
  }

  function assertIfMatch(ifMatch: UpdateDynamicSecretInput["ifMatch"], version: number): void {
    if (ifMatch === undefined || ifMatch === "*" || ifMatch.includes(version)) return;
    throw new PreconditionFailedError(`The dynamic secret is at version ${version}; If-Match names another version`);
  }

  function assertNotDeleting(secret: DynamicSecret): void {
    if (secret.status === repo.STATUS_DELETING) throw new BadRequestError("Dynamic secret is being deleted");
  }

  async function create(input: CreateDynamicSecretInput) {
    const { actor, ctx } = input;
    const { project, permission } = await resolveProject(actor, input.projectSlug);
    permission.assertCan(Action.CreateRootCredential, SUBJECT, {
      environment: input.environmentSlug,
      secretPath: input.path,
      metadata: input.metadata ?? [],
    });
    const folder = await deps.folders.resolveFolderByPath(project.id, input.environmentSlug, input.path);
    await assertNameFree(folder.id, input.name);
    const type = input.provider.type;
    assertNoGateways(input.provider.inputs);
    const inputs = providers.parseInputs(type, input.provider.inputs, ["provider", "inputs"]) as Inputs;
    const maxTTL = input.maxTTL ?? null;
    assertDefaultWithinMax(input.defaultTTL, maxTTL);
    await provider(type).validateConnection(inputs, deps.providerContext);
    const cipher = await deps.kms.forProject(project.id);
    const metadata = input.metadata ?? [];

    const created = await db.transaction().execute(async (trx) => {
      const row = await repo.insertDynamicSecret(trx, {
        folderId: folder.id,
        name: input.name,
        type,
        defaultTTL: input.defaultTTL,
        maxTTL,
        usernameTemplate: input.usernameTemplate ?? null,
        encryptedInput: cipher.encryptJson(inputs),
      });
      await repo.replaceMetadata(trx, row.id, actor.orgId, metadata);
      await audit(trx, {
        actor,
        ctx,
        orgId: actor.orgId,
        project,
        event: {
          type: EventType.CreateDynamicSecret,
          metadata: {
            dynamicSecretName: row.name,
            dynamicSecretType: type,
            dynamicSecretId: row.id,
            defaultTTL: row.defaultTTL,
            maxTTL: row.maxTTL,
            gatewayV2Id: null,
            usernameTemplate: row.usernameTemplate,
            environment: input.environmentSlug,
            secretPath: input.path,
            projectId: project.id,
          },
        },
      });
      return { ...row, metadata };
    });
    return view(created, providers.redact(type, inputs));
  }

  /**
   * PATCH (style guide §7.3). Before the transaction: resolve, authorize, merge against the latest
   * row, validate, test the connection if the inputs change (D17). In one transaction: lock the
   * row; if its version moved, recompute the merge from the locked row (D2) — when that changes
   * inputs that needed a connection test, the transaction is abandoned and the write step runs
   * again (re-read, re-merge, re-test), so no untested inputs are ever stored and no network I/O
   * happens under the lock. PATCHes of one secret are queued in this process (inputs changes in one
   * lane, the rest in another) and a retry keeps its place in the lane, so inputs changes only
   * race writers in other processes, and fairly.
   */
  async function updateByName(input: UpdateDynamicSecretInput) {
    const { actor, ctx, patch } = input;
    const { project, permission, folder, secret, fields } = await resolveDynamicSecret(actor, input);
    permission.assertCan(Action.EditRootCredential, SUBJECT, fields(secret.metadata));
    if (patch.metadata !== undefined) permission.assertCan(Action.EditRootCredential, SUBJECT, fields(patch.metadata));
    assertIfMatch(input.ifMatch, secret.version);
    assertNotDeleting(secret);
    const newName = patch.newName === secret.name ? undefined : patch.newName; // D4: same name is a no-op
    await assertNameFree(folder.id, newName);
    assertNoGateways(patch.inputs);
    const cipher = await deps.kms.forProject(project.id);

    const write = async (latest?: DynamicSecret) => {
      // The latest committed row: with the queue, no other inputs change of this process is in flight.
      const current = latest ?? (patch.inputs === undefined ? secret : await repo.findDynamicSecretById(db, secret.id));
      if (!current || current.name !== input.name) throw secretNotFound(input.name, folder.path);
      const tested = planInputs(providers, current.type, decryptInputs(cipher, current), patch.inputs);
      assertDefaultWithinMax(patch.defaultTTL ?? current.defaultTTL, patch.maxTTL !== undefined ? patch.maxTTL : current.maxTTL);
      if (tested.changed) await provider(current.type).validateConnection(tested.inputs, deps.providerContext);

      return db.transaction().execute(async (trx) => {
        const locked = await repo.lockDynamicSecret(trx, secret.id);
        // D5: deleted (or renamed away) since the pre-read → 404, never 500.
        if (!locked || locked.name !== input.name) throw secretNotFound(input.name, folder.path);
        permission.assertCan(Action.EditRootCredential, SUBJECT, fields(locked.metadata));
        assertIfMatch(input.ifMatch, locked.version);
        assertNotDeleting(locked);
        const before = decryptInputs(cipher, locked);
        let plan = tested;
        if (locked.version !== current.version) {
          plan = planInputs(providers, locked.type, before, patch.inputs);
          if (plan.changed && !jsonEqual(plan.inputs, tested.inputs)) throw new StaleMergeError(locked);
          assertDefaultWithinMax(patch.defaultTTL ?? locked.defaultTTL, patch.maxTTL !== undefined ? patch.maxTTL : locked.maxTTL);
        }
        if (plan.changed) await assertLeaseTargetUnchanged(trx, provider(locked.type), locked.id, before, plan.inputs); // D30

        const updated = await repo.updateDynamicSecret(trx, locked.id, {
          name: newName,
          defaultTTL: patch.defaultTTL,
          maxTTL: patch.maxTTL,
          usernameTemplate: patch.usernameTemplate,
          encryptedInput: plan.changed ? cipher.encryptJson(plan.inputs) : undefined,
        });
        const metadata = patch.metadata ?? locked.metadata;
        if (patch.metadata !== undefined) await repo.replaceMetadata(trx, locked.id, actor.orgId, patch.metadata);
        const after = { ...updated, metadata };
        const updatedFields = diffUpdatedFields(
          { ...locked, inputs: before },
          { ...after, inputs: plan.changed ? plan.inputs : before },
        );
        await audit(trx, {
          actor,
          ctx,
          orgId: actor.orgId,
          project,
          event: {
            type: EventType.UpdateDynamicSecret,
            metadata: {
              dynamicSecretName: updated.name,
              dynamicSecretType: updated.type,
              dynamicSecretId: updated.id,
              environment: input.environmentSlug,
              secretPath: input.path,
              projectId: project.id,
              updatedFields,
            },
          },
        });
        return { secret: after, inputs: plan.changed ? plan.inputs : before };
      });
    };

    // Two lanes per secret: inputs changes (which may wait for a connection test) and the rest (which
    // never do). Each lane runs one PATCH at a time in this process, so a hot secret ties up at most
    // two pool connections waiting on its row lock, and a TTL edit never waits for a connection test.
    const writeWithRetries = async () => {
      let latest: DynamicSecret | undefined;
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await write(latest);
        } catch (err) {
          if (!(err instanceof StaleMergeError)) throw err;
          latest = err.latest;
          if (attempt >= MAX_UPDATE_ATTEMPTS) {
            throw new PreconditionFailedError("The dynamic secret kept changing while this update was validated; retry the request");
          }
        }
      }
    };
    const lane = patch.inputs === undefined ? "settings" : "inputs";
    const result = await perSecretQueue.run(`${secret.id}:${lane}`, writeWithRetries);
    const canRead = permission.can(Action.ReadRootCredential, SUBJECT, fields(result.secret.metadata));
    return view(result.secret, canRead ? providers.redact(result.secret.type, result.inputs) : null);
  }

  async function getByName(input: GetDynamicSecretInput) {
    const { actor, ctx } = input;
    const { project, permission, secret, fields } = await resolveDynamicSecret(actor, input, getNotFound);
    permission.assertCan(Action.ReadRootCredential, SUBJECT, fields(secret.metadata));
    permission.assertCan(Action.EditRootCredential, SUBJECT, fields(secret.metadata));
    const cipher = await deps.kms.forProject(project.id);
    const inputs = decryptInputs(cipher, secret);
    await audit(db, {
      actor,
      ctx,
      orgId: actor.orgId,
      project,
      event: { type: EventType.GetDynamicSecret, metadata: secretAuditIds(secret, input, project.id) },
    });
    return view(secret, providers.redact(secret.type, inputs));
  }

  async function list(input: ListDynamicSecretsInput) {
    const { actor, ctx } = input;
    const { project, permission } = await resolveProject(actor, input.projectSlug);
    const scope = { environment: input.environmentSlug, secretPath: input.path };
    permission.assertCan(Action.ReadRootCredential, SUBJECT, scope);
    const folder = await deps.folders.resolveFolderByPath(project.id, input.environmentSlug, input.path);
    const secrets = await repo.listDynamicSecretsInFolder(db, folder.id);
    const visible = secrets.filter((s) => permission.can(Action.ReadRootCredential, SUBJECT, { ...scope, metadata: s.metadata }));
    await audit(db, {
      actor,
      ctx,
      orgId: actor.orgId,
      project,
      event: { type: EventType.ListDynamicSecrets, metadata: { ...scope, projectId: project.id } },
    });
    return visible.map((s) => view(s));
  }

  /**
   * D29: without leases the secret goes at once. With leases, not forced: status
   * `Revocation in process` and the expiry worker revokes them one by one, then deletes the secret;
   * forced: each lease is revoked best-effort, then everything goes at once.
   */
  async function deleteByName(input: DeleteDynamicSecretInput) {
    const { actor, ctx } = input;
    const { project, permission, folder, secret, fields } = await resolveDynamicSecret(actor, input);
    permission.assertCan(Action.DeleteRootCredential, SUBJECT, fields(secret.metadata));
    // D29: a forced delete revokes the leases with the inputs decrypted here, before the transaction.
    const leaseInputs = input.isForced ? await deps.target.inputsOf(secret, project.id) : undefined;
    const deleted = await db.transaction().execute(async (trx) => {
      const locked = await repo.lockDynamicSecret(trx, secret.id);
      if (!locked || locked.name !== input.name) throw secretNotFound(input.name, folder.path);
      permission.assertCan(Action.DeleteRootCredential, SUBJECT, fields(locked.metadata));
      const deleteNow = await revokeLeasesBeforeDelete(trx, deps.target, locked, leaseInputs, input.isForced);
      if (deleteNow) await repo.deleteDynamicSecret(trx, locked.id);
      await audit(trx, {
        actor,
        ctx,
        orgId: actor.orgId,
        project,
        event: { type: EventType.DeleteDynamicSecret, metadata: secretAuditIds(locked, input, project.id) },
      });
      return deleteNow ? locked : repo.setDynamicSecretStatus(trx, locked.id, repo.STATUS_DELETING, null);
    });
    return view(deleted);
  }

  return { create, updateByName, getByName, list, deleteByName, resolveDynamicSecret };
}

export type DynamicSecretService = ReturnType<typeof createDynamicSecretService>;

/** The ids every dynamic-secret (and lease) audit event carries. */
export function secretAuditIds(secret: DynamicSecret, locator: Locator, projectId: string) {
  return {
    dynamicSecretName: secret.name,
    dynamicSecretType: secret.type,
    dynamicSecretId: secret.id,
    environment: locator.environmentSlug,
    secretPath: locator.path,
    projectId,
  };
}
