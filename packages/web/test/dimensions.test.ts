// The dashboard keeps its own copy of the dimension list (the browser bundle does not load @tally/core); this
// keeps the copy in step with the API's, so every dimension the API filters and groups by is offered on screen.
import { DIMENSIONS as API_DIMENSIONS } from '@tally/core';
import { describe, expect, it } from 'vitest';
import { DIMENSIONS, isFilterName } from '../src/state/dimensions.js';

describe('the dashboard dimensions', () => {
  it('are exactly the API dimensions, in the same order', () => {
    expect([...DIMENSIONS]).toEqual([...API_DIMENSIONS]);
  });

  it('are all accepted as filter names, with tags and metadata keys', () => {
    for (const d of API_DIMENSIONS) expect(isFilterName(d)).toBe(true);
    expect(isFilterName('tag')).toBe(true);
    expect(isFilterName('metadata.customer')).toBe(true);
    expect(isFilterName('metadata.')).toBe(false);
    expect(isFilterName('range')).toBe(false);
  });
});
