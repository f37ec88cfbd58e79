// Data laid out by its JSON Schema: objects as labelled rows with the schema's
// descriptions, lists of objects as tables, everything else as text.

import { h } from './dom.js';

/** Renders data against a schema: objects as labelled rows (descriptions from the schema),
 *  lists of objects as tables, the rest as text. Raw JSON stays one click away. */
export function renderData(document, schema, data, depth = 0) {
  const shape = document.shape(schema ?? true);
  if (data === null || typeof data !== 'object' || depth > 6) {
    return h('span', { class: `value ${data === null ? 'null' : typeof data}` }, typeof data === 'string' ? data : JSON.stringify(data));
  }
  if (Array.isArray(data)) {
    const items = shape.kind === 'array' ? document.shape(shape.items) : { kind: 'json' };
    const objects = data.length > 0 && data.every((item) => item && typeof item === 'object' && !Array.isArray(item));
    if (objects) {
      const columns = [...new Set([...(items.kind === 'object' ? Object.keys(items.properties) : []), ...data.flatMap(Object.keys)])];
      const describe = (column) => (items.kind === 'object' ? document.shape(items.properties[column] ?? true).description : undefined);
      return h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col', title: describe(column) }, column)))),
        h('tbody', {}, data.map((item) => h('tr', {}, columns.map((column) => h('td', {}, column in item ? renderData(document, items.kind === 'object' ? items.properties[column] : true, item[column], depth + 1) : ''))))));
    }
    return h('ol', { class: 'data' }, data.map((item) => h('li', {}, renderData(document, shape.kind === 'array' ? shape.items : true, item, depth + 1))));
  }
  const properties = shape.kind === 'object' ? shape.properties : {};
  return h('dl', { class: 'data' }, Object.entries(data).map(([key, value]) => {
    const description = properties[key] ? document.shape(properties[key]).description : undefined;
    return [h('dt', { title: description }, key, description ? h('small', { class: 'help' }, ` ${description}`) : null),
      h('dd', {}, renderData(document, properties[key] ?? (shape.kind === 'map' ? shape.values : true), value, depth + 1))];
  }));
}
