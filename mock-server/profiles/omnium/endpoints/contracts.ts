/**
 * The request and response shapes Omnium's endpoints share (omnium-api.md A4): search paging,
 * the search and scroll wrappers, PATCH controls, the update result. A request schema built
 * with `z.object` accepts only the fields its resolver reads (and those A5 documents); the
 * entity models are loose, so an answer may carry fields the mock does not model.
 */
import { z } from 'zod';
import { externalIdSchema } from '../domain/index.ts';
import { SORT_ORDERS } from './search.ts';

/** A date a filter takes: ISO 8601 (the resolvers take anything `Date` parses). */
export const dateTime = z.string().meta({ format: 'date-time' });

/** A list of ids: a JSON array of strings (a single string is taken too). */
export const idList = z.array(z.string());

/** The time window of a search: created and modified, each bound inclusive. */
export const dateWindowFields = {
  createdFrom: dateTime.optional(),
  createdTo: dateTime.optional(),
  modifiedFrom: dateTime.optional(),
  modifiedTo: dateTime.optional(),
};

/** A search filter on external ids: their ids, or whole `{ providerName, id }` references. */
export const externalIdFilter = z.array(z.union([z.string(), externalIdSchema]));

/** Paging and order of a Search body: `take` ≤ 100, 0-based `page`. */
export const pagingFields = {
  take: z.int().min(0).max(100).optional(),
  page: z.int().min(0).optional(),
  sortOrder: z.enum(SORT_ORDERS).optional(),
};

/** `Omnium{T}OmniumSearchResult`. */
export const searchResultOf = (item: z.ZodType, id: string) =>
  z.object({ result: z.array(item), totalHits: z.int(), facets: z.array(z.unknown()), scrollId: z.null(), isValid: z.boolean() }).meta({ id });

/** A scroll's batch: `{ totalHits, result, scrollId }` (an empty `result` at the end). */
export const scrollResultOf = (item: z.ZodType, id: string) =>
  z.object({ totalHits: z.int(), result: z.array(item), scrollId: z.string().nullable() }).meta({ id });

/** Omnium's PATCH controls (A4), accepted beside the entity's own fields. */
export const patchControls = {
  keepExistingCustomProperties: z.boolean().optional(),
  keepExistingListItems: z.boolean().optional(),
  propertiesRemovalConditions: z.array(z.looseObject({ key: z.string() })).optional(),
  forceUpdate: idList.optional(),
};

/** The answer of a patch or bulk update (`updateResult`). */
export const updateResultSchema = z
  .object({
    errorCount: z.int(),
    errorMessage: z.string().nullable(),
    isModified: z.boolean(),
    totalCount: z.int(),
    updatedCount: z.int(),
    unchangedCount: z.int(),
    notFoundCount: z.int(),
  })
  .meta({ id: 'OmniumUpdateResult' });

/** An endpoint that reads no query and no body (path parameters only). */
export const NOTHING = {} as const;
