import { isForeignKeyViolation } from "../db/pg-errors.js";
import { folderNotFound } from "../lib/secret-path.js";
import { EventType } from "../audit/audit.types.js";
import { assertDefaultWithinMax } from "../lib/ttl.js";
import { subjectAt } from "../permissions/ability.js";
import { ProjectPermissionDynamicSecretActions as Action, ProjectPermissionSub } from "../permissions/actions.js";
import * as repo from "./dynamic-secret.repository.js";
import {
  STATUS_DELETING,
  type CreateDynamicSecretInput,
  type DeleteDynamicSecretInput,
  type DynamicSecret,
  type GetDynamicSecretInput,
  type ListDynamicSecretsInput,
  type Locator,
} from "./dynamic-secret.types.js";
import { createDynamicSecretResolver, getNotFound, secretNotFound } from "./resolve.js";
import { assertNoGateways, type Inputs } from "./patch.js";
import { decryptInputs, toView } from "./secret-view.js";
import { createUpdateService, type UpdateServiceDeps } from "./update.service.js";
import { revokeLeasesBeforeDelete } from "../leases/lease-expiry.service.js";
import type { TargetClient } from "../leases/revocation.js";

const SUBJECT = ProjectPermissionSub.DynamicSecrets;

export type DynamicSecretServiceDeps = UpdateServiceDeps & {
  /** Revokes leases when their secret is deleted (D29). */
  target: TargetClient;
};

export function createDynamicSecretService(deps: DynamicSecretServiceDeps) {
  const { db, providers } = deps;
  const { resolveProject, resolveDynamicSecret, assertNameFree } = createDynamicSecretResolver(deps);
  const { updateByName } = createUpdateService(deps);

  const audit = deps.auditWriter.record;

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
    await providers.providerFor(type).validateConnection(inputs, deps.providerContext);
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
    return toView(created, providers.redact(type, inputs));
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
      project,
      event: { type: EventType.GetDynamicSecret, metadata: secretAuditIds(secret, input, project.id) },
    });
    return toView(secret, providers.redact(secret.type, inputs));
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
      project,
      event: { type: EventType.ListDynamicSecrets, metadata: { environment: input.environmentSlug, secretPath: input.path, projectId: project.id } },
    });
    return visible.map((s) => toView(s));
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
        project,
        event: { type: EventType.DeleteDynamicSecret, metadata: secretAuditIds(locked, input, project.id) },
      });
      return deleteNow ? locked : repo.setDynamicSecretStatus(trx, locked.id, STATUS_DELETING, null);
    });
    return toView(deleted);
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
