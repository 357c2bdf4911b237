/**
 * @packageDocumentation
 * `@murmur/terminal`: what Murmur's command-line tools draw, in one place.
 */
export {
  type Column,
  formatTable,
  type ListOptions,
  type TableSpec,
  type TableStyle,
} from './table.js';
