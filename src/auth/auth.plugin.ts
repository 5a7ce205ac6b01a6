import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from "fastify";
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

/**
 * Gives every route with `config.auth` its authentication hook, chosen once when the route is
 * registered (public routes run none); call on the root instance before any route is registered.
 * It runs first among the route's onRequest hooks, after the application-wide ones.
 */
export function registerAuth(app: FastifyInstance, { authService }: { authService: Auth }): void {
  app.decorateRequest("actor", null as unknown as Actor);
  app.decorateRequest("pendingAuth", null);
  const credentialsOf = (request: FastifyRequest) => {
    const header = request.headers.authorization;
    return {
      authorization: Array.isArray(header) ? header[0] : header,
      hasApiKey: request.headers["x-api-key"] !== undefined,
      clientIp: clientIp(request),
    };
  };
  const authenticate: onRequestHookHandler = (request, _reply, done) => {
    authService.authenticate(credentialsOf(request)).then((actor) => {
      request.actor = actor;
      done();
    }, done);
  };
  // Only the checks that need no database; throwing here is answered like a rejected promise.
  const defer: onRequestHookHandler = (request, _reply, done) => {
    const credentials = credentialsOf(request);
    request.pendingAuth = { claims: authService.verifyBearer(credentials), clientIp: credentials.clientIp };
    done();
  };
  app.addHook("onRoute", (route) => {
    const mode = route.config?.auth;
    if (!mode) return;
    const hook = mode === "deferred" ? defer : authenticate;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    // A route registered again from these options (its HEAD twin, a path alias) already has it.
    if (own.includes(hook)) return;
    route.onRequest = [hook, ...own];
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
