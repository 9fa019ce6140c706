// An in-memory index of every sponsor, laid out as typed-array columns so that
// ranking 100,000 sponsors takes a few milliseconds. Strings (programs, zones,
// languages, experiences) are interned to small integers and sets become bitmasks.
// The profile objects are kept too: reasons are written only for the k winners,
// from the profiles, by the same code as the pure path.
//
// The index holds used places itself (setUsedPlaces), so ranking reads no callback
// per sponsor. Program rules and weights are not held: they come with each query's
// MatchingContext, so a change of rules needs no rebuild.
//
// snapshot() gives a frozen view for work that spans many turns of the event loop
// (a pool run ranks thousands of newcomers in slices): the view shares the columns,
// and the live index copies them before its first change while a view is out
// (copy on write), so a run sees one state and pays nothing when nothing changes.

import { availabilityMask, MASK_WORDS, offsetMinutesAt, weekStartOf } from './availability.ts';
import { primaryLanguage } from './eligibility.ts';
import { dayNumberOfDate } from './recovery.ts';
import { ageBandIndex, ageBandMask, orientationIndex } from './scoring.ts';
import { CONTACT_MODES, GENDERS, type ContactMode, type Gender, type SponsorProfile } from './types.ts';

/** A set of interned ids per row, `stride` 32-bit words per row; grows as ids appear. */
export class BitsetColumn {
  stride = 1;
  data: Uint32Array;

  constructor(rows: number) {
    this.data = new Uint32Array(rows * this.stride);
  }

  resizeRows(rows: number): void {
    const next = new Uint32Array(rows * this.stride);
    next.set(this.data.subarray(0, Math.min(this.data.length, next.length)));
    this.data = next;
  }

  ensureId(id: number, rows: number): void {
    if (id < this.stride * 32) return;
    let stride = this.stride;
    while (id >= stride * 32) stride *= 2;
    const next = new Uint32Array(rows * stride);
    for (let r = 0; r < rows; r++) {
      for (let w = 0; w < this.stride; w++) next[r * stride + w] = this.data[r * this.stride + w] as number;
    }
    this.stride = stride;
    this.data = next;
  }

  copy(): BitsetColumn {
    const c = new BitsetColumn(0);
    c.stride = this.stride;
    c.data = this.data.slice();
    return c;
  }

  setRow(row: number, ids: Iterable<number>): void {
    const base = row * this.stride;
    this.data.fill(0, base, base + this.stride);
    for (const id of ids) {
      const i = base + (id >>> 5);
      this.data[i] = (this.data[i] as number) | (1 << (id & 31));
    }
  }
}

export function contactModeBits(modes: readonly ContactMode[]): number {
  let bits = 0;
  for (const m of modes) {
    const i = CONTACT_MODES.indexOf(m);
    if (i >= 0) bits |= 1 << i;
  }
  return bits;
}

/** Bit i for GENDERS[i]; 0 for none given. */
export function genderMask(genders: readonly Gender[] | undefined): number {
  let bits = 0;
  for (const g of genders ?? []) {
    const i = GENDERS.indexOf(g);
    if (i >= 0) bits |= 1 << i;
  }
  return bits;
}

/** An ISO date-time as epoch ms; absent or malformed sorts last (+Infinity). */
export function availableSinceMs(iso: string | undefined): number {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  return Number.isNaN(ms) ? Infinity : ms;
}

export const IN_PERSON_BIT = 1 << CONTACT_MODES.indexOf('in-person');
export const TEXT_BIT = 1 << CONTACT_MODES.indexOf('text');

class Interner {
  constructor(
    readonly ids = new Map<string, number>(),
    readonly names: string[] = [],
  ) {}

  copy(): Interner {
    return new Interner(new Map(this.ids), [...this.names]);
  }

  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

export class CandidateIndex {
  /** @internal Columns below are read by rank.ts; treat them as private. */
  rows = 0;
  capacityRows = 0;
  programs = new Interner();
  zones = new Interner();
  languages = new Interner();
  experiences = new Interner();
  slotById = new Map<string, number>();
  private freeSlots: number[] = [];
  private usedById = new Map<string, number>();
  /** Set on a snapshot: it never changes. */
  private frozen = false;
  /** Snapshots out that share this index's columns; the first change copies them first. */
  private sharedWith = 0;
  /** Bumped when this index stops sharing, so a late release of an older snapshot does not count. */
  private shareEpoch = 0;
  /** On a snapshot: the index it was taken of, and that index's epoch then. */
  private origin: { index: CandidateIndex; epoch: number } | undefined;

