// An image imagegate holds in R2, as its job or upload records it: where, what and how big, and its sha256.

export interface StoredFile {
  key: string;
  width: number | null;
  height: number | null;
  contentType: string;
  byteSize: number;
  sha256: string;
}
