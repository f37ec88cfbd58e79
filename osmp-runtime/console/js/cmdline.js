// "Copy as command line": the `osmp call URL COMMAND KEY=VALUE …` invocation that sends the
// same parameters. The CLI reads a VALUE as JSON when it is valid JSON and as a string
// otherwise (osmp-cli/src/params.rs), so strings that are valid JSON ("42", "true") are
// written as JSON strings, everything else but plain strings as JSON; each word is quoted
// for a POSIX shell.

/** A word as a POSIX shell reads it back. */
export function shellQuote(word) {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The text of a VALUE that the CLI reads back as `value`. */
export function valueText(value) {
  if (typeof value !== 'string') return JSON.stringify(value);
  try {
    JSON.parse(value);
    return JSON.stringify(value); // valid JSON: the CLI would not keep it a string
  } catch {
    return value;
  }
}

/** Keys that KEY=VALUE can carry: the CLI splits at the first '=', and a word starting with '-' is an option. */
function plainKey(key) {
  return /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(key);
}

/**
 * The invocation: `osmp [--fingerprint FP] [--user NAME] call URL COMMAND KEY=VALUE …`,
 * or with `--data JSON` when a parameter name cannot be a KEY.
 */
export function commandLine({ url, command, params, fingerprint, user }) {
  const words = ['osmp'];
  if (fingerprint) words.push('--fingerprint', fingerprint);
  if (user) words.push('--user', shellQuote(user));
  words.push('call', shellQuote(url), shellQuote(command));
  const entries = Object.entries(params ?? {}).filter(([, value]) => value !== undefined);
  if (entries.every(([key]) => plainKey(key))) {
    // Plain keys need no quoting: only the value is quoted, as people write it.
    for (const [key, value] of entries) words.push(`${key}=${shellQuote(valueText(value))}`);
  } else {
    words.push('--data', shellQuote(JSON.stringify(Object.fromEntries(entries))));
  }
  return words.join(' ');
}
