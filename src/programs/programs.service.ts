import type { ProgramRules } from './program-rules.ts';
import type { ProgramsRepository, StoredProgram } from './programs.repository.ts';

export interface ProgramsDeps {
  programs: ProgramsRepository;
  /** Tells the caches (this instance's and, through the feed, the others') that the rules changed. */
  programsChanged(by: string): Promise<void>;
  clock: () => Date;
}

/** A program as members and coordinators see it: its rules, not the coordinators' weights. */
export function programView(p: StoredProgram): ProgramRules {
  const { weights: _w, ...rules } = p;
  return rules;
}

export async function listPrograms(deps: ProgramsDeps): Promise<ProgramRules[]> {
  return (await deps.programs.list()).map(programView);
}

/** Adds a program or replaces its rules (the admin gate is the route's); the weights are kept. */
export async function putProgram(deps: ProgramsDeps, actorId: string, rules: ProgramRules): Promise<ProgramRules> {
  const stored = await deps.programs.put(rules, deps.clock());
  await deps.programsChanged(actorId);
  return programView(stored);
}
