// A Snappy block decoder (raw format, no framing) that checks every length and offset. TF's table reader inflates
// snappy-compressed blocks; older TensorFlow versions wrote checkpoint indexes that way. snappyjs (installed) does
// not fit a reader that is fed forged files: a 4-byte literal length is read as a signed 32-bit number, so a forged
// one moves the cursor backwards (`pos += len` with len < 0) and can loop forever; it also never checks that the
// output has the length the header promised. This decoder is what snappyjs's is, with those checks.

/** Decodes `src`, or returns a reason it cannot (never throws, never allocates more than `maxLength` bytes). */
export function snappyUncompress(src: Uint8Array, maxLength: number): Uint8Array | string {
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length) return 'truncated length header';
    if (shift > 28) return 'length header longer than 5 bytes';
    const c = src[pos++];
    length += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (length > maxLength) return `uncompressed length ${length} exceeds the limit of ${maxLength} bytes`;
  const out = new Uint8Array(length);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++];
    let len: number;
    if ((tag & 3) === 0) {
      len = (tag >>> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (pos + n > src.length) return 'truncated literal length';
        len = 0;
        for (let k = 0; k < n; k++) len += src[pos + k] * 2 ** (8 * k);
        len += 1;
        pos += n;
      }
      if (len > src.length - pos) return 'literal runs past the end of the block';
      if (len > length - o) return 'output longer than its header says';
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let offset: number;
    if ((tag & 3) === 1) {
      if (pos + 1 > src.length) return 'truncated copy';
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos];
      pos += 1;
    } else if ((tag & 3) === 2) {
      if (pos + 2 > src.length) return 'truncated copy';
      len = (tag >>> 2) + 1;
      offset = src[pos] | (src[pos + 1] << 8);
      pos += 2;
    } else {
      if (pos + 4 > src.length) return 'truncated copy';
      len = (tag >>> 2) + 1;
      offset = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16)) + src[pos + 3] * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > o) return `copy offset ${offset} outside the ${o} bytes decoded so far`;
    if (len > length - o) return 'output longer than its header says';
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset];
  }
  if (o !== length) return `output has ${o} bytes, its header says ${length}`;
  return out;
}
