// Forms generated from JSON Schema: strings, numbers with their limits, booleans, enums as
// choices, arrays, nested objects and maps, optional and mandatory fields, defaults and
// descriptions as help text. What a form cannot express is edited as JSON, in a field of
// its own or in the raw-JSON tab. Every field offers get() (undefined: not sent), set(value).

import { h, pretty, uniqueId } from './dom.js';

/**
 * The form of a command's parameter object: {element, get(), set(value), validate()}.
 * `order`: the parameter names as the command declares them (schemas list them sorted).
 */
export function buildForm(document, paramsSchema, order = []) {
  const shape = document.shape(paramsSchema ?? {});
  const field = shape.kind === 'object'
    ? objectField(document, shape, { name: null, required: true, top: true, order })
    : fieldFor(document, paramsSchema, { name: 'parameters', required: false });
  const element = h('div', { class: 'form' }, field.element);
  return {
    element,
    get: () => field.get() ?? {},
    set: (value) => field.set(value ?? {}),
    /** Shows the browser's message at the first invalid control; false when there is one. */
    validate: () => [...element.querySelectorAll('input, select, textarea')].every((control) => control.reportValidity()),
  };
}

function fieldFor(document, schema, options) {
  const shape = document.shape(schema);
  switch (shape.kind) {
    case 'string': return stringField(shape, options);
    case 'number':
    case 'integer': return numberField(shape, options);
    case 'boolean': return booleanField(shape, options);
    case 'enum': return enumField(shape, options);
    case 'array': return arrayField(document, shape, options);
    case 'object': return objectField(document, shape, options);
    case 'map': return mapField(document, shape, options);
    default: return jsonField(shape, options);
  }
}

/** The help text under a control: description, default, limits. */
function helpText(shape, extra = []) {
  const parts = [];
  if (shape.description) parts.push(shape.description);
  if (shape.default !== undefined) parts.push(`Default: ${JSON.stringify(shape.default)}.`);
  parts.push(...extra);
  return parts.join(' ');
}

