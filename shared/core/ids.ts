/** Generated ids are ULIDs: unique and sortable by creation time (API.md). */
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

export const newId = (): string => nextUlid();

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
