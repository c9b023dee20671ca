// fast-check arbitraries for the settings tables (web/js/state/schema.js, explore-schema.js):
// every valid value of one field, generated from the same table the codec reads.
import fc from 'fast-check';

export function arbitraryFor(f) {
  const coord = (max) => fc.double({ min: -max, max, noNaN: true }).map((x) => x + 0);
  switch (f.type) {
    case 'int': return fc.integer({ min: f.min, max: f.max });
    case 'number': return fc.double({ min: f.min, max: f.max, noNaN: true }).map((x) => x + 0);
    case 'bool': return fc.boolean();
    case 'enum': return fc.constantFrom(...f.values);
    case 'point': return fc.tuple(coord(f.max), coord(f.max));
    case 'points':
      return fc.option(fc.array(fc.tuple(coord(f.max), coord(f.max)), { minLength: 1, maxLength: f.maxCount }),
        { nil: null });
    case 'numbers': return fc.array(fc.double({ min: f.min, max: f.max, noNaN: true }).map((x) => x + 0),
      { minLength: f.count, maxLength: f.count });
    default: throw new Error(`no arbitrary for ${f.type}`);
  }
}