  ids: (string | undefined)[] = [];
  profiles: (SponsorProfile | undefined)[] = [];
  alive = new Uint8Array(0);
  program = new Int32Array(0);
  /** Rows of each program (unordered), so a query visits only accepted programs. */
  members: Int32Array[] = [];
  memberCount: number[] = [];
  memberPos = new Int32Array(0);
  accepting = new Uint8Array(0);
  capacity = new Float64Array(0);
  used = new Int32Array(0);
  recoveryDay = new Float64Array(0);
  /** Day number of programSince (NaN when absent), for programs that count time in the program. */
  programDay = new Float64Array(0);
  zone = new Int32Array(0);
  hasOwnSponsor = new Uint8Array(0);
  steps = new Uint8Array(0);
  /** The sponsor's own limits: bitmasks over GENDERS and AGE_BANDS, 0 for no limit. */
  sponsorsGenders = new Uint8Array(0);
  newcomerAgeBands = new Uint8Array(0);
  /** Epoch ms the sponsor started taking newcomers (+Infinity when unknown), for ties. */
  availableSince = new Float64Array(0);
  gender = new Uint8Array(0);
  orientation = new Uint8Array(0);
  modes = new Uint8Array(0);
  affirming = new Uint8Array(0);
  ageBand = new Int8Array(0);
  hasLocation = new Uint8Array(0);
  lat = new Float64Array(0);
  lon = new Float64Array(0);
  langs = new BitsetColumn(0);
  /** The languages the sponsor will sponsor in; always the same stride as `langs`. */
  sponsorLangs = new BitsetColumn(0);
  exps = new BitsetColumn(0);
  masks = new Uint32Array(0);
  /** Week start each row's mask was built for; NaN when stale. */
  maskWeek = new Float64Array(0);

  constructor(sponsors: Iterable<SponsorProfile> = []) {
    for (const s of byProgram(sponsors)) this.upsertSponsor(s);
  }

  /**
   * A read-only view of the index as it is now, for work spanning several turns
   * of the event loop. It shares the columns until this index next changes, when
   * this index copies them first (one copy, however many snapshots are out).
   * Call release() on the view when done, so later changes need no copy.
   */
  snapshot(): CandidateIndex {
    const view = new CandidateIndex();
    view.adoptColumns(this, false);
    view.frozen = true;
    if (!this.frozen) {
      this.sharedWith += 1;
      view.origin = { index: this, epoch: this.shareEpoch };
    }
    return view;
  }

  /** Ends a snapshot's sharing; a no-op on anything else, and when called twice. */
  release(): void {
    const origin = this.origin;
    this.origin = undefined;
    if (origin && origin.epoch === origin.index.shareEpoch && origin.index.sharedWith > 0) origin.index.sharedWith -= 1;
  }

  /** Before any change: a snapshot never changes, and a shared index copies its columns. */
  private beforeChange(): void {
    if (this.frozen) throw new Error('a snapshot of the candidate index is read-only');
    if (this.sharedWith === 0) return;
    this.adoptColumns(this, true);
    this.sharedWith = 0;
    this.shareEpoch += 1;
  }

  /** Takes `from`'s state: the same objects, or copies of them. Every field that changes lives here. */
  private adoptColumns(from: CandidateIndex, copy: boolean): void {
    const c = <T extends { slice(): T }>(a: T): T => (copy ? a.slice() : a);
    this.rows = from.rows;
    this.capacityRows = from.capacityRows;
    this.programs = copy ? from.programs.copy() : from.programs;
    this.zones = copy ? from.zones.copy() : from.zones;
    this.languages = copy ? from.languages.copy() : from.languages;
    this.experiences = copy ? from.experiences.copy() : from.experiences;
    this.slotById = copy ? new Map(from.slotById) : from.slotById;
    this.freeSlots = c(from.freeSlots);
    this.usedById = copy ? new Map(from.usedById) : from.usedById;
    this.ids = c(from.ids);
    this.profiles = c(from.profiles);
    this.alive = c(from.alive);
    this.program = c(from.program);
    this.members = copy ? from.members.map((m) => m.slice()) : from.members;
    this.memberCount = c(from.memberCount);
    this.memberPos = c(from.memberPos);
    this.accepting = c(from.accepting);
    this.capacity = c(from.capacity);
    this.used = c(from.used);
    this.recoveryDay = c(from.recoveryDay);
    this.programDay = c(from.programDay);
    this.zone = c(from.zone);
    this.hasOwnSponsor = c(from.hasOwnSponsor);
    this.steps = c(from.steps);
    this.sponsorsGenders = c(from.sponsorsGenders);
    this.newcomerAgeBands = c(from.newcomerAgeBands);
    this.availableSince = c(from.availableSince);
    this.gender = c(from.gender);
    this.orientation = c(from.orientation);
    this.modes = c(from.modes);
    this.affirming = c(from.affirming);
    this.ageBand = c(from.ageBand);
    this.hasLocation = c(from.hasLocation);
    this.lat = c(from.lat);
    this.lon = c(from.lon);
    this.langs = copy ? from.langs.copy() : from.langs;
    this.sponsorLangs = copy ? from.sponsorLangs.copy() : from.sponsorLangs;
    this.exps = copy ? from.exps.copy() : from.exps;
    this.masks = c(from.masks);
    this.maskWeek = c(from.maskWeek);
  }

