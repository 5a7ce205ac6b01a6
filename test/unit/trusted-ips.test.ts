import { expect, test } from "vitest";
import { ALLOW_ALL_IPS, isIpTrusted, parseTrustedIp } from "../../src/auth/trusted-ips.js";

// Allow-lists are checked through BlockLists built once per distinct list (lib/caches.ts): each
// list answers for its own ranges, however the calls interleave.

const list = (...inputs: string[]) => inputs.map(parseTrustedIp);

test("each list answers for its own ranges, in any order of calls", () => {
  const office = list("10.1.0.0/16");
  const home = list("192.168.1.7", "2001:db8::/32");
  for (let round = 0; round < 3; round += 1) {
    expect(isIpTrusted("10.1.2.3", office)).toBe(true);
    expect(isIpTrusted("10.1.2.3", home)).toBe(false);
    expect(isIpTrusted("192.168.1.7", home)).toBe(true);
    expect(isIpTrusted("192.168.1.7", office)).toBe(false);
    expect(isIpTrusted("::ffff:10.1.2.3", office)).toBe(true);
    expect(isIpTrusted("2001:db8::1", home)).toBe(true);
    expect(isIpTrusted("2001:db9::1", home)).toBe(false);
    expect(isIpTrusted("10.1.2.3", ALLOW_ALL_IPS)).toBe(true);
    expect(isIpTrusted("10.1.2.3", [])).toBe(false);
    expect(isIpTrusted("not an ip", ALLOW_ALL_IPS)).toBe(false);
  }
  // Same content, another array: the same answers; a malformed stored range matches nothing.
  expect(isIpTrusted("10.1.2.3", list("10.1.0.0/16"))).toBe(true);
  expect(isIpTrusted("10.1.2.3", [{ ipAddress: "10.1.0.0", type: "ipv4", prefix: 99 }])).toBe(false);
  expect(isIpTrusted("10.1.2.3", [{ ipAddress: "10.1.0.0", type: "ipv4", prefix: 99 }, ...office])).toBe(true);
});
