// The prediction questions of each chapter (issue 24; API.md "Course activities"), kept as data beside the
// chapter catalogue and keyed by chapter id: `lab.lesson.chapters()` merges them in as `questions`.
//
// A question is decided by one claim of its chapter (../measure/claims-catalogue.ts):
//  - a `choice` is right when the option picked is the one that matches the claim's verdict measured
//    here (each option names the verdict it predicts: `if`);
//  - an `estimate` is a speedup (the claim's mode against sequential, the claim's `measured.speedup`),
//    right within a factor of ESTIMATE_FACTOR of the speedup measured here.
// Pure data: no DOM. The prompts use the lesson's words where it has some.

export type QuestionKind = 'choice' | 'estimate';

export interface ChoiceOption {
  /** Stable value kept in the state. */
  value: string;
  label: string;
  /** The claim's verdict this option predicts (the answer key; not in `lab.lesson.chapters()`). */
  if: 'borne-out' | 'not-borne-out';
}

export interface Question {
  /** Stable id, unique within its chapter (kept in the state). */
  id: string;
  kind: QuestionKind;
  prompt: string;
  /** A choice's options. */
  options?: ChoiceOption[];
  /** The claim id that decides it. */
  claim: string;
  /** One sentence on why it comes out as it does, shown beside the measurement once the answers lock. */
  why: string;
}

/** An estimate is right within this factor of the speedup measured here (either way). */
export const ESTIMATE_FACTOR = 1.5;

/** The values an estimate can take: roughly log-spaced, so each step of the slider is about the same
 * ratio (a keyboard's arrow keys move one stop). */
export const ESTIMATE_STOPS = [0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32];
export const ESTIMATE_MIN = ESTIMATE_STOPS[0];
export const ESTIMATE_MAX = ESTIMATE_STOPS[ESTIMATE_STOPS.length - 1];

const yes = (label: string): ChoiceOption => ({ value: 'yes', label, if: 'borne-out' });
const no = (label: string): ChoiceOption => ({ value: 'no', label, if: 'not-borne-out' });