  /** Number of sponsors in the index. */
  get size(): number {
    return this.slotById.size;
  }

  getSponsor(userId: string): SponsorProfile | undefined {
    const slot = this.slotById.get(userId);
    return slot === undefined ? undefined : this.profiles[slot];
  }

  *sponsors(): IterableIterator<SponsorProfile> {
    for (let i = 0; i < this.rows; i++) {
      const p = this.profiles[i];
      if (p !== undefined && this.alive[i] === 1) yield p;
    }
  }

  /** Used places as last set (0 when never set); kept across removeSponsor. */
  usedPlaces(userId: string): number {
    return this.usedById.get(userId) ?? 0;
  }

  setUsedPlaces(userId: string, used: number): void {
    this.beforeChange();
    const n = Number.isFinite(used) && used > 0 ? Math.floor(used) : 0;
    if (n === 0) this.usedById.delete(userId);
    else this.usedById.set(userId, n);
    const slot = this.slotById.get(userId);
    if (slot !== undefined) this.used[slot] = n;
  }

  /** Adds or replaces a sponsor. Throws RangeError on an unknown time zone (validate first). */
  upsertSponsor(p: SponsorProfile): void {
    offsetMinutesAt(p.timezone, 0);
    this.beforeChange();
    let slot = this.slotById.get(p.userId);
    const programId = this.programs.intern(p.program);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.rows++;
      if (slot >= this.capacityRows) this.grow(Math.max(1024, this.capacityRows * 2));
      this.slotById.set(p.userId, slot);
      this.addMember(programId, slot);
    } else if (this.program[slot] !== programId) {
      this.removeMember(this.program[slot] as number, slot);
      this.addMember(programId, slot);
    }
    const zoneId = this.zones.intern(p.timezone);
    this.ids[slot] = p.userId;
    this.profiles[slot] = p;
    this.alive[slot] = 1;
    this.program[slot] = programId;
    this.accepting[slot] = p.acceptingNewcomers ? 1 : 0;
    this.capacity[slot] = p.capacity;
    this.used[slot] = this.usedById.get(p.userId) ?? 0;
    this.recoveryDay[slot] = p.recoveryDate === undefined ? NaN : dayNumberOfDate(p.recoveryDate);
    this.programDay[slot] = p.programSince === undefined ? NaN : dayNumberOfDate(p.programSince);
    this.zone[slot] = zoneId;
    this.hasOwnSponsor[slot] = p.hasOwnSponsor ? 1 : 0;
    this.steps[slot] = Math.max(0, Math.min(255, Math.floor(p.stepsCompleted) || 0));
    this.sponsorsGenders[slot] = genderMask(p.sponsorsGenders);
    this.newcomerAgeBands[slot] = ageBandMask(p.newcomerAgeBands);
    this.availableSince[slot] = availableSinceMs(p.availableSince);
    this.gender[slot] = Math.max(0, GENDERS.indexOf(p.gender));
    this.orientation[slot] = Math.max(0, orientationIndex(p.spiritualOrientation));
    this.modes[slot] = contactModeBits(p.contactModes);
    this.affirming[slot] = p.lgbtqAffirming ? 1 : 0;
    this.ageBand[slot] = ageBandIndex(p.ageBand);
    this.hasLocation[slot] = p.location === undefined ? 0 : 1;
    this.lat[slot] = p.location?.lat ?? 0;
    this.lon[slot] = p.location?.lon ?? 0;
    const langIds = p.languages.map((l) => this.languages.intern(primaryLanguage(l)));
    const chosen = p.languagesForSponsoring;
    const sponsorLangIds = chosen === undefined || chosen.length === 0 ? langIds : chosen.map((l) => this.languages.intern(primaryLanguage(l)));
    // Both columns grow together, so one newcomer mask of `langs.stride` words reads either.
    for (const id of [...langIds, ...sponsorLangIds]) {
      this.langs.ensureId(id, this.capacityRows);
      this.sponsorLangs.ensureId(id, this.capacityRows);
    }
    this.langs.setRow(slot, langIds);
    this.sponsorLangs.setRow(slot, sponsorLangIds);
    const expIds = [...(p.experiences ?? []), ...(p.experiencesOnCard ?? [])].map((e) => this.experiences.intern(e));
    for (const id of expIds) this.exps.ensureId(id, this.capacityRows);
    this.exps.setRow(slot, expIds);
    this.maskWeek[slot] = NaN;
  }

