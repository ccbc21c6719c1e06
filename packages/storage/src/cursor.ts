/** Page cursors are opaque to clients: base64url of the last row's (timestamp, id). */
export function encodeCursor(timestamp: number, id: string): string {
  return Buffer.from(JSON.stringify([timestamp, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [number, string] | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through: a cursor that does not decode is reported by the caller
  }
  return null;
}
