import { describe, expect, it } from "vitest";
import { checkUrl, type UrlPolicy } from "../../src/lib/ssrf";

const PROD: UrlPolicy = { allowLoopbackHttp: false };
const DEV: UrlPolicy = { allowLoopbackHttp: true };

// [url, a fragment the refusal's reason must contain]
const HOSTILE: Array<[string, string]> = [
  // scheme, credentials, garbage
  ["http://example.com/a.png", "must use https"],
  ["ftp://example.com/a.png", 'scheme "ftp"'],
  ["file:///etc/passwd", 'scheme "file"'],
  ["gopher://example.com:70/_x", 'scheme "gopher"'],
  ["data:image/png;base64,iVBORw0KGgo=", 'scheme "data"'],
  ["javascript:alert(1)", 'scheme "javascript"'],
  ["not a url", "not a valid absolute URL"],
  ["/relative/path.png", "not a valid absolute URL"],
  ["https://user:pass@example.com/", "credentials"],
  ["https://user@example.com/", "credentials"],
  ["https://:secret@example.com/", "credentials"],
  ["https://127.0.0.1:443@example.com/", "credentials"],
  [`https://example.com/${"a".repeat(9000)}`, "longer than"],
  // loopback in every spelling
  ["https://127.0.0.1/", "loopback"],
  ["https://127.255.255.254/", "loopback"],
  ["http://127.0.0.1:8787/hook", "loopback"],
  ["http://2130706433/", "loopback"],
  ["https://0177.0.0.1/", "loopback"],
  ["https://00000177.0.0.1/", "loopback"],
  ["https://017700000001/", "loopback"],
  ["https://0x7f.1/", "loopback"],
  ["https://0x7f000001/", "loopback"],
  ["https://0x7F.0x0.0x0.0x1/", "loopback"],
  ["https://127.1/", "loopback"],
  ["https://127.0.1/", "loopback"],
  ["https://0177.1/", "loopback"],
  ["https://127.0.0.1./", "loopback"],
  ["https://127.0.0.1../", "loopback"],
  ["https://0x7f.1../", "loopback"],
  ["https://%31%32%37.0.0.1/", "loopback"],
  ["https://１２７.０.０.１/", "loopback"],
  ["https://127。0。0。1/", "loopback"],
  ["https:\\\\127.0.0.1\\x.png", "loopback"],
  ["https://localhost/", "localhost"],
  ["https://localhost./", "localhost"],
  ["https://LOCALHOST/", "localhost"],
  ["https://LocalHost.:8443/", "localhost"],
  ["https://%6c%6f%63alhost/", "localhost"],
  ["https://ⓛocalhost/", "localhost"],
  ["https://app.localhost/", ".localhost"],
  ["https://[::1]/", "loopback"],
  ["https://[0:0:0:0:0:0:0:1]/", "loopback"],
  ["https://[::ffff:127.0.0.1]/", "IPv4-mapped"],
  ["https://[::ffff:7f00:1]/", "IPv4-mapped"],
  ["https://[0:0:0:0:0:ffff:127.0.0.1]/", "IPv4-mapped"],
  ["https://[::127.0.0.1]/", "IPv4-compatible"],
  ["https://[::ffff:0:127.0.0.1]/", "IPv4-translated"],
  // private, CGNAT, link-local
  ["https://10.0.0.1/", "10.0.0.0/8"],
  ["https://10.1/", "10.0.0.0/8"],
  ["https://167772161/", "10.0.0.0/8"],
  ["https://012.0.0.1/", "10.0.0.0/8"],
  ["https://172.16.0.1/", "172.16.0.0/12"],
  ["https://172.31.255.255/", "172.16.0.0/12"],
  ["https://192.168.1.1/", "192.168.0.0/16"],
  ["https://0xc0.0xa8.1.1/", "192.168.0.0/16"],
  ["https://192.168.257/", "192.168.0.0/16"],
  ["https://100.64.0.1/", "100.64.0.0/10"],
  ["https://100.127.255.254/", "100.64.0.0/10"],
  ["https://169.254.1.1/", "link-local"],
  ["https://[fc00::1]/", "fc00::/7"],
  ["https://[fd12:3456:789a::1]/", "fc00::/7"],
  ["https://[fe80::1]/", "fe80::/10"],
  ["https://[febf::1]/", "fe80::/10"],
  ["https://[fec0::1]/", "site-local"],
  ["https://[::ffff:10.0.0.1]/", "10.0.0.0/8"],
  ["https://[::ffff:192.168.0.1]/", "192.168.0.0/16"],
  ["https://[64:ff9b::10.0.0.1]/", "NAT64"],
  ["https://[64:ff9b::7f00:1]/", "NAT64"],
  ["https://[2002:c0a8:101::1]/", "6to4"],
  ["https://[2002:7f00:1::]/", "6to4"],
  // multicast, reserved, unspecified, broadcast, documentation
  ["https://224.0.0.1/", "multicast"],
  ["https://239.255.255.250/", "multicast"],
  ["https://[ff02::1]/", "multicast"],
  ["https://0.0.0.0/", "0.0.0.0/8"],
  ["https://0/", "0.0.0.0/8"],
  ["https://0x/", "0.0.0.0/8"],
  ["https://[::]/", "unspecified"],
  ["https://240.0.0.1/", "240.0.0.0/4"],
  ["https://255.255.255.255/", "broadcast"],
  ["https://4294967295/", "broadcast"],
  ["https://192.0.0.8/", "192.0.0.0/24"],
  ["https://192.0.2.10/", "192.0.2.0/24"],
  ["https://198.18.0.1/", "198.18.0.0/15"],
  ["https://198.19.255.1/", "198.18.0.0/15"],
  ["https://198.51.100.7/", "198.51.100.0/24"],
  ["https://203.0.113.9/", "203.0.113.0/24"],
  ["https://[2001:db8::1]/", "2001:db8::/32"],
  ["https://[2001::1]/", "2001::/23"],
  ["https://[100::1]/", "outside 2000::/3"],
  // cloud metadata
  ["https://169.254.169.254/latest/meta-data/", "metadata"],
  ["http://169.254.169.254/latest/meta-data/", "metadata"],
  ["https://2852039166/", "metadata"],
  ["https://0xa9fea9fe/", "metadata"],
  ["https://0251.0376.0251.0376/", "metadata"],
  ["https://169.254.43518/", "metadata"],
  ["https://[::ffff:169.254.169.254]/", "metadata"],
  ["https://[::ffff:a9fe:a9fe]/", "metadata"],
  ["https://[fd00:ec2::254]/", "metadata"],
  ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
  ["https://METADATA.google.internal./", "metadata"],
  ["https://metadata/", "metadata"],
  ["https://instance-data/latest/", "metadata"],
  // internal names and wildcard DNS
  ["https://printer.local/", ".local"],
  ["https://db.internal/", ".internal"],
  ["https://db.internal./", ".internal"],
  ["https://intranet/", "internal name"],
  ["https://fileserver/", "single-label"],
  ["https://127.0.0.1.nip.io/", "nip.io"],
  ["https://10-0-0-1.sslip.io/", "sslip.io"],
  // malformed hosts
  ["https://./", "no host"],
  ["https://foo.0x../", "not a valid IPv4 address"],
  ["https://09.1/", "not a valid absolute URL"],
  ["https://[fe80::1%25eth0]/", "not a valid absolute URL"],
  ["https://256.256.256.256/", "not a valid absolute URL"],
];

