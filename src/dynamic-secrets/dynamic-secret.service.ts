import type { Db, Trx } from "../db/database.js";
import { isForeignKeyViolation } from "../db/pg-errors.js";
import { folderNotFound } from "../lib/secret-path.js";
import { auditRowValues, insertAuditLog } from "../audit/audit.repository.js";
import { EventType, type AuditEntry } from "../audit/audit.types.js";
import type { ProjectCipher } from "../kms/kms.service.js";
import { BadRequestError, PreconditionFailedError } from "../lib/errors.js";
import { assertDefaultWithinMax } from "../lib/ttl.js";
import { subjectAt } from "../permissions/ability.js";
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
import { isPlainObject } from "../lib/objects.js";
import { assertNoGateways, diffUpdatedFields, jsonEqual, planInputs, type Inputs } from "./patch.js";
import { assertLeaseTargetUnchanged, leaseTargetMoves } from "../leases/drift.js";
import { revokeLeasesBeforeDelete } from "../leases/lease-expiry.service.js";
import type { TargetClient } from "../leases/revocation.js";

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
/** Writes of one PATCH that found the row moved by another writer (see updateByName). */
const MAX_UPDATE_ATTEMPTS = 25;

export type DynamicSecretServiceDeps = ResolverDeps & {
  providers: ProviderRegistry;
  providerContext: ProviderContext;
  kms: { forProject(projectId: string): Promise<ProjectCipher> };
  auditLogRetentionDays: number;
  /** Revokes leases when their secret is deleted (D29). */
  target: TargetClient;
};

type UpdateResult = { secret: DynamicSecret; inputs: Inputs };

