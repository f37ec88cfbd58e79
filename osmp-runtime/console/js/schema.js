// The document the `schema` command returns: the instruction sets with their commands and
// events, each parameter object, result and stream item as JSON Schema, shared types
// under $defs. Commands are resolved as the server resolves them, searched as `apropos`
// searches, and their schemas read into the few kinds a form knows.

export class SchemaDocument {
  constructor(document) {
    this.document = document ?? {};
    this.sets = Array.isArray(this.document['instruction-sets']) ? this.document['instruction-sets'] : [];
    this.commands = resolveCommands(this.sets);
    this.events = this.sets.flatMap((set) => (set.events ?? []).map((event) => ({ ...event, instructionSet: set.name })));
  }

  /** The command a name stands for, as the server looks it up: name, alias, or either without dashes. */
  find(name) {
    const plain = (text) => String(text).toLowerCase();
    const dashless = (text) => plain(text).replaceAll('-', '');
    const wanted = plain(name);
    return (
      this.commands.find((command) => plain(command.command) === wanted) ??
      this.commands.find((command) => (command.aliases ?? []).some((alias) => plain(alias) === wanted)) ??
      this.commands.find((command) => [command.command, ...(command.aliases ?? [])].some((n) => dashless(n) === dashless(wanted)))
    );
  }

  /** Follows `$ref`s into the document's `$defs`. */
  resolve(schema) {
    let current = schema;
    for (let depth = 0; depth < 32 && current && typeof current === 'object' && current.$ref; depth += 1) {
      const pointer = String(current.$ref).replace(/^#/, '');
      const { $ref, ...rest } = current;
      const target = pointer.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), this.document);
      current = target === undefined ? {} : { ...target, ...rest };
    }
    return current;
  }

  /**
   * The commands `apropos term` finds: a regular expression, ignoring case, matched against
   * the name, aliases, descriptions, parameters and return values. {commands, error}.
   */
  search(term) {
    if (!term) return { commands: this.commands, error: null };
    let pattern;
    try {
      pattern = new RegExp(term, 'iu');
    } catch {
      try {
        pattern = new RegExp(term, 'i');
      } catch (error) {
        return { commands: [], error: `not a valid regular expression: ${error.message}` };
      }
    }
    const documented = (command) => [
      command.command, command.description, command['long-description'], ...(command.aliases ?? []),
      ...[...(command['mandatory-params'] ?? []), ...(command['optional-params'] ?? []), ...(command['return-values'] ?? [])]
        .flatMap((field) => [field.name, field.description]),
    ];
    const commands = this.commands.filter((command) => documented(command).some((text) => pattern.test(String(text ?? ''))));
    return { commands, error: null };
  }

  /**
   * A schema as a form sees it: {kind, nullable, schema, description, default, …} with kind
   * one of string, number, integer, boolean, enum, array, object, map or json (anything
   * else, edited as JSON).
   */
  shape(schema) {
    return shape(this, schema);
  }
}

/** Every command once, as the server runs it: the highest version of a name wins, and an
 *  equal version from a later set. */
function resolveCommands(sets) {
  const byName = new Map();
  for (const set of sets) {
    for (const command of set.commands ?? []) {
      const current = byName.get(command.command);
      if (!current || (command.version ?? 0) >= (current.version ?? 0)) {
        byName.set(command.command, { ...command, instructionSet: set.name });
      }
    }
  }
  return [...byName.values()];
}

const isNullSchema = (schema) => schema && (schema.type === 'null' || (Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null) || schema.const === null);

function shape(document, original) {
  let schema = document.resolve(original);
  if (schema === true || schema === undefined || schema === null) return { kind: 'json', nullable: true, schema: {} };
  if (schema === false) return { kind: 'json', nullable: false, schema: {} };
  let nullable = false;
  const info = (kind, extra = {}) => ({
    kind,
    nullable,
    schema,
    description: schema.description ?? original?.description,
    default: schema.default ?? original?.default,
    ...extra,
  });
  // Option<T>: one branch besides null.
  for (const key of ['anyOf', 'oneOf']) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.some(isNullSchema)) {
      const rest = branches.filter((branch) => !isNullSchema(branch));
      nullable = true;
      if (rest.length === 1) {
        const { [key]: _, ...outer } = schema;
        schema = { ...document.resolve(rest[0]), ...outer };
      }
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const { allOf, ...outer } = schema;
    schema = { ...document.resolve(allOf[0]), ...outer };
  }
  let types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes('null')) {
    nullable = true;
    types = types.filter((type) => type !== 'null');
  }
  const choices = enumChoices(document, schema);
  if (choices) {
    const values = choices.map((choice) => choice.value).filter((value) => value !== null);
    // A boolean that also accepts spellings such as "True" is a boolean to a person.
    if (values.includes(true) && values.includes(false)) return info('boolean');
    return info('enum', { choices: choices.filter((choice) => choice.value !== null) });
  }
  if (types.length === 1) {
    const [type] = types;
    if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return info(type);
    if (type === 'array' && schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
      return info('array', { items: schema.items });
    }
    if (type === 'object' && schema.properties && typeof schema.properties === 'object') {
      return info('object', { properties: schema.properties, required: schema.required ?? [] });
    }
    if (type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
      return info('map', { values: schema.additionalProperties });
    }
    if (type === 'object' && !schema.additionalProperties && !schema.properties) return info('json');
  }
  if (!types.length && schema.properties && typeof schema.properties === 'object') {
    return info('object', { properties: schema.properties, required: schema.required ?? [] });
  }
  return info('json');
}

/** The choices of an enum: `enum`, or `oneOf`/`anyOf` branches that are each one `const`. */
function enumChoices(document, schema) {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => ({ value, label: String(value) }));
  for (const key of ['oneOf', 'anyOf']) {
    const branches = schema[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const choices = [];
    for (const branch of branches.map((b) => document.resolve(b))) {
      if (branch && 'const' in branch) choices.push({ value: branch.const, label: String(branch.const), description: branch.description });
      else if (branch && Array.isArray(branch.enum)) choices.push(...branch.enum.map((value) => ({ value, label: String(value), description: branch.description })));
      else return null;
    }
    return choices;
  }
  return null;
}
