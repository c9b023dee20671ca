// The trained parameters as a .safetensors file (the format of huggingface/safetensors: an
// 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the raw little-endian data). Tensors are the core's, copied as they are.

/**
 * @param {Array<{name: string, shape: number[], data: Float32Array}>} tensors
 * @param {Record<string, string>} metadata  string → string (safetensors' __metadata__)
 * @returns {Uint8Array}
 */
export function safetensors(tensors, metadata = {}) {
  /** @type {Record<string, any>} */
  const header = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The data starts 8-byte aligned: pad the header with spaces (the format allows trailing whitespace).
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return out;
}

/** Offers bytes as a download named `name` (an object URL: works from file:// and under the CSP). */
export function download(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