/** A labelled control with its help text. */
function labelled(control, shape, { name, required }, extra = []) {
  const id = control.id || uniqueId('field');
  control.id = id;
  const help = helpText(shape, extra);
  const helpId = help ? `${id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  if (required) control.required = true;
  return h('div', { class: 'field', dataset: { param: name ?? '' } },
    h('label', { for: id }, name, required ? h('span', { class: 'required', title: 'mandatory' }, ' *') : h('span', { class: 'optional' }, ' (optional)')),
    control,
    helpId ? h('small', { id: helpId, class: 'help' }, help) : null);
}

function stringField(shape, options) {
  const format = shape.schema.format;
  const input = h('input', { type: 'text', name: options.name, placeholder: shape.default !== undefined ? String(shape.default) : format ?? '' });
  if (shape.schema.minLength !== undefined) input.minLength = shape.schema.minLength;
  if (shape.schema.maxLength !== undefined) input.maxLength = shape.schema.maxLength;
  if (shape.schema.pattern) input.pattern = shape.schema.pattern;
  return {
    element: labelled(input, shape, options, format ? [`Format: ${format}.`] : []),
    get: () => (input.value === '' ? undefined : input.value),
    set: (value) => { input.value = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value); },
  };
}

function numberField(shape, options) {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = shape.schema;
  const input = h('input', { type: 'number', name: options.name, step: multipleOf ?? (shape.kind === 'integer' ? 1 : 'any') });
  if (typeof minimum === 'number') input.min = minimum;
  if (typeof maximum === 'number') input.max = maximum;
  if (shape.default !== undefined) input.placeholder = String(shape.default);
  const limits = [];
  if (typeof minimum === 'number' || typeof maximum === 'number') limits.push(`From ${minimum ?? '−∞'} to ${maximum ?? '∞'}.`);
  if (typeof exclusiveMinimum === 'number') limits.push(`More than ${exclusiveMinimum}.`);
  if (typeof exclusiveMaximum === 'number') limits.push(`Less than ${exclusiveMaximum}.`);
  if (shape.kind === 'integer') limits.push('A whole number.');
  input.addEventListener('input', () => {
    const value = Number(input.value);
    const outside = input.value !== '' && ((typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) || (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum));
    input.setCustomValidity(outside ? limits.join(' ') : '');
  });
  return {
    element: labelled(input, shape, options, limits),
    get: () => (input.value === '' ? undefined : Number(input.value)),
    set: (value) => { input.value = typeof value === 'number' ? String(value) : value === undefined || value === null ? '' : String(value); },
  };
}

function booleanField(shape, options) {
  if (options.required) {
    const input = h('input', { type: 'checkbox', name: options.name });
    const element = labelled(input, shape, { ...options, required: false });
    element.classList.add('checkbox');
    return {
      element,
      get: () => input.checked,
      set: (value) => { input.checked = value === true || value === 'True' || value === 'true'; },
    };
  }
  // Optional: not sent unless chosen.
  const select = h('select', { name: options.name },
    h('option', { value: '' }, '(not set)'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
  return {
    element: labelled(select, shape, options),
    get: () => (select.value === '' ? undefined : select.value === 'true'),
    set: (value) => {
      select.value = value === undefined || value === null ? '' : String(value === true || value === 'True' || value === 'true');
    },
  };
}

function enumField(shape, options) {
  const select = h('select', { name: options.name },
    h('option', { value: '' }, options.required ? '— choose —' : '(not set)'),
    shape.choices.map((choice, index) => h('option', { value: String(index), title: choice.description }, choice.label)));
  const indexOf = (value) => shape.choices.findIndex((choice) => JSON.stringify(choice.value) === JSON.stringify(value));
  const described = shape.choices.filter((choice) => choice.description).map((choice) => `${choice.label}: ${choice.description}`);
  return {
    element: labelled(select, shape, options, described),
    get: () => (select.value === '' ? undefined : shape.choices[Number(select.value)].value),
    set: (value) => {
      const index = value === undefined ? -1 : indexOf(value);
      select.value = index < 0 ? '' : String(index);
    },
  };
}

/** A fieldset of items (arrays) or entries (maps) with Add and Remove. */
function listField(shape, options, makeRow, emptyValue) {
  const rows = [];
  const list = h('ol', { class: 'items' });
  const legend = h('legend', {}, options.name ?? 'items', options.required ? h('span', { class: 'required', title: 'mandatory' }, ' *') : h('span', { class: 'optional' }, ' (optional)'));
  const add = (value) => {
    const row = makeRow(rows.length);
    const remove = h('button', { type: 'button', class: 'small', 'aria-label': `Remove this entry of ${options.name ?? 'the list'}` }, 'Remove');
    const item = h('li', {}, row.element, remove);
    const entry = { row, item };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(entry), 1);
      item.remove();
      list.dispatchEvent(new Event('input', { bubbles: true }));
    });
    rows.push(entry);
    list.append(item);
    if (value !== undefined) row.set(value);
    return row;
  };
  const addButton = h('button', { type: 'button', class: 'small add', 'aria-label': `Add an entry to ${options.name ?? 'the list'}` }, 'Add');
  addButton.addEventListener('click', () => {
    add();
    list.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const help = helpText(shape);
  const element = h('fieldset', { class: 'list', dataset: { param: options.name ?? '' } }, legend,
    help ? h('small', { class: 'help' }, help) : null, list, addButton);
  return {
    element,
    rows,
    add,
    clear: () => { rows.splice(0).forEach((entry) => entry.item.remove()); },
    empty: () => (options.required ? emptyValue() : undefined),
  };
}

function arrayField(document, shape, options) {
  const list = listField(shape, options, (index) => fieldFor(document, shape.items, { name: `${options.name ?? 'item'}[${index + 1}]`, required: true }), () => []);
  return {
    element: list.element,
    get: () => {
      if (list.rows.length === 0) return list.empty();
      return list.rows.map((entry) => entry.row.get()).map((value) => (value === undefined ? null : value));
    },
    set: (value) => {
      list.clear();
      if (Array.isArray(value)) value.forEach((item) => list.add(item));
    },
  };
}

function mapField(document, shape, options) {
  const makeRow = (index) => {
    const key = h('input', { type: 'text', 'aria-label': `Key ${index + 1} of ${options.name ?? 'the map'}`, placeholder: 'key', required: true });
    const value = fieldFor(document, shape.values, { name: `value ${index + 1}`, required: true });
    return {
      element: h('div', { class: 'entry' }, key, value.element),
      key,
      value,
      set: ([k, v]) => { key.value = k; value.set(v); },
    };
  };
  const list = listField(shape, options, makeRow, () => ({}));
  return {
    element: list.element,
    get: () => {
      if (list.rows.length === 0) return list.empty();
      return Object.fromEntries(list.rows.map((entry) => [entry.row.key.value, entry.row.value.get() ?? null]));
    },
    set: (value) => {
      list.clear();
      if (value && typeof value === 'object' && !Array.isArray(value)) Object.entries(value).forEach((pair) => list.add(pair));
    },
  };
}

function objectField(document, shape, options) {
  const required = new Set(shape.required);
  const rank = (name) => {
    const index = (options.order ?? []).indexOf(name);
    return index < 0 ? Infinity : index;
  };
  // Mandatory first, then as declared (or as listed).
  const names = Object.keys(shape.properties).sort((a, b) => (required.has(b) - required.has(a)) || (rank(a) - rank(b)));
  const fields = new Map(names.map((name) => [name, fieldFor(document, shape.properties[name], { name, required: required.has(name) })]));
  // Members the form does not show (set from JSON) are kept and sent as they are.
  let extras = {};
  const extrasNote = h('p', { class: 'extras help', hidden: true });
  const children = [...fields.values()].map((field) => field.element);
  const help = helpText(shape);
  const element = options.top
    ? h('div', { class: 'object' }, names.length === 0 ? h('p', { class: 'help' }, 'This command has no parameters.') : null, children, extrasNote)
    : h('fieldset', { class: 'object', dataset: { param: options.name ?? '' } },
      h('legend', {}, options.name, options.required ? h('span', { class: 'required', title: 'mandatory' }, ' *') : h('span', { class: 'optional' }, ' (optional)')),
      help ? h('small', { class: 'help' }, help) : null, children, extrasNote);
  return {
    element,
    get: () => {
      const value = { ...extras };
      for (const [name, field] of fields) {
        const member = field.get();
        if (member !== undefined) value[name] = member;
      }
      if (!options.required && Object.keys(value).length === 0) return undefined;
      return value;
    },
    set: (value) => {
      const object = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
      for (const [name, field] of fields) field.set(object[name]);
      extras = Object.fromEntries(Object.entries(object).filter(([name]) => !fields.has(name)));
      const extraNames = Object.keys(extras);
      extrasNote.hidden = extraNames.length === 0;
      extrasNote.textContent = `Also sent, as given in JSON: ${extraNames.join(', ')}.`;
    },
  };
}

function jsonField(shape, options) {
  const area = h('textarea', { name: options.name, rows: 2, spellcheck: 'false', class: 'json', placeholder: 'JSON value' });
  const check = () => {
    try {
      if (area.value.trim() !== '') JSON.parse(area.value);
      area.setCustomValidity('');
    } catch {
      area.setCustomValidity('Not valid JSON.');
    }
  };
  area.addEventListener('input', check);
  return {
    element: labelled(area, shape, options, ['Any JSON value.']),
    get: () => {
      if (area.value.trim() === '') return undefined;
      try {
        return JSON.parse(area.value);
      } catch {
        return undefined;
      }
    },
    set: (value) => {
      area.value = value === undefined ? '' : pretty(value);
      check();
    },
  };
}