  removeSponsor(userId: string): boolean {
    const slot = this.slotById.get(userId);
    if (slot === undefined) return false;
    this.beforeChange();
    this.slotById.delete(userId);
    this.removeMember(this.program[slot] as number, slot);
    this.alive[slot] = 0;
    this.ids[slot] = undefined;
    this.profiles[slot] = undefined;
    this.freeSlots.push(slot);
    return true;
  }

  /**
   * Builds every availability mask for the week containing `now`. Optional: ranking
   * builds stale masks lazily, but the first query of a week then pays for them.
   */
  prepareWeek(now: number): void {
    const week = weekStartOf(now);
    for (let i = 0; i < this.rows; i++) {
      if (this.alive[i] === 1 && this.maskWeek[i] !== week) this.buildMask(i, week);
    }
  }

  /**
   * @internal Filling the weekly mask cache is not a change, and is allowed on a
   * snapshot and on shared columns: a row's mask depends only on its profile and
   * the week, and a row is shared only while its profile is the same on both sides.
   */
  buildMask(slot: number, week: number): void {
    const p = this.profiles[slot];
    if (p === undefined) return;
    availabilityMask(p, week, this.masks, slot * MASK_WORDS);
    this.maskWeek[slot] = week;
  }

  private addMember(programId: number, slot: number): void {
    while (this.members.length <= programId) {
      this.members.push(new Int32Array(64));
      this.memberCount.push(0);
    }
    let list = this.members[programId] as Int32Array;
    const n = this.memberCount[programId] as number;
    if (n === list.length) {
      const bigger = new Int32Array(n * 2);
      bigger.set(list);
      list = bigger;
      this.members[programId] = list;
    }
    list[n] = slot;
    this.memberPos[slot] = n;
    this.memberCount[programId] = n + 1;
  }

  private removeMember(programId: number, slot: number): void {
    const list = this.members[programId] as Int32Array;
    const last = (this.memberCount[programId] as number) - 1;
    const pos = this.memberPos[slot] as number;
    const moved = list[last] as number;
    list[pos] = moved;
    this.memberPos[moved] = pos;
    this.memberCount[programId] = last;
  }

  private grow(rows: number): void {
    const grow8 = (a: Uint8Array): Uint8Array<ArrayBuffer> => { const b = new Uint8Array(rows); b.set(a); return b; };
    const grow32 = (a: Int32Array): Int32Array<ArrayBuffer> => { const b = new Int32Array(rows); b.set(a); return b; };
    const grow64 = (a: Float64Array): Float64Array<ArrayBuffer> => { const b = new Float64Array(rows); b.set(a); return b; };
    this.alive = grow8(this.alive);
    this.program = grow32(this.program);
    this.memberPos = grow32(this.memberPos);
    this.accepting = grow8(this.accepting);
    this.capacity = grow64(this.capacity);
    this.used = grow32(this.used);
    this.recoveryDay = grow64(this.recoveryDay);
    this.programDay = grow64(this.programDay);
    this.zone = grow32(this.zone);
    this.hasOwnSponsor = grow8(this.hasOwnSponsor);
    this.steps = grow8(this.steps);
    this.sponsorsGenders = grow8(this.sponsorsGenders);
    this.newcomerAgeBands = grow8(this.newcomerAgeBands);
    this.availableSince = grow64(this.availableSince);
    this.gender = grow8(this.gender);
    this.orientation = grow8(this.orientation);
    this.modes = grow8(this.modes);
    this.affirming = grow8(this.affirming);
    const age = new Int8Array(rows);
    age.set(this.ageBand);
    this.ageBand = age;
    this.hasLocation = grow8(this.hasLocation);
    this.lat = grow64(this.lat);
    this.lon = grow64(this.lon);
    this.langs.resizeRows(rows);
    this.sponsorLangs.resizeRows(rows);
    this.exps.resizeRows(rows);
    const masks = new Uint32Array(rows * MASK_WORDS);
    masks.set(this.masks);
    this.masks = masks;
    const maskWeek = new Float64Array(rows).fill(NaN);
    maskWeek.set(this.maskWeek);
    this.maskWeek = maskWeek;
    this.capacityRows = rows;
  }
}

/**
 * Sponsors in program order (then id): rows are given out in insertion order,
 * so each program's rows sit side by side in every column and a query's pass
 * over a program reads its columns in order instead of one row in ten.
 */
export function byProgram<S extends { program: string }>(sponsors: Iterable<S>, idOf: (s: S) => string = (s) => (s as unknown as SponsorProfile).userId): S[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...sponsors].sort((a, b) => order(a.program, b.program) || order(idOf(a), idOf(b)));
}

export function createCandidateIndex(sponsors: Iterable<SponsorProfile> = []): CandidateIndex {
  return new CandidateIndex(sponsors);
}
