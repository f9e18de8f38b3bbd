// One switch for the size of the long property runs. `npm test` runs a slice of each (its time
// budget is 10 minutes on 2 cores); `npm run test:slow` (package.json, run by .ci/run) sets
// RELU_LENS_SLOW=1 and runs every one at full size, so nothing a slice leaves out goes unchecked.
export const SLOW = process.env.RELU_LENS_SLOW === '1';

/** The slice size in `npm test`, the full size under RELU_LENS_SLOW=1. */
export const sized = (fast: number, full: number): number => (SLOW ? full : fast);
