// The Python a compare row stands for: the program written for the row's spec, at the lab's own address.

import { pythonProgram, type ProgramSpec, type Written } from '../../python/programs';

/** The programs' options: the lab's own address (so a program runs against this lab's latency endpoint). */
export const programOptions = () => ({ baseUrl: new URL('.', document.baseURI).href });

/** The program for a spec, at the lab's own address. */
export async function programFor(spec: ProgramSpec): Promise<string> {
  try {
    return await pythonProgram(spec, programOptions());
  } catch (e) {
    return programText({ error: e as Error });
  }
}

/** The program, or why there is none, as the row shows it. */
export const programText = (w: Written): string => ('text' in w ? w.text : `# The program could not be written for this spec: ${w.error.message}`);
