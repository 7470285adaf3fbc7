// The one SSRF guard for every user-supplied URL (webhookUrl, input_images). Pure: no DNS, no I/O.
// The WHATWG URL parser folds decimal/octal/hex/short IPv4 spellings, percent-encoding, case and IDNA into a canonical
// host, refuses IPv6 zone ids and serialises IPv6 compressed: the host is judged in that form (test/unit/ssrf.test.ts).

export type UrlPolicy = { allowLoopbackHttp: boolean };

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

type HostClass = { kind: "public" } | { kind: "loopback"; reason: string } | { kind: "refused"; reason: string };

const MAX_URL_LENGTH = 8192;

const PUBLIC: HostClass = { kind: "public" };
const refused = (reason: string): HostClass => ({ kind: "refused", reason });
const loopback = (reason: string): HostClass => ({ kind: "loopback", reason });

export function checkUrl(raw: string, policy: UrlPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `URL is longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a valid absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: `scheme "${url.protocol.slice(0, -1)}" is not allowed; use https` };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, reason: "URL must not contain credentials (user:password@)" };
  }
  const host = classifyHost(url.hostname);
  if (host.kind === "loopback" && policy.allowLoopbackHttp) return { ok: true, url };
  if (host.kind !== "public") return { ok: false, reason: host.reason };
  if (url.protocol !== "https:") return { ok: false, reason: "URL must use https" };
  return { ok: true, url };
}

/** Classifies a URL host as the WHATWG parser leaves it (`[v6]`, dotted-decimal v4, or a lower-case ASCII name). */
function classifyHost(hostname: string): HostClass {
  if (hostname.startsWith("[")) return classifyIPv6(parseIPv6(hostname.slice(1, -1)), hostname);
  // A trailing dot is the same name, fully qualified ("localhost." is localhost). The parser keeps dots on a name, and
  // on numbers when there are two ("127.0.0.1.."): parsed again without them, such a host is the address it spells.
  let host = hostname.replace(/\.+$/, "");
  if (host === "") return refused("URL has no host");
  if (host !== hostname) {
    try {
      host = new URL(`http://${host}/`).hostname;
    } catch {
      // A name that ends in a number is read as an IPv4 address: only a bad one fails where the name passed.
      return refused(`host "${hostname}" is not a valid IPv4 address`);
    }
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  return v4 ? classifyIPv4(v4.slice(1).reduce((ip, byte) => ip * 256 + Number(byte), 0)) : classifyName(host, hostname);
}

// ---------------------------------------------------------------------------------------------------------------
// Names

const METADATA_NAMES = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data"]);
const INTERNAL_SUFFIXES = ["local", "internal", "localdomain", "home.arpa", "intranet", "lan"];
// Public wildcard-DNS services that resolve any name to the IP written inside it (127.0.0.1.nip.io).
const REBINDING_SUFFIXES = ["nip.io", "sslip.io", "xip.io", "localtest.me", "lvh.me"];

const endsWith = (host: string, suffix: string): boolean => host === suffix || host.endsWith(`.${suffix}`);

function classifyName(host: string, original: string): HostClass {
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) return refused(`host "${original}" is not a valid hostname`);
  if (METADATA_NAMES.has(host)) return refused(`host "${original}" is a cloud metadata endpoint`);
  if (host === "localhost") return loopback(`host "${original}" is loopback (localhost)`);
  if (endsWith(host, "localhost")) return refused(`host "${original}" is a loopback name (.localhost)`);
  for (const suffix of INTERNAL_SUFFIXES) {
    if (endsWith(host, suffix)) return refused(`host "${original}" is an internal name (.${suffix})`);
  }
  for (const suffix of REBINDING_SUFFIXES) {
    if (endsWith(host, suffix)) return refused(`host "${original}" uses ${suffix}, which resolves to any address`);
  }
  if (!host.includes(".")) return refused(`host "${original}" is a single-label (intranet) name; use a public domain`);
  return PUBLIC;
}

// ---------------------------------------------------------------------------------------------------------------
// IPv4

type V4Range = { base: number; bits: number; reason: string; loopback?: true };

const v4 = (dotted: string, bits: number, reason: string, isLoopback?: true): V4Range => {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
  return { base: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, bits, reason, ...(isLoopback ? { loopback: true } : {}) };
};

