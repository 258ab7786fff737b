// The built-in modules and globals of the CloudFront Functions runtimes, evaluated inside the
// function's own V8 realm (cff_runtime.mjs), so that every object a function touches belongs
// to that realm: nothing of Node's reaches it. Sources (CloudFront Developer Guide):
// "JavaScript runtime 1.0 features" and "JavaScript runtime 2.0 features".
//
// - crypto: createHash and createHmac with md5, sha1 and sha256, digests in hex, base64 or
//   base64url; without an encoding a byte string (1.0) or a Buffer (2.0). The hashing itself
//   is the host's (node:crypto), handed bytes as a latin1 string and answering one.
// - querystring: parse / decode, stringify / encode, escape, unescape, as in Node.js.
// - Buffer (a global and the `buffer` module): the methods the 2.0 page lists, on a
//   Uint8Array of this realm. The 1.0 page lists no Buffer; AWS's own samples for 1.0
//   call Buffer.from, so it is there in both (an assumption).
// - 2.0: atob, btoa, TextEncoder, TextDecoder. 1.0: the byte-string methods of String
//   (bytesFrom, fromBytes, fromUTF8, toBytes, toUTF8), which 2.0 removed.
// - Date: every way of asking the time answers the run's start ("Restricted features").
(function (host, runtime) {
  'use strict';
  const V2 = runtime === 'cloudfront-js-2.0';
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64_INDEX = {};
  for (let i = 0; i < 64; i++) B64_INDEX[B64[i]] = i;
  B64_INDEX['-'] = 62;
  B64_INDEX['_'] = 63;
  const ENCODINGS = ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary',
                     'ascii'];

  // --- bytes <-> text -----------------------------------------------------------------

  function utf8Encode(text) {
    const out = [];
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;  // a lone surrogate, as Node writes it
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else {
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63),
                 0x80 | (c & 63));
      }
    }
    return out;
  }

  // UTF-8 bytes to text; `strict`: null at the first invalid sequence, else U+FFFD for it.
  function utf8Decode(bytes, strict) {
    let out = '';
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      let need = 0;
      let c = b;
      if (b >= 0xc2 && b <= 0xdf) { need = 1; c = b & 31; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; c = b & 15; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; c = b & 7; }
      else if (b >= 0x80) need = -1;
      let ok = need >= 0 && i + need < bytes.length;
      for (let k = 1; ok && k <= need; k++) {
        const n = bytes[i + k];
        if (n === undefined || (n & 0xc0) !== 0x80) ok = false;
        else c = (c << 6) | (n & 63);
      }
      if (ok && ((need === 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
                 (need === 3 && (c < 0x10000 || c > 0x10ffff)))) ok = false;
      if (!ok) {
        if (strict) return null;
        out += '\ufffd';
        i++;
        continue;
      }
      out += String.fromCodePoint(c);
      i += need + 1;
    }
    return out;
  }

  function latin1(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 4096) {
      out += String.fromCharCode.apply(null, Array.prototype.slice.call(bytes, i, i + 4096));
    }
    return out;
  }

  function fromLatin1(text) {
    const out = [];
    for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 255);
    return out;
  }

  function toBase64(bytes, url) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
      out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : (url ? '' : '=');
      out += i + 2 < bytes.length ? B64[n & 63] : (url ? '' : '=');
    }
    return url ? out.replace(/\+/g, '-').replace(/\//g, '_') : out;
  }

  // base64 or base64url, forgiving as Node is: padding optional, other characters skipped.
  function fromBase64(text) {
    const out = [];
    let bits = 0;
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '=') break;
      const v = B64_INDEX[ch];
      if (v === undefined) continue;
      bits = (bits << 6) | v;
      count += 6;
      if (count >= 8) {
        count -= 8;
        out.push((bits >> count) & 255);
      }
    }
    return out;
  }

  function toHex(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  function fromHex(text) {
    const out = [];
    for (let i = 0; i + 1 < text.length; i += 2) {
      const v = parseInt(text.substr(i, 2), 16);
      if (Number.isNaN(v)) break;  // Node stops at the first pair that is not hex
      out.push(v);
    }
    return out;
  }

  function normalEncoding(encoding) {
    const e = encoding === undefined || encoding === null ? 'utf8'
      : String(encoding).toLowerCase();
    if (e === 'utf-8') return 'utf8';
    if (e === 'binary') return 'latin1';
    if (ENCODINGS.indexOf(e) < 0) throw new TypeError('Unknown encoding: ' + encoding);
    return e;
  }

  function encodeText(text, encoding) {
    switch (normalEncoding(encoding)) {
      case 'hex': return fromHex(text);
      case 'base64': case 'base64url': return fromBase64(text);
      case 'latin1': case 'ascii': return fromLatin1(text);
      default: return utf8Encode(text);
    }
  }

  function decodeBytes(bytes, encoding) {
    switch (normalEncoding(encoding)) {
      case 'hex': return toHex(bytes);
      case 'base64': return toBase64(bytes, false);
      case 'base64url': return toBase64(bytes, true);
      case 'latin1': return latin1(bytes);
      case 'ascii': return latin1(Array.prototype.map.call(bytes, (b) => b & 127));
      default: return utf8Decode(bytes, false);
    }
  }

  // --- Buffer -------------------------------------------------------------------------

  class Buffer extends Uint8Array {
    static alloc(size, fill, encoding) {
      const buffer = new Buffer(checkSize(size));
      if (fill !== undefined && fill !== 0) buffer.fill(fill, 0, buffer.length, encoding);
      return buffer;
    }

    static allocUnsafe(size) {
      return new Buffer(checkSize(size));
    }

    static byteLength(value, encoding) {
      if (typeof value === 'string') return encodeText(value, encoding).length;
      if (value instanceof ArrayBuffer) return value.byteLength;
      if (ArrayBuffer.isView(value)) return value.byteLength;
      throw new TypeError('The "string" argument must be a string, Buffer, or ArrayBuffer');
    }

    static compare(a, b) {
      return Buffer.prototype.compare.call(a, b);
    }

    static concat(list, totalLength) {
      if (!Array.isArray(list)) throw new TypeError('The "list" argument must be an Array');
      const length = totalLength === undefined
        ? list.reduce((sum, item) => sum + item.length, 0) : totalLength;
      const out = Buffer.alloc(length);
      let at = 0;
      for (const item of list) {
        if (at >= length) break;
        const part = item.subarray(0, Math.min(item.length, length - at));
        out.set(part, at);
        at += part.length;
      }
      return out;
    }

    static from(value, offsetOrEncoding, length) {
      if (typeof value === 'string') return bufferOf(encodeText(value, offsetOrEncoding));
      if (value instanceof ArrayBuffer) {
        const offset = offsetOrEncoding === undefined ? 0 : Number(offsetOrEncoding);
        const size = length === undefined ? value.byteLength - offset : Number(length);
        return new Buffer(value, offset, size);
      }
      if (ArrayBuffer.isView(value)) return bufferOf(value);
      if (Array.isArray(value)) return bufferOf(value.map((v) => v & 255));
      if (value !== null && typeof value === 'object') {
        const primitive = value.valueOf();
        if (primitive !== value && primitive !== undefined && primitive !== null) {
          return Buffer.from(primitive, offsetOrEncoding, length);
        }
        if (value.type === 'Buffer' && Array.isArray(value.data)) return bufferOf(value.data);
        if (typeof value.length === 'number') return bufferOf(Array.from(value, (v) => v & 255));
      }
      throw new TypeError('The first argument must be a string, Buffer, ArrayBuffer, Array, ' +
                          'or array-like object');
    }

    static isBuffer(value) {
      return value instanceof Buffer;
    }

    static isEncoding(encoding) {
      try {
        return typeof encoding === 'string' && normalEncoding(encoding) !== undefined;
      } catch (e) {
        return false;
      }
    }

    compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
      const a = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
      const b = target.subarray(targetStart || 0,
                                targetEnd === undefined ? target.length : targetEnd);
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) {
        if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      }
      return a.length === b.length ? 0 : (a.length < b.length ? -1 : 1);
    }

    copy(target, targetStart, sourceStart, sourceEnd) {
      const part = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
      const at = targetStart || 0;
      const n = Math.max(0, Math.min(part.length, target.length - at));
      target.set(part.subarray(0, n), at);
      return n;
    }

    equals(other) {
      return this.compare(other) === 0;
    }

    fill(value, offset, end, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; end = this.length; }
      if (typeof end === 'string') { encoding = end; end = this.length; }
      const from = offset || 0;
      const to = end === undefined ? this.length : end;
      if (typeof value === 'number') return Uint8Array.prototype.fill.call(this, value & 255, from, to);
      const pattern = typeof value === 'string' ? encodeText(value, encoding) : Array.from(value);
      if (!pattern.length) return Uint8Array.prototype.fill.call(this, 0, from, to);
      for (let i = from, k = 0; i < to; i++, k = (k + 1) % pattern.length) this[i] = pattern[k];
      return this;
    }

    includes(value, byteOffset, encoding) {
      return this.indexOf(value, byteOffset, encoding) !== -1;
    }

    indexOf(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, false);
    }

    lastIndexOf(value, byteOffset, encoding) {
      return search(this, value, byteOffset, encoding, true);
    }

    slice(start, end) {  // a view, as Node's Buffer slice is (subarray makes a Buffer)
      return this.subarray(start, end);
    }

    swap16() { return swap(this, 2); }

    swap32() { return swap(this, 4); }

    swap64() { return swap(this, 8); }

    toJSON() {
      return {type: 'Buffer', data: Array.from(this)};
    }

    toString(encoding, start, end) {
      return decodeBytes(this.subarray(start || 0, end === undefined ? this.length : end),
                         encoding);
    }

    write(string, offset, length, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; length = undefined; }
      if (typeof length === 'string') { encoding = length; length = undefined; }
      const at = offset || 0;
      const bytes = encodeText(string, encoding);
      const n = Math.min(bytes.length, this.length - at, length === undefined ? Infinity : length);
      for (let i = 0; i < n; i++) this[at + i] = bytes[i];
      return n;
    }
  }

  function checkSize(size) {
    if (typeof size !== 'number' || size < 0 || !Number.isFinite(size)) {
      throw new RangeError('The argument "size" is invalid. Received ' + size);
    }
    return Math.floor(size);
  }

  function bufferOf(bytes) {
    const buffer = new Buffer(bytes.length);
    buffer.set(bytes);
    return buffer;
  }

  function search(buffer, value, byteOffset, encoding, last) {
    if (typeof byteOffset === 'string') { encoding = byteOffset; byteOffset = undefined; }
    const needle = typeof value === 'number' ? [value & 255]
      : typeof value === 'string' ? encodeText(value, encoding) : Array.from(value);
    const length = buffer.length;
    let from = byteOffset === undefined ? (last ? length - needle.length : 0) : Number(byteOffset);
    if (from < 0) from += length;
    const step = last ? -1 : 1;
    for (let i = Math.max(0, Math.min(from, length)); last ? i >= 0 : i <= length - needle.length;
         i += step) {
      let k = 0;
      while (k < needle.length && buffer[i + k] === needle[k]) k++;
      if (k === needle.length && i + k <= length) return i;
    }
    return -1;
  }

  function swap(buffer, size) {
    if (buffer.length % size !== 0) {
      throw new RangeError('Buffer size must be a multiple of ' + (size * 8) + '-bits');
    }
    for (let i = 0; i < buffer.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = buffer[a];
        buffer[a] = buffer[b];
        buffer[b] = t;
      }
    }
    return buffer;
  }

  function view(buffer) {
    return new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  }

  function checkOffset(buffer, offset, size) {
    const at = offset === undefined ? 0 : offset;
    if (typeof at !== 'number' || at % 1 !== 0 || at < 0 || at + size > buffer.length) {
      throw new RangeError('The value of "offset" is out of range. Received ' + offset);
    }
    return at;
  }

  // readInt8 / readUInt16LE / writeFloatBE ... on a DataView of the buffer's own bytes.
  const FIXED = {Int8: 1, UInt8: 1, Int16: 2, UInt16: 2, Int32: 4, UInt32: 4, Float: 4,
                 Double: 8};
  const VIEW_NAME = {Int8: 'Int8', UInt8: 'Uint8', Int16: 'Int16', UInt16: 'Uint16',
                     Int32: 'Int32', UInt32: 'Uint32', Float: 'Float32', Double: 'Float64'};
  Object.keys(FIXED).forEach((type) => {
    const size = FIXED[type];
    const endings = size === 1 ? [''] : ['BE', 'LE'];
    endings.forEach((end) => {
      const little = end === 'LE';
      const read = function (offset) {
        return view(this)['get' + VIEW_NAME[type]](checkOffset(this, offset, size), little);
      };
      const write = function (value, offset) {
        const at = checkOffset(this, offset, size);
        view(this)['set' + VIEW_NAME[type]](at, Number(value), little);
        return at + size;
      };
      for (const name of [type, type.replace('UInt', 'Uint')]) {
        Buffer.prototype['read' + name + end] = read;
        Buffer.prototype['write' + name + end] = write;
      }
    });
  });

  // readIntBE / readUIntLE / writeIntLE ...: 1 to 6 bytes.
  function checkByteLength(byteLength) {
    if (typeof byteLength !== 'number' || byteLength < 1 || byteLength > 6 || byteLength % 1) {
      throw new RangeError('The value of "byteLength" is out of range. It must be >= 1 and ' +
                           '<= 6. Received ' + byteLength);
    }
    return byteLength;
  }
  [['IntBE', false, true], ['IntLE', false, false], ['UIntBE', true, true],
   ['UIntLE', true, false]].forEach(([name, unsigned, bigEndian]) => {
    const read = function (offset, byteLength) {
      const n = checkByteLength(byteLength);
      const at = checkOffset(this, offset, n);
      let value = 0;
      for (let i = 0; i < n; i++) value = value * 256 + this[at + (bigEndian ? i : n - 1 - i)];
      if (!unsigned && value >= 2 ** (8 * n - 1)) value -= 2 ** (8 * n);
      return value;
    };
    const write = function (value, offset, byteLength) {
      const n = checkByteLength(byteLength);
      const at = checkOffset(this, offset, n);
      let v = Number(value);
      if (v < 0) v += 2 ** (8 * n);
      for (let i = 0; i < n; i++) {
        this[at + (bigEndian ? n - 1 - i : i)] = v % 256;
        v = Math.floor(v / 256);
      }
      return at + n;
    };
    for (const alias of [name, name.replace('UInt', 'Uint')]) {
      Buffer.prototype['read' + alias] = read;
      Buffer.prototype['write' + alias] = write;
    }
  });

  // --- crypto -------------------------------------------------------------------------

  const ALGORITHMS = ['md5', 'sha1', 'sha256'];

  function bytesOf(data, encoding) {
    if (typeof data === 'string') return encodeText(data, encoding);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError('The "data" argument must be of type string or an instance of Buffer, ' +
                        'TypedArray, or DataView');
  }

  function Digest(algorithm, key) {
    const name = String(algorithm).toLowerCase();
    if (ALGORITHMS.indexOf(name) < 0) throw new Error('Digest method not supported');
    this._algorithm = name;
    this._key = key === undefined ? null : latin1(bytesOf(key));
    this._parts = [];
    this._done = false;
  }
  Digest.prototype.update = function (data, encoding) {
    if (this._done) throw new Error('Digest already called');
    this._parts.push(latin1(bytesOf(data, encoding)));
    return this;
  };
  Digest.prototype.digest = function (encoding) {
    if (this._done) throw new Error('Digest already called');
    this._done = true;
    const raw = host.digest(this._algorithm, this._key, this._parts.join(''));
    if (encoding === undefined) return V2 ? Buffer.from(raw, 'latin1') : raw;
    return decodeBytes(fromLatin1(raw), encoding);
  };

  const crypto = {
    createHash(algorithm) { return new Digest(algorithm); },
    createHmac(algorithm, key) {
      if (key === undefined || key === null) throw new TypeError('The "key" argument is required');
      return new Digest(algorithm, key);
    },
  };

  // --- querystring --------------------------------------------------------------------

  function unescape(text) {
    try {
      return decodeURIComponent(text);
    } catch (e) {  // an invalid UTF-8 sequence: U+FFFD for it, the rest decoded
      const bytes = [];
      for (let i = 0; i < text.length; i++) {
        const hex = text.substr(i + 1, 2);
        if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push.apply(bytes, utf8Encode(text[i]));
        }
      }
      return utf8Decode(bytes, false);
    }
  }

  function escape(text) {
    return encodeURIComponent(String(text));
  }

  function parse(text, sep, eq, options) {
    const out = {};
    if (typeof text !== 'string' || text.length === 0) return out;
    const separator = sep || '&';
    const equals = eq || '=';
    const decode = (options && options.decodeURIComponent) || querystring.unescape;
    const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
    let pairs = text.split(separator);
    if (maxKeys > 0) pairs = pairs.slice(0, maxKeys);
    for (const pair of pairs) {
      if (!pair) continue;
      const at = pair.indexOf(equals);
      const rawKey = at >= 0 ? pair.slice(0, at) : pair;
      const rawValue = at >= 0 ? pair.slice(at + equals.length) : '';
      const key = decode(rawKey.replace(/\+/g, ' '));
      const value = decode(rawValue.replace(/\+/g, ' '));
      if (!Object.prototype.hasOwnProperty.call(out, key)) {
        Object.defineProperty(out, key, {value, enumerable: true, writable: true,
                                         configurable: true});
      } else if (Array.isArray(out[key])) {
        out[key].push(value);
      } else {
        out[key] = [out[key], value];
      }
    }
    return out;
  }

  function primitive(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    return '';
  }

  function stringify(object, sep, eq, options) {
    const separator = sep || '&';
    const equals = eq || '=';
    const encode = (options && options.encodeURIComponent) || querystring.escape;
    if (object === null || typeof object !== 'object') return '';
    const parts = [];
    for (const key of Object.keys(object)) {
      const name = encode(primitive(key)) + equals;
      const value = object[key];
      if (Array.isArray(value)) value.forEach((v) => parts.push(name + encode(primitive(v))));
      else parts.push(name + encode(primitive(value)));
    }
    return parts.join(separator);
  }

  const querystring = {parse, decode: parse, stringify, encode: stringify, escape, unescape};

  // --- Date: the run's start, however it is asked ---------------------------------------

  const RealDate = Date;
  function FixedDate(...args) {
    if (!new.target) return new RealDate(host.now()).toString();
    return Reflect.construct(RealDate, args.length ? args : [host.now()], new.target);
  }
  Object.setPrototypeOf(FixedDate, RealDate);
  FixedDate.prototype = RealDate.prototype;
  FixedDate.now = function now() { return host.now(); };
  Object.defineProperty(RealDate.prototype, 'constructor', {value: FixedDate, writable: true,
                                                            configurable: true});
  globalThis.Date = FixedDate;

  // --- globals by runtime ---------------------------------------------------------------

  const modules = {crypto, querystring, buffer: {Buffer}};
  globalThis.Buffer = Buffer;
  globalThis.require = function require(name) {
    if (Object.prototype.hasOwnProperty.call(modules, name) && name !== 'cloudfront') {
      return modules[name];
    }
    throw new Error("Cannot find module '" + name + "'");
  };
  if (V2) {
    globalThis.btoa = function btoa(text) {
      const s = String(text);
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) > 255) throw new Error('Invalid character');
      }
      return toBase64(fromLatin1(s), false);
    };
    globalThis.atob = function atob(text) {
      return latin1(fromBase64(String(text).replace(/\s/g, '')));
    };
    globalThis.TextEncoder = class TextEncoder {
      get encoding() { return 'utf-8'; }
      encode(text) { return new Uint8Array(utf8Encode(text === undefined ? '' : String(text))); }
      encodeInto(text, target) {
        const bytes = utf8Encode(String(text));
        let written = 0;
        let read = 0;
        for (const ch of String(text)) {  // whole characters only, as the standard says
          const size = utf8Encode(ch).length;
          if (written + size > target.length) break;
          target.set(bytes.slice(written, written + size), written);
          written += size;
          read += ch.length;
        }
        return {read, written};
      }
    };
    globalThis.TextDecoder = class TextDecoder {
      constructor(label, options) {
        const name = label === undefined ? 'utf-8' : String(label).toLowerCase();
        if (name !== 'utf-8' && name !== 'utf8') throw new RangeError('The encoding is not supported');
        this._fatal = Boolean(options && options.fatal);
        this._ignoreBOM = Boolean(options && options.ignoreBOM);
      }
      get encoding() { return 'utf-8'; }
      get fatal() { return this._fatal; }
      get ignoreBOM() { return this._ignoreBOM; }
      decode(input) {
        let bytes = input === undefined ? [] : bytesOf(input);
        if (!this._ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
          bytes = bytes.subarray(3);
        }
        const text = utf8Decode(bytes, this._fatal);
        if (text === null) throw new TypeError('The encoded data was not valid for encoding utf-8');
        return text;
      }
    };
  } else {
    // Byte strings: one character per byte, 0 to 255.
    String.bytesFrom = function bytesFrom(value, encoding) {
      if (Array.isArray(value)) return latin1(value.map((v) => v & 255));
      return latin1(encodeText(String(value), encoding));
    };
    const define = (name, fn) => Object.defineProperty(String.prototype, name, {
      value: fn, writable: true, configurable: true});
    define('fromBytes', function (start, end) { return this.slice(start, end); });
    define('toBytes', function (start, end) {
      const part = this.slice(start, end);
      return /[^\x00-\xff]/.test(part) ? null : part;
    });
    define('fromUTF8', function (start, end) {
      return utf8Decode(fromLatin1(this.slice(start, end)), true);
    });
    define('toUTF8', function (start, end) { return latin1(utf8Encode(this.slice(start, end))); });
  }
  return modules;
})
