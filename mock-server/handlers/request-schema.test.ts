import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { MAX_UNACCEPTED, acceptanceOf, jsonSchemaOf, unacceptedFields } from './request-schema.ts';

const address = z.object({ city: z.string().nullish(), postalCode: z.string().nullish() });
const search = {
  query: z.object({ pageSize: z.int().optional(), storeId: z.array(z.string()).optional() }),
  body: z.object({
    take: z.int().optional(),
    customerId: z.string().optional(),
    billing: address.nullish(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number() })).optional(),
    notes: z.looseObject({ text: z.string() }).optional(),
    externalIds: z.array(z.union([z.string(), z.object({ id: z.string() })])).optional(),
  }),
};

describe('the fields a request schema does not accept', () => {
  it('names unknown query parameters and body fields, names only, never values', () => {
    const names = unacceptedFields(acceptanceOf(search), { pageSize: '20', debug: 'true' }, { take: 20, customer: { email: 'kari@example.com' } });

    expect(names).toEqual(['query.debug', 'body.customer']);
    expect(JSON.stringify(names)).not.toContain('kari');
  });

  it('names a nested field with its dotted path, and a field of array items with []', () => {
    const body = { billing: { city: 'Oslo', email: 'x' }, lines: [{ sku: 'A', quantity: 1, price: 3 }, { sku: 'B', quantity: 2, price: 4 }] };

    expect(unacceptedFields(acceptanceOf(search), {}, body)).toEqual(['body.billing.email', 'body.lines[].price']);
  });

  it('matches names case-insensitively, as ASP.NET model binding does', () => {
    expect(unacceptedFields(acceptanceOf(search), { PageSize: '2', STOREID: 'a' }, { Take: 1, CustomerID: 'C-1' })).toEqual([]);
  });

  it('accepts any field of a loose object, and judges the object form of a value that may also be a string', () => {
    const body = { notes: { text: 'a', author: 'b' }, externalIds: ['x', { id: 'y', providerName: 'erp' }] };

    expect(unacceptedFields(acceptanceOf(search), {}, body)).toEqual(['body.externalIds[].providerName']);
  });

  it('names every field of a body sent to an endpoint that reads none, and a body that is not an object as a whole', () => {
    const getter = {};

    expect(unacceptedFields(acceptanceOf(getter), { q: 'a' }, { id: 'ORD-1' })).toEqual(['query.q', 'body.id']);
    expect(unacceptedFields(acceptanceOf(getter), {}, [{ id: 'ORD-1' }])).toEqual(['body']);
    expect(unacceptedFields(acceptanceOf(getter), {}, undefined)).toEqual([]);
  });

  it('stops at the limit, so a large body costs little', () => {
    const body = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`extra${i}`, i]));

    const names = unacceptedFields(acceptanceOf(search), {}, body);

    expect(names).toHaveLength(MAX_UNACCEPTED);
    expect(names[0]).toBe('body.extra0');
  });

  it('names each unaccepted field of a bulk body once', () => {
    const bulk = { body: z.array(z.object({ sku: z.string() })) };

    expect(unacceptedFields(acceptanceOf(bulk), {}, Array.from({ length: 1000 }, (_, i) => ({ sku: `S${i}`, note: 'n' })))).toEqual(['body[].note']);
  });

  it('follows a schema with an id into its definition', () => {
    const line = z.object({ sku: z.string() }).meta({ id: 'TestLine' });
    const bulk = { body: z.object({ lines: z.array(line) }) };

    expect(unacceptedFields(acceptanceOf(bulk), {}, { lines: [{ sku: 'A', price: 1 }] })).toEqual(['body.lines[].price']);
  });

  it('shows a name that is itself a secret as (secret)', () => {
    expect(unacceptedFields(acceptanceOf(search), { 'sec_abcdefghijklmnop': '' }, undefined, (n) => n.startsWith('sec_'))).toEqual(['query.(secret)']);
  });
});

describe('a schema as JSON Schema', () => {
  it('closes a plain object and leaves a loose one open, in what is sent as in what is answered', () => {
    const schema = z.object({ a: z.string(), b: z.looseObject({ c: z.array(z.string()).default([]) }) });

    const input = jsonSchemaOf(schema, 'input');

    expect(input).not.toHaveProperty('$schema');
    expect(input).toMatchObject({ additionalProperties: false, properties: { b: { additionalProperties: {} } } });
    expect((input.properties as { b: { required?: string[] } }).b.required).toBeUndefined();
    expect(jsonSchemaOf(schema, 'output')).toMatchObject({ additionalProperties: false, properties: { b: { required: ['c'] } } });
  });
});
