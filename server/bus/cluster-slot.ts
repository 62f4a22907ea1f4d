/**
 * Redis Cluster's key → slot mapping (CRC16/XMODEM of the key, or of its first non-empty `{…}`
 * hash tag, mod 16384). Written out here rather than imported from ioredis' transitive
 * `cluster-key-slot`, which this package does not depend on directly and which ships no types.
 */
export const SLOT_COUNT = 16_384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

export function keySlot(key: string): number {
  const bytes = Buffer.from(key, "utf8");
  // Hash tags are found in the bytes, as Redis does: `{` and `}` are single bytes in UTF-8.
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}
