// Which part of the cross-browser suite this run is (LAB_PART): `chapters`, the tests whose verdicts are
// read against the machine's load, which `npm test` runs one engine at a time (another engine beside them
// would be a load of their own); `rest`, the tests that hold however busy the machine is (what ran, never
// how fast), which it runs two engines at a time; unset, both. A test outside this run's part is skipped,
// saying which part runs it.
const PART = process.env.LAB_PART ?? 'all';
if (!['all', 'chapters', 'rest'].includes(PART)) throw new Error(`LAB_PART must be chapters or rest (or unset: both); got ${PART}`);

/** The skip reason of a test of `part` (`chapters` or `rest`) in this run, or false: it runs. */
export const outside = (part) => PART !== 'all' && PART !== part && `in LAB_PART=${part}'s run`;
