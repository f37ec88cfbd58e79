// Deep links: #/cmd/NAME?params=JSON selects a command and fills its form. A link never
// runs anything by itself: the operator presses Run.

/** What a location hash asks for: {command, params} (params undefined when not given), or {error}. */
export function parseHash(hash) {
  const match = /^#\/cmd\/([^?]*)(?:\?(.*))?$/.exec(hash);
  if (!match) return { command: null };
  let command;
  try {
    command = decodeURIComponent(match[1]);
  } catch {
    return { command: null, error: 'the link names no command' };
  }
  // Parsed by hand: URLSearchParams would read '+' as a space inside the JSON.
  for (const pair of (match[2] ?? '').split('&')) {
    const [key, value = ''] = pair.split('=', 2);
    if (key !== 'params') continue;
    try {
      const params = JSON.parse(decodeURIComponent(value));
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        return { command, error: 'the link\'s params are not a JSON object' };
      }
      return { command, params };
    } catch {
      return { command, error: 'the link\'s params are not valid JSON' };
    }
  }
  return { command, params: undefined };
}

/** The hash of a command with these parameters. */
export function commandHash(command, params) {
  const base = `#/cmd/${encodeURIComponent(command)}`;
  if (!params || Object.keys(params).length === 0) return base;
  return `${base}?params=${encodeURIComponent(JSON.stringify(params))}`;
}