const ALLOWED: string[] = [
  "https://example.com/a.png",
  "https://EXAMPLE.com/a.png",
  "https://example.com./a.png",
  "https://cdn.example.co.uk:8443/images/cat.webp?size=large#top",
  "https://images.unsplash.com/photo-1?w=1024",
  "https://xn--bcher-kva.example/",
  "https://my_bucket.s3.amazonaws.com/key.png",
  "https://localhost.example.com/",
  "https://8.8.8.8/x",
  "https://1.1.1.1/",
  "https://172.32.0.1/",
  "https://100.128.0.1/",
  "https://11.0.0.1/",
  "https://[2606:4700::1111]/",
  "https://[2a00:1450:4001:80b::200e]/",
  "https://[::ffff:8.8.8.8]/",
  "https://[64:ff9b::8.8.8.8]/",
  "https://[2002:808:808::1]/",
];

describe("checkUrl refuses hostile URLs", () => {
  it("has a table large enough to mean something", () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(60);
  });

  it.each(HOSTILE)("%s", (raw, fragment) => {
    const result = checkUrl(raw, PROD);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(fragment);
  });

  // Plain loopback is the one thing the development policy lets through; everything else stays refused.
  it.each(HOSTILE.filter(([, fragment]) => fragment !== "loopback" && fragment !== "localhost"))(
    "%s stays refused under the local-development policy",
    (raw) => {
      expect(checkUrl(raw, DEV).ok).toBe(false);
    },
  );
});

