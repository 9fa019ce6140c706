import type { ProgramSettings } from './program-rules.ts';
import type { ProgramsRepository, StoredProgram } from './programs.repository.ts';

export interface ProgramsDeps {
  programs: ProgramsRepository;
  /** Tells the caches (this instance's and, through the feed, the others') that the rules changed. */
  programsChanged(by: string): Promise<void>;
  clock: () => Date;
}

/** A program as members and coordinators see it: its rules, how it pairs and their sources, not the coordinators' weights. */
export function programView(p: StoredProgram): ProgramSettings {
  const { weights: _w, roleWord: _r, ...settings } = p;
  return settings;
}

export async function listPrograms(deps: ProgramsDeps): Promise<ProgramSettings[]> {
  return (await deps.programs.list()).map(programView);
}

/** Adds a program or replaces its rules (the admin gate is the route's); the weights are kept. */
export async function putProgram(deps: ProgramsDeps, actorId: string, settings: ProgramSettings): Promise<ProgramSettings> {
  const stored = await deps.programs.put(settings, deps.clock());
  await deps.programsChanged(actorId);
  return programView(stored);
}
