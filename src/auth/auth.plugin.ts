import type { FastifyInstance, FastifyRequest } from "fastify";
import { clientIp } from "../http/request-context.js";
import type { Actor } from "../lib/actor.js";
import type { AuthService, PendingAuth } from "./auth.service.js";

// Routes opt in with `config: { auth: true }` (never a URL-prefix exemption). The hook runs in
// onRequest, before body parsing and validation, so a missing token beats any body error (D14).
//
// `config: { auth: "deferred" }` is the same contract with one round trip fewer, for hot routes
// whose handler reads the token row in its own first statement: onRequest runs every check that
// needs no database (header, signature, claims) and leaves `request.pendingAuth`; the handler
// admits the caller from its statement (authService.admitPending). Should anything fail before
// that (body parsing, validation, rate limit), `settlePendingAuth` runs first in the error
// handler, so the token's own error still wins, exactly as with `auth: true`.

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: boolean | "deferred";
  }
  interface FastifyRequest {
    /** Set on routes with `config.auth: true`; reading it elsewhere is a programming error. */
    actor: Actor;
    /** Set on routes with `config.auth: "deferred"`. */
    pendingAuth: PendingAuth | null;
  }
}

type Auth = Pick<AuthService, "authenticate" | "verifyBearer" | "settlePending">;

/** Adds the global authentication hook; call on the root instance before any route is registered. */
export function registerAuth(app: FastifyInstance, { authService }: { authService: Auth }): void {
  app.decorateRequest("actor", null as unknown as Actor);
  app.decorateRequest("pendingAuth", null);
  app.addHook("onRequest", async (request) => {
    const mode = request.routeOptions.config.auth;
    if (!mode) return;
    const header = request.headers.authorization;
    const credentials = {
      authorization: Array.isArray(header) ? header[0] : header,
      hasApiKey: request.headers["x-api-key"] !== undefined,
      clientIp: clientIp(request),
    };
    if (mode === "deferred") {
      request.pendingAuth = { claims: authService.verifyBearer(credentials), clientIp: credentials.clientIp };
      return;
    }
    request.actor = await authService.authenticate(credentials);
  });
}

/**
 * For the error handler: a deferred caller not admitted yet is admitted (or refused) now, and a
 * refusal is the error to answer instead of `err`.
 */
export function settlePendingAuth(authService: Pick<AuthService, "settlePending">) {
  return async (request: FastifyRequest, err: unknown): Promise<unknown> => {
    if (!request.pendingAuth) return err;
    return authService.settlePending(request.pendingAuth).then(
      () => err,
      (refusal: unknown) => refusal,
    );
  };
}
