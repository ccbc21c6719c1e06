/** Request and response examples of the price override routes, shown in the OpenAPI document. */

export const addPrice = {
  model: 'gpt-4o',
  provider: 'openai',
  effective_from: '2026-11-01T00:00:00Z',
  input_per_mtok: 2.25,
  output_per_mtok: 9,
  cache_read_per_mtok: 1.125,
};

export const price = {
  id: 'price_467064fd93454117',
  project_id: 'support',
  ...addPrice,
  cache_write_per_mtok: null,
  created_at: 1795434059433,
};

export const prices = {
  prices: [
    price,
    {
      id: 'price_0b3f9c2e7d5a4816',
      project_id: 'support',
      model: 'llama-3.1-70b-instruct',
      provider: null,
      effective_from: '2026-10-01T00:00:00Z',
      input_per_mtok: 0.4,
      output_per_mtok: 0.4,
      cache_read_per_mtok: null,
      cache_write_per_mtok: null,
      created_at: 1790000000000,
    },
  ],
};
