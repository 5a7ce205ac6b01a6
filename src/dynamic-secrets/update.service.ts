import type { AuditWriter } from "../audit/audit-writer.js";
import { EventType } from "../audit/audit.types.js";
import type { ProjectCipher } from "../kms/kms.service.js";
import { BadRequestError, PreconditionFailedError } from "../lib/errors.js";
import { assertDefaultWithinMax } from "../lib/ttl.js";
import { assertNoLeasesAtTarget, leaseTargetMoves } from "../leases/drift.js";
import { ProjectPermissionDynamicSecretActions as Action, ProjectPermissionSub } from "../permissions/actions.js";
import * as repo from "./dynamic-secret.repository.js";
import { STATUS_DELETING, type DynamicSecret, type UpdateDynamicSecretInput } from "./dynamic-secret.types.js";
import { createKeyedQueue } from "./keyed-queue.js";
import { assertNoGateways, diffUpdatedFields, jsonEqual, planInputs, type Inputs, type InputsPlan } from "./patch.js";
import type { ProviderContext, ProviderRegistry } from "./providers/index.js";
import { createDynamicSecretResolver, secretNotFound, type ResolverDeps } from "./resolve.js";
import { decryptInputs, toView } from "./secret-view.js";

// PATCH /api/v1/dynamic-secrets/{name}, top to bottom:
//   resolve   project, permission, folder and the secret: one statement (resolve.ts);
//   authorize 403 on the stored and the proposed metadata, 412 If-Match, D7 being deleted,
//             D4 name taken, D20 gateways — Infisical's order, before any provider work;
//   plan      the merged inputs (422) and TTLs (400) from the row, and the audit's updatedFields;
//   test      the connection when the inputs change (D17), outside any transaction;
//   write     one statement: the row (version + 1), its metadata and the audit row (D1, D6), applied
//             only if the row is still at the version planned from (D2).
// When another process wrote first, the write applies nothing: plan again from the row as it is
// now (authorize again, test again only if the merged inputs differ from those tested) and write.
// In this process, PATCHes of one secret take turns, each planning from the row its predecessor
// wrote, so a busy secret costs no failed writes.

const SUBJECT = ProjectPermissionSub.DynamicSecrets;
/** Plans one PATCH may make while other processes keep writing the row first (each miss is another's success). */
const MAX_PLANS = 25;

export type UpdateServiceDeps = ResolverDeps & {
  providers: ProviderRegistry;
  providerContext: ProviderContext;
  kms: { forProject(projectId: string): Promise<ProjectCipher> };
  auditWriter: AuditWriter;
};

type Resolved = Awaited<ReturnType<ReturnType<typeof createDynamicSecretResolver>["resolveDynamicSecret"]>>;
/** What one PATCH asks, resolved: who, where, the row it was resolved against, and the key to use. */
type Update = Resolved & { input: UpdateDynamicSecretInput; newName: string | undefined; cipher: ProjectCipher };
type Plan = { base: DynamicSecret; before: Inputs; inputs: InputsPlan; updatedFields: string[] };
type Written = { secret: DynamicSecret; inputs: Inputs };

