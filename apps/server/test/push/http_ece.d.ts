/** Types of the `http_ece` library (encrypted content-encoding, RFC 8188/8291) as the push tests use it. */
declare module "http_ece" {
  import type { ECDH } from "node:crypto"
  /** Decrypts an `aes128gcm` body for the receiver holding `privateKey` and `authSecret`. */
  export function decrypt(
    buffer: Buffer,
    params: { version: "aes128gcm"; privateKey: ECDH; authSecret: string | Buffer }
  ): Buffer
  const ece: { decrypt: typeof decrypt }
  export default ece
}
