// The password proof of OSMP's login: RSA PKCS#1 v1.5 encryption (RFC 8017, 7.2.1) of
// utf8(password + token) with the server's key from session-initiated. WebCrypto offers
// only RSA-OAEP for encryption, so this is done with BigInt; the random padding comes from
// crypto.getRandomValues. Only the public key is used: the timing of the modular
// exponentiation depends on the public exponent, not on the password.

/** The modulus and exponent of a .NET XML key: <RSAKeyValue><Modulus>…</Modulus><Exponent>…</Exponent></RSAKeyValue>. */
export function parseXmlPublicKey(xml) {
  const field = (name) => {
    const match = new RegExp(`<${name}>\\s*([A-Za-z0-9+/=\\s]+?)\\s*</${name}>`).exec(String(xml));
    if (!match) throw new Error(`the server's public key has no ${name}`);
    return bytesToBigInt(base64ToBytes(match[1].replace(/\s+/g, '')));
  };
  const n = field('Modulus');
  const e = field('Exponent');
  const size = Math.ceil(n.toString(16).length / 2);
  if (size < 64) throw new Error('the server\'s public key is too short');
  return { n, e, size };
}

/** RSAES-PKCS1-v1_5 encryption of `message` (bytes): EM = 00 02 PS 00 M, c = EM^e mod n. */
export function encryptPkcs1v15(key, message) {
  if (message.length > key.size - 11) throw new Error('the password is too long for the server\'s key');
  const padding = randomNonZeroBytes(key.size - message.length - 3);
  const encoded = new Uint8Array(key.size);
  encoded[1] = 0x02;
  encoded.set(padding, 2);
  encoded.set(message, padding.length + 3);
  return bigIntToBytes(modPow(bytesToBigInt(encoded), key.e, key.n), key.size);
}

/** The answer to password-request: base64(encrypt(utf8(password + token))). */
export function encryptPassword(publicKeyXml, password, token) {
  const key = parseXmlPublicKey(publicKeyXml);
  return bytesToBase64(encryptPkcs1v15(key, new TextEncoder().encode(password + token)));
}

function randomNonZeroBytes(length) {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  const one = new Uint8Array(1);
  for (let i = 0; i < length; i += 1) {
    while (bytes[i] === 0) {
      crypto.getRandomValues(one);
      bytes[i] = one[0];
    }
  }
  return bytes;
}

function modPow(base, exponent, modulus) {
  let result = 1n;
  let factor = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * factor) % modulus;
    factor = (factor * factor) % modulus;
  }
  return result;
}

function bytesToBigInt(bytes) {
  let hex = '0';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

function bigIntToBytes(value, length) {
  const hex = value.toString(16).padStart(length * 2, '0');
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function base64ToBytes(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function bytesToBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}
