import ipaddr from 'ipaddr.js';

// IANA's global unicast block: everything else in IPv6 is special purpose or unassigned.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
// NAT64's well-known prefix (RFC 6052) carries an IPv4 address in its last 32 bits; the
// local-use prefix 64:ff9b:1::/48 (RFC 8215) is for private networks and never public.
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Why connecting to `address` would leave the public internet: the name of its special range
 * ("loopback", "private", "ipv4 mapped link local", …), or undefined for public unicast. IPv6
 * forms that carry an IPv4 address (mapped, translated, NAT64) are judged by that address.
 */
export function nonPublicAddressClass(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'unparseable';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return ipv4Class(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || v6.match(NAT64_WELL_KNOWN)) {
    const embedded = ipv4Class(ipaddr.fromByteArray(v6.toByteArray().slice(12)) as ipaddr.IPv4);
    return embedded === undefined ? undefined : `${words(range)} ${embedded}`;
  }
  if (range !== 'unicast') return words(range);
  return v6.match(GLOBAL_UNICAST_V6) ? undefined : 'reserved';
}

function ipv4Class(v4: ipaddr.IPv4): string | undefined {
  const range = v4.range();
  return range === 'unicast' ? undefined : words(range);
}

/** ipaddr.js names ranges in camelCase ("carrierGradeNat"); messages read "carrier grade nat". */
function words(range: string): string {
  return range.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}