export function createUpdateService(deps: UpdateServiceDeps) {
  const { db, providers } = deps;
  const { resolveDynamicSecret, assertNameFree } = createDynamicSecretResolver(deps);
  const turns = createKeyedQueue<Written>();

  async function updateByName(input: UpdateDynamicSecretInput) {
    const resolved = await resolveDynamicSecret(input.actor, input);
    const { patch } = input;
    authorize(resolved, input, resolved.secret);
    const newName = patch.newName === resolved.secret.name ? undefined : patch.newName; // D4: same name is a no-op
    await assertNameFree(resolved.folder.id, newName);
    assertNoGateways(patch.inputs);
    const update: Update = { ...resolved, input, newName, cipher: await deps.kms.forProject(resolved.project.id) };

    const written = await turns.run(resolved.secret.id, (previous) =>
      planTestWrite(update, previous && previous.secret.version > resolved.secret.version ? previous.secret : resolved.secret),
    );
    const canRead = update.permission.can(Action.ReadRootCredential, SUBJECT, update.fields(written.secret.metadata));
    return toView(written.secret, canRead ? providers.redact(written.secret.type, written.inputs) : null);
  }

  /** The guards of a PATCH against one state of the row (D5, 403, 412, D7). */
  function authorize(at: Resolved, input: UpdateDynamicSecretInput, row: DynamicSecret): void {
    if (row.name !== input.name) throw secretNotFound(input.name, at.folder.path); // renamed away: D5
    at.permission.assertCan(Action.EditRootCredential, SUBJECT, at.fields(row.metadata));
    if (input.patch.metadata !== undefined) at.permission.assertCan(Action.EditRootCredential, SUBJECT, at.fields(input.patch.metadata));
    const { ifMatch } = input;
    if (ifMatch !== undefined && ifMatch !== "*" && !ifMatch.includes(row.version)) {
      throw new PreconditionFailedError(`The dynamic secret is at version ${row.version}; If-Match names another version`);
    }
    if (row.status === STATUS_DELETING) throw new BadRequestError("Dynamic secret is being deleted");
  }

  async function planTestWrite(update: Update, base: DynamicSecret): Promise<Written> {
    let tested: Inputs | undefined;
    for (let plans = 1; plans <= MAX_PLANS; plans += 1) {
      if (base !== update.secret) authorize(update, update.input, base); // the row moved since it was authorized
      const plan = planFrom(update, base);
      if (plan.inputs.changed && !(tested && jsonEqual(tested, plan.inputs.inputs))) {
        await providers.providerFor(base.type).validateConnection(plan.inputs.inputs, deps.providerContext);
        tested = plan.inputs.inputs;
      }
      const secret = await write(update, plan);
      if (secret) return { secret, inputs: plan.inputs.inputs };
      // Another process wrote first (D2), or deleted the secret (D5: 404).
      const current = await repo.findDynamicSecretById(db, base.id);
      if (!current) throw secretNotFound(update.input.name, update.folder.path);
      base = current;
    }
    throw new PreconditionFailedError("The dynamic secret kept changing while this update was validated; retry the request");
  }

  function planFrom(update: Update, base: DynamicSecret): Plan {
    const { patch } = update.input;
    const before = decryptInputs(update.cipher, base);
    const inputs = planInputs(providers, base.type, before, patch.inputs);
    const maxTTL = patch.maxTTL !== undefined ? patch.maxTTL : base.maxTTL;
    assertDefaultWithinMax(patch.defaultTTL ?? base.defaultTTL, maxTTL);
    const after = {
      name: update.newName ?? base.name,
      defaultTTL: patch.defaultTTL ?? base.defaultTTL,
      maxTTL,
      usernameTemplate: patch.usernameTemplate !== undefined ? patch.usernameTemplate : base.usernameTemplate,
      metadata: patch.metadata ?? base.metadata,
      inputs: inputs.inputs,
    };
    return { base, before, inputs, updatedFields: diffUpdatedFields({ ...base, inputs: before }, after) };
  }

  /** The plan in one statement if the row is still at the planned version; undefined otherwise. */
  async function write(update: Update, plan: Plan): Promise<DynamicSecret | undefined> {
    const provider = providers.providerFor(plan.base.type);
    const values = writeValues(update, plan);
    const written =
      plan.inputs.changed && leaseTargetMoves(provider, plan.before, plan.inputs.inputs)
        ? // D30: moving where leases live is decided under the row lock, which lease creation takes too.
          await db.transaction().execute(async (trx) => {
            const locked = await repo.lockDynamicSecret(trx, plan.base.id);
            if (locked?.version !== plan.base.version) return undefined;
            await assertNoLeasesAtTarget(trx, locked.id);
            return repo.writeDynamicSecretPatch(trx, values);
          })
        : await repo.writeDynamicSecretPatch(db, values);
    return written && { ...written, metadata: update.input.patch.metadata ?? plan.base.metadata };
  }

  function writeValues(update: Update, plan: Plan): repo.DynamicSecretPatchWrite {
    const { input, newName, actor, project, cipher } = update;
    const { patch } = input;
    return {
      id: plan.base.id,
      expectedVersion: plan.base.version,
      changes: {
        name: newName,
        defaultTTL: patch.defaultTTL,
        maxTTL: patch.maxTTL,
        usernameTemplate: patch.usernameTemplate,
        encryptedInput: plan.inputs.changed ? cipher.encryptJson(plan.inputs.inputs) : undefined,
      },
      metadata: patch.metadata && { orgId: actor.orgId, entries: patch.metadata },
      audit: deps.auditWriter.rowValues({
        actor,
        ctx: input.ctx,
        project,
        event: {
          type: EventType.UpdateDynamicSecret,
          metadata: {
            dynamicSecretName: newName ?? plan.base.name,
            dynamicSecretType: plan.base.type,
            dynamicSecretId: plan.base.id,
            environment: input.environmentSlug,
            secretPath: input.path,
            projectId: project.id,
            updatedFields: plan.updatedFields,
          },
        },
      }),
    };
  }

  return { updateByName };
}