// Most specific first: the first match names the reason.
const V4_RANGES: V4Range[] = [
  v4("169.254.169.254", 32, "a cloud metadata address"),
  v4("255.255.255.255", 32, "the broadcast address"),
  v4("0.0.0.0", 8, "an unspecified/\"this network\" address (0.0.0.0/8)"),
  v4("10.0.0.0", 8, "a private address (10.0.0.0/8)"),
  v4("100.64.0.0", 10, "a carrier-grade NAT address (100.64.0.0/10)"),
  v4("127.0.0.0", 8, "loopback (127.0.0.0/8)", true),
  v4("169.254.0.0", 16, "a link-local address (169.254.0.0/16)"),
  v4("172.16.0.0", 12, "a private address (172.16.0.0/12)"),
  v4("192.0.0.0", 24, "a reserved IETF protocol address (192.0.0.0/24)"),
  v4("192.0.2.0", 24, "a documentation address (192.0.2.0/24)"),
  v4("192.88.99.0", 24, "a deprecated 6to4 relay address (192.88.99.0/24)"),
  v4("192.168.0.0", 16, "a private address (192.168.0.0/16)"),
  v4("198.18.0.0", 15, "a benchmarking address (198.18.0.0/15)"),
  v4("198.51.100.0", 24, "a documentation address (198.51.100.0/24)"),
  v4("203.0.113.0", 24, "a documentation address (203.0.113.0/24)"),
  v4("224.0.0.0", 4, "a multicast address (224.0.0.0/4)"),
  v4("240.0.0.0", 4, "a reserved address (240.0.0.0/4)"),
];

const inV4 = (ip: number, r: V4Range): boolean =>
  r.bits === 0 || ip >>> (32 - r.bits) === r.base >>> (32 - r.bits);

const formatIPv4 = (ip: number): string =>
  [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");

function classifyIPv4(ip: number, via?: string): HostClass {
  const range = V4_RANGES.find((r) => inV4(ip, r));
  if (!range) return PUBLIC;
  const reason = `host ${formatIPv4(ip)}${via ? ` (${via})` : ""} is ${range.reason}`;
  // Only a plain 127.x.x.x is local loopback; one carried inside IPv6 (6to4, NAT64, mapped) is never let through.
  return range.loopback && !via ? loopback(reason) : refused(reason);
}

// ---------------------------------------------------------------------------------------------------------------
// IPv6

/** The eight 16-bit groups of an address as the URL parser serialises it: hex groups, `::` at most once. */
function parseIPv6(text: string): number[] {
  const groups = (s: string): number[] => (s === "" ? [] : s.split(":").map((piece) => parseInt(piece, 16)));
  const [head = [], tail] = text.split("::").map(groups);
  return tail ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
}

const groupsEqual = (g: number[], prefix: number[]): boolean => prefix.every((p, i) => g[i] === p);
const embeddedV4 = (hi: number, lo: number): number => ((hi << 16) | lo) >>> 0;

function classifyIPv6(g: number[], text: string): HostClass {
  const [g0 = 0, g1 = 0, g2 = 0, , , , g6 = 0, g7 = 0] = g;
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);

  if (g.every((x) => x === 0)) return refused(`host ${text} is the unspecified address`);
  if (groupsEqual(g, [...zeros(7), 1])) return loopback(`host ${text} is loopback (::1)`);
  if (groupsEqual(g, [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254])) return refused(`host ${text} is a cloud metadata address`);
  // Forms that carry an IPv4 address in their last 32 bits are judged by that address.
  if (groupsEqual(g, [...zeros(5), 0xffff])) return classifyIPv4(embeddedV4(g6, g7), "IPv4-mapped IPv6");
  if (groupsEqual(g, zeros(6))) return classifyIPv4(embeddedV4(g6, g7), "IPv4-compatible IPv6");
  if (groupsEqual(g, [...zeros(4), 0xffff, 0])) return classifyIPv4(embeddedV4(g6, g7), "IPv4-translated IPv6");
  if (groupsEqual(g, [0x64, 0xff9b, 0, 0, 0, 0])) return classifyIPv4(embeddedV4(g6, g7), "NAT64");
  if (g0 === 0x2002) return classifyIPv4(embeddedV4(g1, g2), "6to4");

  const top = (bits: number, value: number): boolean => g0 >>> (16 - bits) === value >>> (16 - bits);
  if (top(7, 0xfc00)) return refused(`host ${text} is a unique-local (private) IPv6 address (fc00::/7)`);
  if (top(10, 0xfe80)) return refused(`host ${text} is a link-local IPv6 address (fe80::/10)`);
  if (top(10, 0xfec0)) return refused(`host ${text} is a site-local IPv6 address (fec0::/10)`);
  if (top(8, 0xff00)) return refused(`host ${text} is a multicast IPv6 address (ff00::/8)`);
  if (g0 === 0x2001 && g1 === 0x0db8) return refused(`host ${text} is a documentation IPv6 address (2001:db8::/32)`);
  if (g0 === 0x3fff && g1 >>> 12 === 0) return refused(`host ${text} is a documentation IPv6 address (3fff::/20)`);
  // 2001::/23 holds Teredo (which hides an IPv4 address), ORCHID and benchmarking space: none is a web server.
  if (g0 === 0x2001 && g1 >>> 9 === 0) return refused(`host ${text} is a special-purpose IPv6 address (2001::/23)`);
  // Everything outside global unicast (2000::/3) is reserved, discard-only (100::/64) or local-use NAT64.
  if (!top(3, 0x2000)) return refused(`host ${text} is a reserved IPv6 address (outside 2000::/3)`);
  return PUBLIC;
}