// checkUrl judges the host in the parser's canonical form; these are the forms it relies on.
describe("the URL parser's canonical host", () => {
  it.each([
    ["https://0x7F.0x0.0x0.0x1/", "127.0.0.1"],
    ["https://017700000001/", "127.0.0.1"],
    ["https://127.0.0.1./", "127.0.0.1"],
    ["https://127.0.0.1../", "127.0.0.1.."],
    ["https://%6c%6f%63alhost./", "localhost."],
    ["https://LocalHost/", "localhost"],
    ["https://[0:0:0:0:0:FFFF:127.0.0.1]/", "[::ffff:7f00:1]"],
    ["https://[2001:DB8:0:0:1:0:0:1]/", "[2001:db8::1:0:0:1]"],
  ])("%s has host %s", (raw, host) => {
    expect(new URL(raw).hostname).toBe(host);
  });

  it.each(["https://[fe80::1%25eth0]/", "https://a:b/", "https://foo%2500/", "https://a%20b/"])("%s does not parse", (raw) => {
    expect(() => new URL(raw)).toThrow();
  });
});

describe("checkUrl allows public URLs", () => {
  it.each(ALLOWED)("%s", (raw) => {
    const result = checkUrl(raw, PROD);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.url.protocol).toBe("https:");
  });

  it("returns the parsed URL, so callers fetch the normalised form and not the raw string", () => {
    const result = checkUrl("  https://exa\tmple.com/a b.png  ", PROD);
    expect(result.ok && result.url.href).toBe("https://example.com/a%20b.png");
  });
});

describe("loopback http for local development", () => {
  it.each(["http://127.0.0.1:8787/hook", "http://localhost:8787/hook", "http://[::1]:8787/hook", "http://127.0.0.2/"])(
    "%s is allowed only with allowLoopbackHttp",
    (raw) => {
      expect(checkUrl(raw, DEV).ok).toBe(true);
      const refused = checkUrl(raw, PROD);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.reason).toMatch(/loopback/);
    },
  );

  it.each(["http://example.com/hook", "http://8.8.8.8/", "http://10.0.0.1/"])("%s is refused under both policies", (raw) => {
    expect(checkUrl(raw, DEV).ok).toBe(false);
    expect(checkUrl(raw, PROD).ok).toBe(false);
  });

  it("says why plain http to a public host is refused", () => {
    expect(checkUrl("http://example.com/hook", DEV)).toEqual({ ok: false, reason: "URL must use https" });
  });

  it("does not treat loopback carried inside IPv6 tunnels as local", () => {
    expect(checkUrl("http://[2002:7f00:1::]/", DEV).ok).toBe(false);
    expect(checkUrl("http://[64:ff9b::127.0.0.1]/", DEV).ok).toBe(false);
    expect(checkUrl("http://[::ffff:127.0.0.1]/", DEV).ok).toBe(false);
    expect(checkUrl("http://app.localhost/", DEV).ok).toBe(false);
  });

  it("still refuses credentials on loopback", () => {
    const result = checkUrl("http://admin:pw@127.0.0.1:8787/hook", DEV);
    expect(result.ok).toBe(false);
  });
});
