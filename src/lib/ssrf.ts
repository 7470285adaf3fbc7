// The one SSRF guard for every user-supplied URL (webhookUrl, input_images). Pure: no DNS, no I/O.
// The WHATWG URL parser already folds decimal/octal/hex/short IPv4 spellings, percent-encoding and IDNA
// into a canonical host; the host is parsed again here so the decision never depends on that alone.

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

/** Classifies a URL host as the WHATWG parser leaves it (`[v6]`, dotted v4, or a lower-case ASCII name). */
function classifyHost(hostname: string): HostClass {
  let host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) {
    const v6 = parseIPv6(host.slice(1, -1));
    return v6 ? classifyIPv6(v6, host) : refused(`host "${hostname}" is not a valid IPv6 address`);
  }
  if (/%[0-9a-f]{2}/.test(host)) {
    try {
      host = decodeURIComponent(host).toLowerCase();
    } catch {
      return refused(`host "${hostname}" is not a valid hostname`);
    }
  }
  // A trailing dot is the same name, fully qualified ("localhost." is localhost).
  host = host.replace(/\.+$/, "");
  if (host === "") return refused("URL has no host");
  if (host.includes(":")) {
    const v6 = parseIPv6(host);
    return v6 ? classifyIPv6(v6, `[${host}]`) : refused(`host "${hostname}" is not a valid hostname`);
  }
  const labels = host.split(".");
  if (isNumericLabel(labels[labels.length - 1] ?? "")) {
    const v4 = parseIPv4(labels);
    return v4 === null ? refused(`host "${hostname}" is not a valid IPv4 address`) : classifyIPv4(v4);
  }
  return classifyName(host, hostname);
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

// WHATWG "ends in a number": the last label decides whether the whole host is read as an IPv4 address.
const isNumericLabel = (label: string): boolean => /^(0x[0-9a-f]*|[0-9]+)$/.test(label);

function parseIPv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

/** inet_aton semantics: 1–4 parts, each decimal, 0-octal or 0x-hex; the last part fills the remaining bytes. */
function parseIPv4(labels: string[]): number | null {
  if (labels.length < 1 || labels.length > 4) return null;
  const parts: number[] = [];
  for (const label of labels) {
    const n = parseIPv4Part(label);
    if (n === null || !Number.isFinite(n)) return null;
    parts.push(n);
  }
  const last = parts.pop() ?? 0;
  if (parts.some((p) => p > 255)) return null;
  if (last >= 256 ** (4 - parts.length)) return null;
  return parts.reduce((acc, p, i) => acc + p * 256 ** (3 - i), 0) + last;
}

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

/** Eight 16-bit groups, or null. Accepts `::` compression and a dotted IPv4 tail; no zone ids. */
function parseIPv6(text: string): number[] | null {
  if (!/^[0-9a-f:.]+$/i.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const pieces = s.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? "";
      if (piece.includes(".")) {
        if (i !== pieces.length - 1) return null;
        const dotted = piece.split(".");
        if (dotted.length !== 4 || !dotted.every((d) => /^(0|[1-9][0-9]{0,2})$/.test(d) && Number(d) <= 255)) {
          return null;
        }
        const [a = 0, b = 0, c = 0, d = 0] = dotted.map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return null;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
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
