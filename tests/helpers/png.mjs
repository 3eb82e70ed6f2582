// A small PNG reader for the export tests: checks the signature and each
// chunk's CRC, inflates the image data and undoes the row filters, so
// tests can look at every pixel of a downloaded picture. It reads only
// 8-bit RGB and RGBA without interlacing, which is what Chromium writes.
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data) {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// The Paeth predictor of the PNG specification, filter type 4.
function paeth(left, up, upLeft) {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

/**
 * Decodes a PNG file. Returns { width, height, colorType, channels,
 * pixels, pixel(column, row) }: pixels contains the unfiltered samples row by
 * row, and pixel returns [r, g, b, a] with a = 255 for RGB images.
 */
export function decodePng(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let offset = 8;
  let header = null;
  const idat = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    assert.equal(bytes.readUInt32BE(offset + 8 + length), crc32(bytes.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    if (type === 'IHDR') {
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8], colorType: data[9],
        interlace: data[12] };
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  assert.ok(header, 'IHDR chunk');
  assert.equal(header.bitDepth, 8, 'bit depth');
  assert.equal(header.interlace, 0, 'no interlacing');
  const channels = { 2: 3, 6: 4 }[header.colorType];
  assert.ok(channels, `colour type ${header.colorType} is RGB or RGBA`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = header.width * channels;
  assert.equal(raw.length, header.height * (1 + stride), 'inflated size matches the header');

  const pixels = new Uint8Array(header.height * stride);
  for (let row = 0; row < header.height; row++) {
    const filter = raw[row * (1 + stride)];
    const input = raw.subarray(row * (1 + stride) + 1, (row + 1) * (1 + stride));
    const out = row * stride;
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? pixels[out + i - channels] : 0;
      const up = row > 0 ? pixels[out - stride + i] : 0;
      const upLeft = row > 0 && i >= channels ? pixels[out - stride + i - channels] : 0;
      const predictors = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)];
      assert.ok(filter < predictors.length, `row ${row} has filter type ${filter}`);
      pixels[out + i] = (input[i] + predictors[filter]) & 0xff;
    }
  }
  const pixel = (column, row) => {
    const i = row * stride + column * channels;
    return [pixels[i], pixels[i + 1], pixels[i + 2], channels === 4 ? pixels[i + 3] : 255];
  };
  return { width: header.width, height: header.height, colorType: header.colorType, channels, pixels, pixel };
}
