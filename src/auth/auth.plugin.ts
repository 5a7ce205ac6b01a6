import type { FastifyInstance } from "fastify";
import { clientIp } from "../http/request-context.js";
import type { Actor } from "../lib/actor.js";
import type { AuthService } from "./auth.service.js";

// Routes opt in with `config: { auth: true }` (never a URL-prefix exemption). The hook runs in
// onRequest, before body parsing and validation, so a missing token beats any body error (D14).

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: boolean;
  }
  interface FastifyRequest {
    /** Set on routes with `config.auth`; reading it elsewhere is a programming error. */
    actor: Actor;
  }
}

/** Adds the global authentication hook; call on the root instance before any route is registered. */
export function registerAuth(app: FastifyInstance, { authService }: { authService: Pick<AuthService, "authenticate"> }): void {
  app.decorateRequest("actor", null as unknown as Actor);
  app.addHook("onRequest", async (request) => {
    if (!request.routeOptions.config.auth) return;
    const header = request.headers.authorization;
    request.actor = await authService.authenticate({
      authorization: Array.isArray(header) ? header[0] : header,
      hasApiKey: request.headers["x-api-key"] !== undefined,
      clientIp: clientIp(request),
    });
  });
}
