import { BadRequestError } from "../lib/errors.js";

// Secret paths: "/" is the root, segments are folder names (auth-and-permissions.md §B.5 step 6).

const SEGMENT_RE = /^[a-zA-Z0-9-_]+$/;

/** Adds a missing leading slash and removes trailing ones; the root stays "/". */
export function normalizeSecretPath(path: string): string {
  const withLeading = path.startsWith("/") ? path : `/${path}`;
  const trimmed = withLeading.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
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
