import type { LeaseQueue } from "../leases/lease.service.js";

// The services' handle on the job queue. Until the jobs room attaches a sender (main.ts starts it
// after listen; tests that need it start it themselves) scheduling is a no-op: the sweep of
// `expireAt <= now()` is what guarantees expiry, the queue only makes it punctual (D26).

export const LEASE_EXPIRY_QUEUE = "dynamic-secret-lease-expiry";

export type JobSender = {
  send(queue: string, data: object, options: { startAfter: Date }): Promise<unknown>;
};

export type AttachableLeaseQueue = LeaseQueue & { attach(sender: JobSender | undefined): void };

export function createLeaseQueue(onError: (err: unknown) => void = () => undefined): AttachableLeaseQueue {
  let sender: JobSender | undefined;
  return {
    attach(next) {
      sender = next;
    },
    schedule(leaseId, at) {
      if (!sender) return;
      sender.send(LEASE_EXPIRY_QUEUE, { leaseId }, { startAfter: at }).catch(onError);
    },
  };
}
