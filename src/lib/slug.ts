import { randomInt } from "node:crypto";

const SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Name → slug, plus a random suffix (slugs are unique per organization, so two equal names still differ). */
export function generateSlug(name: string, maxLength = 36): string {
  let suffix = "";
  for (let i = 0; i < 4; i += 1) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxLength - suffix.length - 1)
    .replace(/-+$/g, "");
  return base ? `${base}-${suffix}` : suffix;
}