export function createDynamicSecretService(deps: DynamicSecretServiceDeps) {
  const { db, providers } = deps;
  const perSecretQueue = createKeyedQueue<UpdateResult>();
  const { resolveProject, resolveDynamicSecret, assertNameFree } = createDynamicSecretResolver(deps);

  const audit = (executor: Db | Trx, entry: AuditEntry) => insertAuditLog(executor, entry, deps.auditLogRetentionDays);

  function view(secret: DynamicSecret, inputs?: unknown): DynamicSecretView {
    const { encryptedInput: _ciphertext, ...rest } = secret;
    return { ...rest, projectGatewayId: null, ...(inputs === undefined ? {} : { inputs }) };
  }

  const provider = (type: string) => providers.providerFor(type);

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
    permission.assertCan(Action.CreateRootCredential, SUBJECT, subjectAt(input.environmentSlug, input.path, input.metadata ?? []));
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
    }).catch((err: unknown) => {
      // The folder was deleted after it was resolved: the answer a later request would get.
      if (isForeignKeyViolation(err, "dynamic_secrets_folder_id_fkey")) throw folderNotFound(input.path, input.environmentSlug);
      throw err;
    });
    return view(created, providers.redact(type, inputs));
  }

  /**
   * PATCH, read top to bottom: resolve → authorize → plan → write.
   * - resolve: project, permission, folder and the secret in one statement;
   * - authorize: against the stored row's metadata and the proposed metadata (403), If-Match (412),
   *   not being deleted (D7), name free (D4), no gateways (D20);
   * - plan: from the latest row — merged and validated inputs (422), TTLs (400), and the connection
   *   test when the inputs change (D17), outside any transaction;
   * - write: one statement that applies the plan only if the row is still at the planned version,
   *   with its metadata and audit row (D2, D6). Otherwise plan again under the row lock from the
   *   row as it now is (leaving the lock only to test inputs not tested yet), so no lost update, no
   *   untested inputs, and writers of a contended row are served in turn.
   * PATCHes of one secret are queued in this process, inputs changes in one lane and the rest in
   * another (a TTL edit never waits for a connection test).
   */
  async function updateByName(input: UpdateDynamicSecretInput) {
    const { ctx, patch } = input;
    const { actor, project, permission, folder, secret, fields } = await resolveDynamicSecret(input.actor, input);
    permission.assertCan(Action.EditRootCredential, SUBJECT, fields(secret.metadata));
    if (patch.metadata !== undefined) permission.assertCan(Action.EditRootCredential, SUBJECT, fields(patch.metadata));
    assertIfMatch(input.ifMatch, secret.version);
    assertNotDeleting(secret);
    const newName = patch.newName === secret.name ? undefined : patch.newName; // D4: same name is a no-op
    await assertNameFree(folder.id, newName);
    assertNoGateways(patch.inputs);
    const cipher = await deps.kms.forProject(project.id);

    /** What this PATCH would make of `base`, or the error it answers against it. */
    function plan(base: DynamicSecret) {
      if (base.name !== input.name) throw secretNotFound(input.name, folder.path); // renamed away: D5
      permission.assertCan(Action.EditRootCredential, SUBJECT, fields(base.metadata));
      assertIfMatch(input.ifMatch, base.version);
      assertNotDeleting(base);
      const before = decryptInputs(cipher, base);
      const inputs = planInputs(providers, base.type, before, patch.inputs);
      assertDefaultWithinMax(patch.defaultTTL ?? base.defaultTTL, patch.maxTTL !== undefined ? patch.maxTTL : base.maxTTL);
      const after = {
        name: newName ?? base.name,
        defaultTTL: patch.defaultTTL ?? base.defaultTTL,
        maxTTL: patch.maxTTL !== undefined ? patch.maxTTL : base.maxTTL,
        usernameTemplate: patch.usernameTemplate !== undefined ? patch.usernameTemplate : base.usernameTemplate,
        metadata: patch.metadata ?? base.metadata,
        inputs: inputs.inputs,
      };
      return { before, inputs, updatedFields: diffUpdatedFields({ ...base, inputs: before }, after) };
    }

    const write = async (executor: Db | Trx, base: DynamicSecret, planned: ReturnType<typeof plan>) =>
      repo.writeDynamicSecretPatch(executor, {
        id: base.id,
        expectedVersion: base.version,
        changes: {
          name: newName,
          defaultTTL: patch.defaultTTL,
          maxTTL: patch.maxTTL,
          usernameTemplate: patch.usernameTemplate,
          encryptedInput: planned.inputs.changed ? cipher.encryptJson(planned.inputs.inputs) : undefined,
        },
        metadata: patch.metadata && { orgId: actor.orgId, entries: patch.metadata },
        audit: auditRowValues(
          {
            actor,
            ctx,
            orgId: actor.orgId,
            project,
            event: {
              type: EventType.UpdateDynamicSecret,
              metadata: {
                dynamicSecretName: newName ?? base.name,
                dynamicSecretType: base.type,
                dynamicSecretId: base.id,
                environment: input.environmentSlug,
                secretPath: input.path,
                projectId: project.id,
                updatedFields: planned.updatedFields,
              },
            },
          },
          deps.auditLogRetentionDays,
        ),
      });

    const lane = patch.inputs === undefined ? "settings" : "inputs";
    const done = (written: DynamicSecret, base: DynamicSecret, planned: ReturnType<typeof plan>): UpdateResult => ({
      secret: { ...written, metadata: patch.metadata ?? base.metadata },
      inputs: planned.inputs.inputs,
    });

    const planAndWrite = async (predecessor?: UpdateResult): Promise<UpdateResult> => {
      // The row to plan from: the one just resolved, unless this PATCH waited behind another. Then a
      // settings edit starts from the row its predecessor wrote, and an inputs change re-reads the
      // row, so that no process's queue gets ahead of the others' on a contended secret.
      let base = secret;
      if (predecessor) {
        const latest = lane === "inputs" ? await repo.findDynamicSecretById(db, secret.id) : predecessor.secret;
        if (!latest) throw secretNotFound(input.name, folder.path);
        if (latest.version > base.version) base = latest;
      }
      const planned = plan(base);
      let tested: Inputs | undefined;
      if (planned.inputs.changed) {
        await provider(base.type).validateConnection(planned.inputs.inputs, deps.providerContext);
        tested = planned.inputs.inputs;
      }
      // D30: a change of where leases live is decided under the row lock (lease creation takes it too).
      const movesTarget = planned.inputs.changed && leaseTargetMoves(provider(base.type), planned.before, planned.inputs.inputs);
      const written = movesTarget ? undefined : await write(db, base, planned);
      if (written) return done(written, base, planned);

      // Another writer moved the row (or deleted it: D5 → 404). From here on, take the row lock and
      // plan under it: writers waiting for one row are served in turn. Only a merge whose inputs
      // were not tested yet leaves the lock to be tested (never network I/O under a lock).
      for (let attempt = 2; attempt <= MAX_UPDATE_ATTEMPTS; attempt += 1) {
        const outcome = await db.transaction().execute(async (trx) => {
          const locked = await repo.lockDynamicSecret(trx, secret.id);
          if (!locked) throw secretNotFound(input.name, folder.path);
          const replanned = plan(locked);
          if (replanned.inputs.changed && !(tested && jsonEqual(tested, replanned.inputs.inputs))) {
            return { untested: replanned.inputs.inputs, type: locked.type };
          }
          if (replanned.inputs.changed) {
            await assertLeaseTargetUnchanged(trx, provider(locked.type), locked.id, replanned.before, replanned.inputs.inputs);
          }
          return { result: done((await write(trx, locked, replanned))!, locked, replanned) };
        });
        if (outcome.result) return outcome.result;
        await provider(outcome.type).validateConnection(outcome.untested, deps.providerContext);
        tested = outcome.untested;
      }
      throw new PreconditionFailedError("The dynamic secret kept changing while this update was validated; retry the request");
    };

    const result = await perSecretQueue.run(`${secret.id}:${lane}`, planAndWrite);
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
    permission.assertCan(Action.ReadRootCredential, SUBJECT, subjectAt(input.environmentSlug, input.path));
    const folder = await deps.folders.resolveFolderByPath(project.id, input.environmentSlug, input.path);
    const secrets = await repo.listDynamicSecretsInFolder(db, folder.id);
    const visible = secrets.filter((s) => permission.can(Action.ReadRootCredential, SUBJECT, subjectAt(input.environmentSlug, input.path, s.metadata)));
    await audit(db, {
      actor,
      ctx,
      orgId: actor.orgId,
      project,
      event: { type: EventType.ListDynamicSecrets, metadata: { environment: input.environmentSlug, secretPath: input.path, projectId: project.id } },
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
