import { BadRequestError, NotFoundError } from "./errors.js";

// Secret paths: "/" is the root, segments are folder names.

const SEGMENT_RE = /^[a-zA-Z0-9-_]+$/;

/** Removes one trailing slash, except from the root path (Infisical's removeTrailingSlash). */
export function removeTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Adds a missing leading slash and removes every trailing one; the root stays "/". */
export function normalizeSecretPath(path: string): string {
  const withLeading = path.startsWith("/") ? path : `/${path}`;
  return removeTrailingSlash(withLeading.replace(/\/+$/, "/"));
}

/** The folder names along `path`, each checked; an invalid one is the spec's 400. */
export function pathSegments(path: string): string[] {
  const segments = path.split("/").filter(Boolean);
  for (const segment of segments) {
    if (!SEGMENT_RE.test(segment)) {
      throw new BadRequestError("Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed.");
    }
  }
  return segments;
}

export function joinSecretPath(segments: readonly string[]): string {
  return segments.length === 0 ? "/" : `/${segments.join("/")}`;
}

export function folderNotFound(path: string, environmentSlug: string): NotFoundError {
  return new NotFoundError(`Folder with path '${path}' in environment '${environmentSlug}' not found`);
}

/**
 * The folder names to walk for a request's `path`, or the error its lookup answers: a segment with
 * characters other than letters, digits, `-`, `_` → 400; as in Infisical, one more trailing slash
 * is removed and the rest must be a folder's exact path, so `""`, `app`, `//app`, `/a//b`,
 * `/app//` (after the router's own removal) name no folder (404 naming `path` as given). Pure, so callers that load everything in one statement can answer in order.
 */
export function folderLookup(path: string, environmentSlug: string): { segments: string[] } | { error: Error } {
  let segments: string[];
  try {
    segments = pathSegments(path);
  } catch (error) {
    return { error: error as Error };
  }
  if (removeTrailingSlash(path) !== joinSecretPath(segments)) return { error: folderNotFound(path, environmentSlug) };
  return { segments };
}
