/**
 * The id in a detail page's path (`/users/:id`, `/sessions/:id`). The router decodes the path with decodeURI, which
 * leaves escapes of reserved characters alone, so an id holding `/`, `?` or `#` (sent as %2F, %3F, %23) would arrive
 * still escaped: decode those too.
 */
export function routeId(raw: string): string {
  return raw.replace(/%(2F|3F|23|26|3D|2B|24|2C|3B|3A|40)/gi, (escape) => decodeURIComponent(escape));
}

/** A path segment for an id, so that any id (with `/` or spaces) makes one segment. */
export const segment = (id: string): string => encodeURIComponent(id);
