// explore.html's tabs in the order of their buttons, one module each (the contract: ../tab.js).
import { self } from './self.js';
import { heads } from './heads.js';
import { dim } from './dim.js';
import { stream } from './stream.js';
import { cross } from './cross.js';
import { sparse } from './sparse.js';
import { paged } from './paged.js';
import { mla } from './mla.js';

export const TABS = Object.freeze([self, heads, dim, stream, cross, sparse, paged, mla]);