export const QUESTIONS: Record<string, Question[]> = {
  'threads-vs-processes': [
    {
      id: 'io-threads',
      kind: 'choice',
      prompt: '"Multithreading: good for I/O-bound tasks (e.g. waiting for an API response)." Eight requests of 50 ms each: do threads finish them clearly faster than making them one after another?',
      options: [yes('Yes: the threads wait for their responses together.'), no('No: with the GIL, threads take as long as one after another.')],
      claim: 'threads-io',
      why: 'A thread lets go of the GIL while it waits for a response, so the waits overlap; only the short Python parts take turns.',
    },
    {
      id: 'cpu-processes',
      kind: 'choice',
      prompt: '"Multiprocessing: good for CPU-bound tasks (e.g. heavy math)." Counting primes in eight tasks: does a process pool finish clearly faster than one process doing it all?',
      options: [yes('Yes: each process computes on a core of its own.'), no('No: starting processes costs more than they gain.')],
      claim: 'processes-cpu',
      why: 'Each process has its own interpreter and its own GIL, so on a machine with free cores they compute at the same time.',
    },
    {
      id: 'cpu-threads-speedup',
      kind: 'estimate',
      prompt: 'The same counting on threads (ThreadPoolExecutor): how many times faster than one after another? (1× = the same time; below 1× = slower)',
      claim: 'threads-gil-cpu',
      why: 'Under the GIL one thread runs Python at a time, so threads give CPU-bound work about 1× (CPython: 0.89× on 2 threads), whatever the cores.',
    },
  ],
  asyncio: [
    {
      id: 'gather-time',
      kind: 'choice',
      prompt: 'asyncio "uses a single thread but jumps between tasks while they are waiting for I/O". Eight fetch_data coroutines under asyncio.gather, each awaiting a sleep of 0.15 s: about how long do they take together?',
      options: [yes('About 0.15 s, as long as one: their waits overlap.'), no('About 1.2 s: one thread does one thing at a time.')],
      claim: 'asyncio-io',
      why: 'While one coroutine awaits its sleep, the event loop runs the next, so all eight waits are under way together on one thread.',
    },
    {
      id: 'gather-speedup',
      kind: 'estimate',
      prompt: 'How many times faster than awaiting the eight one after another?',
      claim: 'asyncio-io',
      why: 'Eight waits that overlap take about the time of one: close to 8× here, less the event loop\'s own work.',
    },
  ],
  gil: [
    {
      id: 'threads-help',
      kind: 'choice',
      prompt: '"Even on a 64-core CPU, a standard Python script with threading only uses one core for CPU-bound math." Counting primes in eight tasks on threads: is it about as fast as one thread doing it all?',
      options: [yes('Yes, about the same: one core at a time.'), no('No, clearly faster: threads run on several cores.')],
      claim: 'threads-gil-cpu',
      why: 'The GIL lets one thread run Python bytecode at a time: the threads take turns every 5 ms, so they add no speed to pure-Python math.',
    },
    {
      id: 'processes-help',
      kind: 'choice',
      prompt: '"Solution: use … the multiprocessing module." The same counting on a process pool: clearly faster than one process?',
      options: [yes('Yes: each process has its own GIL and its own core.'), no('No: processes are held back like threads.')],
      claim: 'processes-cpu',
      why: 'Each process runs its own interpreter with its own GIL, so on free cores they compute at the same time.',
    },
    {
      id: 'threads-speedup',
      kind: 'estimate',
      prompt: 'How many times faster than one after another do the threads count? (1× = the same time; below 1× = slower)',
      claim: 'threads-gil-cpu',
      why: 'Taking turns adds no speed (CPython: 0.89× on 2 threads: the turns themselves cost a little).',
    },
  ],
  'api-calls': [
    {
      id: 'calls-time',
      kind: 'choice',
      prompt: '"Run both simultaneously!" Six calls of 200 ms each under asyncio.gather: about how long in all?',
      options: [yes('About 200 ms, as long as one call.'), no('About 1.2 s, six times one call.')],
      claim: 'asyncio-io',
      why: 'The calls leave at once and wait together on one thread; each response is read as it arrives.',
    },
    {
      id: 'calls-speedup',
      kind: 'estimate',
      prompt: 'How many times faster than making the six calls one after another?',
      claim: 'asyncio-io',
      why: 'Six waits that overlap take about the time of one: close to 6×, the most six calls can give.',
    },
  ],
  throughput: [
    {
      id: 'pipeline-winner',
      kind: 'choice',
      prompt: '"Use … multiprocessing for data preprocessing pipelines." A pipeline of short requests and heavy computing: does a process pool beat sequential, asyncio and threads?',
      options: [yes('Yes, processes finish first.'), no('No, asyncio or threads do as well or better.')],
      claim: 'mixed-cpu-heavy-processes',
      why: 'Its time goes to computing, which only processes spread over several cores; asyncio and threads compute one piece at a time.',
    },
    {
      id: 'api-winner',
      kind: 'choice',
      prompt: '"Use asyncio for web/API integration." Slow requests with light parsing: does asyncio beat sequential and processes?',
      options: [yes('Yes, asyncio finishes first.'), no('No, processes do as well or better.')],
      claim: 'mixed-io-heavy-asyncio',
      why: 'Its time goes to waiting, and one event loop overlaps every wait without the cost of starting processes.',
    },
  ],
  numpy: [
    {
      id: 'c-code-help',
      kind: 'choice',
      prompt: '"Use NumPy (which runs in C outside the GIL)." The same counting as C code that releases the GIL, on threads: clearly faster than one thread?',
      options: [yes('Yes: the threads compute at the same time.'), no('No: the GIL still lets one thread run at a time.')],
      claim: 'releases-gil-cpu',
      why: 'The C code drops the GIL while it works and takes it back only at the call\'s ends, so threads run it on several cores.',
    },
    {
      id: 'c-code-speedup',
      kind: 'estimate',
      prompt: 'How many times faster than one after another, as C code that releases the GIL?',
      claim: 'releases-gil-cpu',
      why: 'With the GIL released the threads use every free core: up to about the number of cores.',
    },
  ],
  'free-threading': [
    {
      id: 'no-gil-help',
      kind: 'choice',
      prompt: 'On free-threaded Python (python3.14t, no GIL), counting primes on threads: clearly faster than one thread?',
      options: [yes('Yes: with no GIL the threads run on several cores.'), no('No: threads never help CPU-bound work.')],
      claim: 'free-threaded-cpu',
      why: 'Without a GIL nothing makes the threads take turns, so each computes on a core of its own (each a little slower than alone).',
    },
    {
      id: 'no-gil-speedup',
      kind: 'estimate',
      prompt: 'How many times faster than one after another on the free-threaded build?',
      claim: 'free-threaded-cpu',
      why: 'About the number of free cores, less the build\'s single-thread cost (about 8%).',
    },
  ],
  subinterpreters: [
    {
      id: 'interpreters-help',
      kind: 'choice',
      prompt: 'Counting primes on subinterpreters (InterpreterPoolExecutor, 3.14), each with its own GIL: clearly faster than one after another?',
      options: [yes('Yes, like processes: one GIL each.'), no('No, like threads: one process, one core.')],
      claim: 'interpreters-cpu',
      why: 'Each interpreter holds only its own GIL, which no other thread wants, so they compute at the same time in one process.',
    },
    {
      id: 'interpreters-start',
      kind: 'choice',
      prompt: 'Which starts faster: an interpreter or a process?',
      options: [yes('An interpreter: it is a new interpreter in the same process.'), no('A process: an interpreter is just as heavy.')],
      claim: 'interpreters-start',
      why: 'An interpreter is started on a thread of the same process; a process must start a whole new runtime.',
    },
    {
      id: 'large-data',
      kind: 'choice',
      prompt: 'A large list split four ways with little work on it: do threads beat interpreters?',
      options: [yes('Yes: every item must be pickled across to an interpreter.'), no('No: interpreters win again, one GIL each.')],
      claim: 'interpreters-data',
      why: 'Threads share the list; interpreters receive their part pickled and unpickle it item by item, and that crossing costs more than the work.',
    },
  ],
  convoy: [
    {
      id: 'convoy-slower',
      kind: 'choice',
      prompt: '"Multithreading: good for I/O-bound tasks." An I/O thread making 200 short blocking calls beside one CPU-bound thread (switch interval 5 ms): is it at least 10× slower than alone?',
      options: [yes('Yes: each call gives up the GIL and must win it back.'), no('No: it lets go of the GIL while it waits, so it barely notices.')],
      claim: 'convoy-effect',
      why: 'After every blocking call the CPU-bound thread holds the GIL, and winning it back takes up to a whole switch interval: 200 calls become 200 intervals.',
    },
    {
      id: 'convoy-interval',
      kind: 'choice',
      prompt: 'With sys.setswitchinterval(0.001) (1 ms), is the I/O thread slowed less?',
      options: [yes('Yes: the CPU-bound thread is asked to let go sooner.'), no('No: the interval does not matter.')],
      claim: 'convoy-interval',
      why: 'Each wait for the GIL lasts about one switch interval, so a shorter interval shortens every wait.',
    },
    {
      id: 'convoy-free',
      kind: 'choice',
      prompt: 'On free-threaded Python (no GIL), is the I/O thread held up by the CPU-bound one?',
      options: [
        { value: 'held-up', label: 'Yes, as much as with the GIL.', if: 'not-borne-out' },
        { value: 'not-held-up', label: 'No: under 2× its time alone.', if: 'borne-out' },
      ],
      claim: 'convoy-free-threaded',
      why: 'With no GIL to win back, the I/O thread runs beside the CPU-bound one as if it were alone (given a free core).',
    },
  ],
};

/** The questions of chapter `id` ([] for an unknown id). */
export const questionsOf = (id: string): Question[] => QUESTIONS[id] ?? [];

/** The questions as `lab.lesson.chapters()` gives them: without the answer key or the give-away sentence. */
export function publicQuestions(id: string): { id: string; kind: QuestionKind; prompt: string; options?: { value: string; label: string }[]; claim: string }[] {
  return questionsOf(id).map((q) => ({
    id: q.id,
    kind: q.kind,
    prompt: q.prompt,
    ...(q.options ? { options: q.options.map((o) => ({ value: o.value, label: o.label })) } : {}),
    claim: q.claim,
  }));
}
