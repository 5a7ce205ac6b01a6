import type { PGlite } from "@electric-sql/pglite";
import PgBoss from "pg-boss";
import type { Db } from "../db/database.js";
import type { LeaseExpiryService } from "../leases/lease-expiry.service.js";
import { LEASE_EXPIRY_QUEUE, type AttachableLeaseQueue } from "./lease-queue.js";

// The jobs room (D26): pg-boss (a maintained PostgreSQL-backed queue) runs one job per lease at its
// expireAt, and a sweep of `expireAt <= now()` runs at start and every LEASE_SWEEP_INTERVAL_MS, so
// nothing depends on a job having been enqueued (a crash between commit and enqueue, a lease that
// expired while no server ran). Handlers call the expiry service, never SQL; the lease rows decide,
// so a job that runs twice, or on two replicas, revokes once.
//
// On PostgreSQL pg-boss has its own small pool. On the embedded PGlite it runs through the same
// single connection as everything else (an adapter that takes Kysely's connection for each
// statement, multi-statement scripts through PGlite's exec).

export type LeaseJobsOptions = {
  db: Db;
  /** PostgreSQL: pg-boss connects here. Embedded: `pglite` is used instead. */
  connectionString?: string;
  pglite?: PGlite;
  expiry: LeaseExpiryService;
  queue: AttachableLeaseQueue;
  sweepIntervalMs: number;
  log: { error(obj: object, msg: string): void; info(msg: string): void };
};

export type LeaseJobs = { stop(): Promise<void>; sweepNow(): Promise<void> };

function embeddedAdapter(db: Db, pglite: PGlite) {
  return {
    executeSql: (text: string, values?: unknown[]) =>
      db.connection().execute(async () => {
        if (values && values.length > 0) return pglite.query(text, values as unknown[]);
        const results = await pglite.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      }),
  };
}

export async function startLeaseJobs(options: LeaseJobsOptions): Promise<LeaseJobs> {
  const { expiry, log } = options;
  const connection = options.pglite
    ? { db: embeddedAdapter(options.db, options.pglite) }
    : { connectionString: options.connectionString, max: 2, application_name: "dsapi-jobs" };
  const boss = new PgBoss({ ...connection, schedule: false, supervise: true, migrate: true });
  boss.on("error", (err) => log.error({ err }, "job queue error"));
  await boss.start();
  await boss.createQueue(LEASE_EXPIRY_QUEUE);
  await boss.work<{ leaseId: string }>(LEASE_EXPIRY_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 25 }, async (jobs) => {
    for (const job of jobs) {
      await expiry.revokeDue(job.data.leaseId).catch((err: unknown) => log.error({ err, leaseId: job.data.leaseId }, "lease expiry job failed"));
    }
  });
  options.queue.attach(boss);

  let running: Promise<void> | undefined;
  let stopped = false;
  const sweepNow = async () => {
    if (stopped) return;
    if (running) return running;
    running = expiry
      .sweep()
      .then(() => undefined)
      .catch((err: unknown) => log.error({ err }, "lease sweep failed"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweepNow(), options.sweepIntervalMs);
  void sweepNow(); // at start: leases that expired while no server ran (D26)

  return {
    sweepNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      options.queue.attach(undefined);
      await running;
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
    },
  };
}
