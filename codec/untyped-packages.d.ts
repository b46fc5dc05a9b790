// Type declarations for the untyped npm packages the codec uses (snappyjs) or tests against (lz4js).

declare module 'snappyjs' {
  const snappy: {
    compress(data: Uint8Array): Uint8Array;
    uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default snappy;
}

declare module 'lz4js' {
  const lz4: {
    compress(data: Uint8Array, maxSize?: number): Uint8Array;
    decompress(data: Uint8Array, maxSize?: number): Uint8Array;
  };
  export default lz4;
}
