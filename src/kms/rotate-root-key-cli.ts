// `npm run rotate-root-key`: re-wraps every project data key under a new root key.
// The current key comes from the usual configuration (ROOT_ENCRYPTION_KEY / ENCRYPTION_KEY, or the
// embedded secrets file); the new one from NEW_ROOT_ENCRYPTION_KEY. Stored data is not touched.
// When the current key lives in the embedded secrets file, the file is updated too (atomically, the
// old one kept as a 0600 backup), and NEW_ROOT_ENCRYPTION_KEY may be omitted: a key is generated.
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig, parseKey32, rootKeyIdOf } from "../config.js";
import { createDb } from "../db/client.js";
import { rotateRootKey } from "./kms.service.js";
import { stageRootKeyInSecretsFile, type StagedRootKey } from "./secrets-file.js";

type Output = { log: (line: string) => void; error: (line: string) => void };

export async function runRotateRootKeyCli(env: Record<string, string | undefined>, out: Output): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    out.error(err instanceof ConfigError ? err.message : String(err));
    return 1;
  }
  const raw = env.NEW_ROOT_ENCRYPTION_KEY;
  const newKey = raw ? parseKey32(raw) : config.rootKeyFile ? randomBytes(32) : undefined;
  if (!newKey) {
    out.error(
      "Missing configuration: NEW_ROOT_ENCRYPTION_KEY must be 32 bytes as base64 (e.g. `openssl rand -base64 32`), or a 32-character string",
    );
    return 1;
  }
  const to = { rootKey: newKey, rootKeyId: rootKeyIdOf(newKey) };
  const from = { rootKey: config.rootKey, rootKeyId: config.rootKeyId };
  if (to.rootKeyId === from.rootKeyId) {
    out.error("NEW_ROOT_ENCRYPTION_KEY is the key already in use: nothing to rotate");
    return 1;
  }

  let staged: StagedRootKey | undefined;
  try {
    staged = config.rootKeyFile ? stageRootKeyInSecretsFile(config.rootKeyFile, newKey) : undefined;
  } catch (err) {
    out.error(`Rotation refused, nothing was changed: cannot write beside ${config.rootKeyFile} (${errorText(err)})`);
    return 1;
  }
  let handle;
  try {
    handle = await createDb(config.database);
  } catch (err) {
    staged?.abort();
    out.error(err instanceof ConfigError ? err.message : `Rotation failed, nothing was changed: ${String(err)}`);
    return 1;
  }
  try {
    const result = await rotateRootKey(handle.db, from, to);
    out.log(
      `Re-wrapped ${result.rewrapped} project data key(s) under root key ${to.rootKeyId}` +
        (result.alreadyCurrent ? ` (${result.alreadyCurrent} already used it)` : "") +
        ` in ${handle.description}.`,
    );
  } catch (err) {
    staged?.abort();
    out.error(`Rotation failed, nothing was changed: ${errorText(err)}`);
    return 1;
  } finally {
    await handle.db.destroy();
  }
  if (!staged) {
    out.log(
      `Next: set ROOT_ENCRYPTION_KEY to the value of NEW_ROOT_ENCRYPTION_KEY (root key id ${to.rootKeyId}), ` +
        "unset ENCRYPTION_KEY if you used it, and restart the server. The previous key no longer opens anything.",
    );
    return 0;
  }
  try {
    staged.commit();
  } catch (err) {
    out.error(
      `The data keys now use root key ${to.rootKeyId}, but ${config.rootKeyFile} could not be replaced (${errorText(err)}): ` +
        `move ${staged.staged} to ${config.rootKeyFile} before starting the server`,
    );
    return 1;
  }
  out.log(
    `Updated ${config.rootKeyFile} with the new root key (id ${to.rootKeyId}); the previous file is kept as ${staged.backup} ` +
      "(mode 0600): delete it once you no longer need it. Restart the server.",
  );
  return 0;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runRotateRootKeyCli(process.env, {
    log: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(code);
}
