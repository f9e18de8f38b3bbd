/**
 * What the two optimum searches (certify/optimum.ts squared loss, analysis/optimum.ts the other losses)
 * share about spending work (issue #16 item 6: budgets in work units, results explained):
 *  - one escalation schedule (nodes and random samples of the oracle, step by step) for every re-ask;
 *  - oracleEscalated / escalateDuplicate, the re-asks at one dual point;
 *  - the round budget: rounds that do not narrow the P* interval end the search;
 *  - the final oracle call at the best network's dual point on the schedule's last step, and the
 *    words that say which bound is left loose, by how much and what would close it.
 * Only nodes, samples and rounds are counted, never time: the same inputs stop at the same place on
 * any machine (the wall clock is the outer safety stop alone, problem/safetyStop.ts).
 */
import {
  DEFAULT_NODE_BUDGET,
  DEFAULT_ORACLE_OPTIONS,
  OPTIMUM_ESCALATION_FACTOR,
  OPTIMUM_ESCALATION_FINAL_MAX_NODES,
  OPTIMUM_ESCALATION_FINAL_WORK,
  OPTIMUM_ESCALATION_MAX_NODES,
  OPTIMUM_ESCALATION_MAX_SAMPLES,
  OPTIMUM_ESCALATION_RESUMES,
  type OracleResult,
} from '../oracle/types';
import type { SettleStep } from './types';
import { outerStop, STOPPED_ON_REQUEST } from '../problem/safetyStop';

/** One oracle call's work: nodes of the global search and random directions of its lower-bound search (undefined: the oracle's default). */
export interface EscalationStep {
  nodeBudget: number | undefined;
  samples: number | undefined;
}

/**
 * The re-asks' work, step by step, for a base node budget: step 0 is the base (the oracle's default
 * samples); each later step multiplies both the nodes and the samples by OPTIMUM_ESCALATION_FACTOR,
 * each up to its cap (OPTIMUM_ESCALATION_MAX_NODES, OPTIMUM_ESCALATION_MAX_SAMPLES), until the nodes
 * reach theirs. Why the samples grow too: a re-ask is there for a violating direction, and sampling
 * finds one sooner than the branch and bound (iris-like optimize dual points, n = 150, rank 5, c = 3:
 * 2·10⁵ samples, 1.4 s CPU, attained M = 1.09·β where the 10⁵-node search, 5 s, attained 1.04·β). Why
 * not faster (they grew ×100 before): at n = 1000 2·10⁵ samples cost 5.5 s CPU per re-ask (teacher
 * d = 5, where 1.05·β directions are common and a tenth of the samples meets one).
 * A base of 0 (search off), or at the cap already, is never raised: one step.
 */
export function escalationSchedule(baseNodes: number | undefined): EscalationStep[] {
  const steps: EscalationStep[] = [{ nodeBudget: baseNodes, samples: undefined }];
  const base = baseNodes ?? DEFAULT_NODE_BUDGET;
  if (!(base > 0)) return steps;
  for (let k = 1, nodeBudget = base; nodeBudget < OPTIMUM_ESCALATION_MAX_NODES; k++) {
    nodeBudget = Math.min(OPTIMUM_ESCALATION_MAX_NODES, base * OPTIMUM_ESCALATION_FACTOR ** k);
    steps.push({ nodeBudget, samples: Math.min(OPTIMUM_ESCALATION_MAX_SAMPLES, Math.round(DEFAULT_ORACLE_OPTIONS.samples * OPTIMUM_ESCALATION_FACTOR ** k)) });
  }
  return steps;
}

/**
 * The final call's work (OPTIMUM_ESCALATION_FINAL_WORK): nodes OPTIMUM_ESCALATION_FINAL_WORK / n, at
 * least the schedule's last step's and at most OPTIMUM_ESCALATION_FINAL_MAX_NODES (never below what the
 * user asked for); the samples of the last step. A search turned off (0 nodes) stays off.
 */
export function finalStep(schedule: EscalationStep[], n: number): EscalationStep {
  const last = schedule[schedule.length - 1];
  const nodes = last.nodeBudget ?? DEFAULT_NODE_BUDGET;
  if (!(nodes > 0)) return last;
  const byWork = Math.min(OPTIMUM_ESCALATION_FINAL_MAX_NODES, Math.round(OPTIMUM_ESCALATION_FINAL_WORK / Math.max(1, n)));
  return byWork > nodes ? { nodeBudget: byWork, samples: last.samples ?? OPTIMUM_ESCALATION_MAX_SAMPLES } : last;
}

/** The step's work as OracleOptions to spread (the oracle's defaults where the step leaves them). */
export function stepOptions(step: EscalationStep): { nodeBudget: number | undefined; samples?: number } {
  return step.samples === undefined ? { nodeBudget: step.nodeBudget } : { nodeBudget: step.nodeBudget, samples: step.samples };
}

/** An oracle call of the optimum searches, escalated (oracleEscalated). */
export interface EscalatedOracle {
  oracle: OracleResult;
  /** the schedule's step of the last call (0: the base) */
  step: number;
  /** node budget of the last call (the base budget when not escalated) */
  nodeBudget: number;
  /** re-asks made */
  escalations: number;
}

/**
 * The oracle at one dual point, re-asked along `schedule` while a global search that did not close
 * (not exact at rank ≥ 5, where the oracle's global searches run) found nothing useful — by default
 * no direction above `bar` — but its sound M̄ is still above it: stopping there would end the column
 * generation with a restricted optimum that is not optimal (issue #16: iris-like, 5,000 nodes missed
 * M = 1.06·β). Every call's M̄ is a sound bound on the same M(Λ), so the smallest is kept. A re-ask
 * that changed nothing ends it (the budget was not what limited the call, e.g. c > 3, where no global
 * search runs; the nodes a search reports stop short of its budget, so they cannot tell this
 * beforehand). `more.found` replaces "a direction above bar" (escalateDuplicate: a violating direction
 * that is not a column yet); `more.from` goes on from an escalation already made.
 */
export function oracleEscalated(
  ask: (step: EscalationStep) => OracleResult,
  schedule: EscalationStep[],
  bar: number,
  more: { found?: (o: OracleResult) => boolean; from?: EscalatedOracle } = {},
): EscalatedOracle {
  const found = more.found ?? ((o: OracleResult) => o.lower > bar);
  let step = more.from?.step ?? 0;
  let oracle = more.from?.oracle ?? ask(schedule[0]);
  let escalations = more.from?.escalations ?? 0;
  while (!oracle.exact && !found(oracle) && oracle.upper > bar && oracle.rank >= 5 && step + 1 < schedule.length) {
    step++;
    const prev = oracle;
    oracle = ask(schedule[step]);
    escalations++;
    if (prev.upper < oracle.upper)
      oracle = { ...oracle, upper: prev.upper, notes: [...oracle.notes, `M̄ = ${prev.upper.toPrecision(6)} kept from the smaller node budget`] };
    if (oracle.upper === prev.upper && oracle.lower === prev.lower) break;
  }
  return { oracle, step, nodeBudget: schedule[step].nodeBudget ?? DEFAULT_NODE_BUDGET, escalations };
}

/**
 * The oracle's violating direction is a column already present, after the tighter restricted
 * solve: a global search that did not close may have stopped at it (its hints are the active
 * columns, and an early stop takes the first violating direction met) while a different violating
 * direction exists (issue #16: iris-like stopped here at 5,000 nodes; 10⁵ nodes found M = 1.06·β
 * elsewhere). Re-asked at the same dual point along the schedule, with `askFull` (no early stop),
 * until its direction is new, M̄ ≤ bar, or the schedule's end. `isNew` says whether the call's
 * direction is not a column yet.
 */
export function escalateDuplicate(
  askFull: (step: EscalationStep) => OracleResult,
  schedule: EscalationStep[],
  esc: EscalatedOracle,
  bar: number,
  isNew: (o: OracleResult) => boolean,
): EscalatedOracle {
  return oracleEscalated(askFull, schedule, bar, { from: esc, found: (o) => o.lower > bar && isNew(o) });
}

/**
 * The oracle's threshold for a proof (OracleOptions.stopBelow): the largest M̄ in [bar, β(1 +
 * OPTIMUM_PROOF_MAX_EXCESS)] whose lower bound lowerAt(M̄) (D(sΛ0) with s ≤ β/M̄, decreasing in M̄)
 * still leaves a relative gap to `value` of at most half of relTol; bar when even bar does not.
 * Why not bar = β(1 + OPTIMAL_M_TOL) alone: at an optimum many neurons attain M = β, and the global
 * search must shrink its regions around each until their bound's slack is below the threshold
 * (teacher d = 5, n = 1000: 10⁵ nodes left M̄ = 2.2·β at bar, while the gap the result needs,
 * OPTIMUM_EXACT_REL_TOL, allows M̄ ≈ β(1 + 10⁻⁶)). Bisection on the bound (OPTIMUM_PROOF_BISECTIONS
 * evaluations, each O(n·c)): the threshold only lets the oracle skip work, every bound stays M̄'s.
 */
export function proofThreshold(lowerAt: (M: number) => number, value: number, relTol: number, bar: number, beta: number): number {
  const target = value - 0.5 * relTol * Math.abs(value);
  if (!(lowerAt(bar) >= target)) return bar;
  let lo = bar,
    hi = beta * (1 + OPTIMUM_PROOF_MAX_EXCESS);
  if (lowerAt(hi) >= target) return hi;
  for (let k = 0; k < OPTIMUM_PROOF_BISECTIONS; k++) {
    const mid = 0.5 * (lo + hi);
    if (lowerAt(mid) >= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** proofThreshold's range above β and its bisection steps (2⁻⁴⁰ of the range: below the bound's own rounding). */
export const OPTIMUM_PROOF_MAX_EXCESS = 1e-2;
export const OPTIMUM_PROOF_BISECTIONS = 40;

/** The stop's words when an escalated search still found nothing violated. */
export function escalationNote(e: EscalatedOracle): string {
  return e.escalations > 0
    ? ` (escalated ${e.escalations}× to ${e.nodeBudget} nodes: M̄ = ${e.oracle.upper.toPrecision(6)}, best attained ${e.oracle.lower.toPrecision(6)})`
    : '';
}

/**
 * The round budget (work units): a round makes progress when, since the last round that did, the P*
 * interval [lower bound, best objective] narrowed by more than OPTIMUM_STALL_REL of its width (the
 * objective fell, or the bound rose; before any finite bound, when the objective fell by more than
 * that fraction of itself). After OPTIMUM_STALL_ROUNDS rounds without progress the search stops and
 * makes its final oracle call (finalOracleCall). Why relative to the width: rounds that move the
 * objective by less than a percent of a gap the oracle's bound keeps open buy nothing the user sees.
 * Measured on teacher d = 5 (n = 1000, the bench's case; rounds cost 0.1–0.2 s CPU, 6 s when one
 * escalates): the objective fell 8.17 → 7.65 by round 59 and 7.65 → 7.39 over the next 75 rounds
 * (65 s CPU more) while the lower bound is set by the oracle's M̄ (2.97·β after 10⁵ nodes at the best
 * dual point); with this budget `optimize` ends at objective 7.67, P* ≥ 3.71, in 27–34 CPU s (it ran
 * past the 300 s cap before). Rank 6, n = 20 (exact-vertex) stops on its proof first, in the same
 * 114 rounds with or without the budget: exact oracles shrink the gap geometrically.
 */
export const OPTIMUM_STALL_REL = 0.01;
export const OPTIMUM_STALL_ROUNDS = 10;

/** Counts the rounds without progress (see OPTIMUM_STALL_ROUNDS). */
export class RoundBudget {
  private anchorValue = Infinity;
  private anchorGap = Infinity;
  /** rounds since the last one that made progress */
  stalled = 0;

  constructor(readonly rounds = OPTIMUM_STALL_ROUNDS) {}

  /** After a round, with the best objective and lower bound so far: the stop's words once the budget is spent, else ''. */
  record(value: number, lowerBound: number): string {
    const gap = value - lowerBound;
    const progress = Number.isFinite(gap)
      ? !Number.isFinite(this.anchorGap) || gap < (1 - OPTIMUM_STALL_REL) * this.anchorGap
      : value < this.anchorValue - OPTIMUM_STALL_REL * Math.abs(value);
    if (progress || !(value < Infinity)) {
      this.anchorValue = value;
      this.anchorGap = gap;
      this.stalled = 0;
      return '';
    }
    this.stalled++;
    const rounds = `${this.rounds} round${this.rounds === 1 ? '' : 's'}`;
    return this.stalled >= this.rounds ? `round budget: ${rounds} in a row narrowed the P* interval by at most ${OPTIMUM_STALL_REL * 100}% of its width` : '';
  }
}

/**
 * Stops after which the final oracle call is skipped, as kinds carried beside the stop's words (#19
 * item 6: kinds, not text): the certified relative gap reached, an oracle failure, a request to stop,
 * the wall-clock safety stop. Why after the safety stop: the time the user allowed is up, and
 * certify's final call does not run after it either (certify/columnGeneration.ts finalOracleStage).
 */
export type SettledStop = 'gap' | 'failure' | 'request' | 'safety-stop';

/** Whether the final oracle call is skipped: a proof already, or a settled stop. */
export function settledStop(kind: SettledStop | null, proven: boolean): boolean {
  return proven || kind !== null;
}

/** The rounds' outer stop (problem/safetyStop.ts outerStop): its words and its kind, or null. */
export function roundsOuterStop(shouldStop: (() => boolean) | undefined, t0: number, budgetMs: number): { words: string; kind: SettledStop } | null {
  const words = outerStop(shouldStop, t0, budgetMs);
  return words === null ? null : { words, kind: words === STOPPED_ON_REQUEST ? 'request' : 'safety-stop' };
}

/** The words appended to the stop's reason when a settled stop skipped the final oracle call ('' when nothing is to be said). */
export function settledNote(kind: SettledStop | null): string {
  return kind === 'safety-stop' ? '; no final oracle call: the wall-clock safety stop ended the rounds (the time allowed is up)' : '';
}

/**
 * Why the rounds stopped, as far as resuming them goes: 'starved' — their own oracle calls found no
 * new violating direction (a larger budget may: the final call's); the round budget; the iteration
 * limit (maxIterations); anything else (a request, the safety limit, a failure).
 */
export type RoundsStop = 'starved' | 'round-budget' | 'iteration-limit' | 'other';

/** A limit that ended the rounds (set by the rounds' loop beside the stop's words), null when none did. */
export type RoundsLimit = 'round-budget' | 'iteration-limit' | null;

/** The stop's kind from the limit that ended the rounds and whether a round ended for want of a new violating direction. */
export function roundsStop(limit: RoundsLimit, starved: boolean): RoundsStop {
  return limit ?? (starved ? 'starved' : 'other');
}

/**
 * The final call's work for a stop: the final step's (finalStep) after rounds that were 'starved' —
 * the larger call is then the only source of columns (a resumption) — else the schedule's last step,
 * the call serving the bound alone. Why not always the larger: after the round budget its direction is
 * not used, and a search that does not close spends all of its nodes (up to 10× the re-asks' cap; rank
 * 7, n = 30 closes below 10⁵ nodes either way, M = 1.078·β, 12 s CPU).
 */
export function finalFor(stop: RoundsStop, schedule: EscalationStep[], final: EscalationStep): EscalationStep {
  return stop === 'starved' ? final : schedule[schedule.length - 1];
}

/** The final call: its result, its work, and whether it was made now (not the round's own call, nor one made before at the same point). */
export interface FinalCall {
  oracle: OracleResult;
  step: EscalationStep;
  asked: boolean;
}

/** The best network's dual point in a search: its direction Λ0, the call made there in its round, and how to ask again there in full (no early stop). */
export interface BestDualPoint<M> {
  L: M;
  oracle: OracleResult;
  /** the schedule's step that call ended at */
  step: EscalationStep;
  askFull: (step: EscalationStep) => OracleResult;
  /** the final call made at this point already (a resumption that did not lower the objective comes back to it) */
  final?: FinalCall;
}

/**
 * The final call at the best network's dual point with the final step's work (finalStep), without
 * early stop: the tightest M̄ the budget allows there, so the reported lower bound is the best the
 * budget allows (issue #16: teacher d = 5 lost P* ≥ 3.06 when the loop ended before such a call).
 * Skipped when the round's own call was exact or already had that work. The smaller of the two sound
 * M̄ is kept. Not made after a settled stop (settledStop: the wall-clock safety stop among them).
 * Made once per point: asked again there, the first result is returned.
 */
export function finalOracleCall<M>(bd: BestDualPoint<M>, final: EscalationStep): FinalCall {
  if (bd.final) return { ...bd.final, asked: false };
  const nodes = (s: EscalationStep) => s.nodeBudget ?? DEFAULT_NODE_BUDGET;
  // an exact call has nothing left to tighten; a call with the final step's work already is that call
  if (bd.oracle.exact || nodes(bd.step) >= nodes(final)) return { oracle: bd.oracle, step: bd.step, asked: false };
  let oracle = bd.askFull(final);
  if (bd.oracle.upper < oracle.upper)
    oracle = { ...oracle, upper: bd.oracle.upper, notes: [...oracle.notes, `M̄ = ${bd.oracle.upper.toPrecision(6)} kept from the round's own call`] };
  bd.final = { oracle, step: final, asked: true };
  return bd.final;
}

/**
 * Resumptions of the rounds from the final call's violating direction (OPTIMUM_ESCALATION_RESUMES).
 * Only after rounds that stopped 'starved': their own calls (at most the re-asks' cap) found nothing
 * new, so the final call's larger budget is what finds columns. Not after the round budget: those
 * rounds were still finding directions, and the budget judged that more of them narrow the interval
 * by too little (teacher d = 5: a final call's 1.29·β direction, 15 s CPU per further final call).
 */
export class FinalResume {
  made = 0;

  constructor(readonly most = OPTIMUM_ESCALATION_RESUMES) {}

  /** Whether to add the final call's direction as a column and resume the rounds (counted). */
  take(stop: RoundsStop, fin: FinalCall, bar: number, isNew: (o: OracleResult) => boolean): boolean {
    if (stop !== 'starved' || !fin.asked || !(fin.oracle.lower > bar) || !isNew(fin.oracle) || this.made >= this.most) return false;
    this.made++;
    return true;
  }

  /** The stop's words for the resumptions made ('' for none). */
  note(): string {
    return this.made > 0 ? `; the rounds resumed ${this.made}× from a violating direction the final oracle call found` : '';
  }
}

/** What the final oracle call left, in words for the stop reason (not proven): which bound is loose, by how much, and what would close it. */
export interface LooseBounds {
  beta: number;
  bar: number;
  /** the final call: its sound M̄, the best direction it attained, its work */
  oracle: OracleResult;
  step: EscalationStep;
  /** the lower bound were M̄ the attained value (what a tighter oracle bound would give at this dual point; NOT a bound) */
  lowerIfTight: number;
  value: number;
  lowerBound: number;
  /** why the rounds stopped, and the resumptions made (what more rounds would need) */
  stop: RoundsStop;
  resumes: number;
  /** resumptions allowed (FinalResume.most, OPTIMUM_ESCALATION_RESUMES by default) */
  resumesAllowed: number;
}

/** The loose bounds after a final call that proved nothing, in the one shape both searches report (looseBoundsNote, looseBoundsSteps). */
export function looseBoundsFor(
  at: { beta: number; bar: number; fin: FinalCall; stop: RoundsStop; resume: FinalResume },
  bounds: { lowerIfTight: number; value: number; lowerBound: number },
): LooseBounds {
  return {
    beta: at.beta,
    bar: at.bar,
    oracle: at.fin.oracle,
    step: at.fin.step,
    ...bounds,
    stop: at.stop,
    resumes: at.resume.made,
    resumesAllowed: at.resume.most,
  };
}

function times(x: number, beta: number): string {
  return `${(x / beta).toPrecision(3)}×β`;
}

/**
 * Why more rounds did not run although the final call's direction is violated, and what would run
 * them: the round budget and the resumptions are fixed (raising the iteration limit does not help
 * there), but the optimum search run again from the network it wrote starts where this one ended.
 */
function moreRoundsNote(b: LooseBounds): string {
  const again = 'running the optimum search again from this network (optimize on its output) goes on from it';
  switch (b.stop) {
    case 'iteration-limit':
      return "; more column-generation rounds could still lower it: the optimum's iteration limit ended them";
    case 'round-budget':
      return `; more rounds could still lower it, but the round budget ended them (a fixed ${OPTIMUM_STALL_ROUNDS} rounds that narrowed the P* interval by at most ${OPTIMUM_STALL_REL * 100}% of its width; the iteration limit was not reached): ${again}`;
    case 'starved':
      // resumptions left but none taken: the direction is a column already (or the final call was not new)
      if (b.resumes < b.resumesAllowed) return "; that direction is a column already: the restricted problem's precision limits the objective, not the rounds";
      return `; the resumptions from the final call's directions are spent (${b.resumes} of a fixed ${b.resumesAllowed}): ${again}`;
    default:
      return ', so more column-generation rounds could still lower it';
  }
}

/**
 * The explanation appended to a stop reason when the final call did not prove the optimum. Core names
 * the budgets, not a front end's control for them (as report/settleSteps.ts; looseBoundsSteps gives
 * the kinds): the node budget is --node-budget / reluLens.oracleNodeBudget, the iteration limit
 * --optimum-iterations.
 */
export function looseBoundsNote(b: LooseBounds): string {
  const o = b.oracle;
  const count = (k: number) => k.toLocaleString('en-US');
  const work = o.exact
    ? 'exact'
    : `after ${count(b.step.nodeBudget ?? DEFAULT_NODE_BUDGET)} nodes${b.step.samples ? ` and ${count(b.step.samples)} random directions` : ''}`;
  const gap = (lo: number) => (b.value > 0 ? `${(Math.max(0, (b.value - lo) / b.value) * 100).toPrecision(2)}%` : `${b.value - lo}`);
  const lower = o.exact
    ? `; the oracle is exact at the best network's dual point (M = ${times(o.upper, b.beta)}): the gap of ${gap(b.lowerBound)} is this network's`
    : `; the lower bound is loose: the oracle's bound M̄ = ${times(o.upper, b.beta)} ${work} at the best network's dual point, where the best direction found attains ${times(o.lower, b.beta)};` +
      ` the gap is ${gap(b.lowerBound)} and would be ${gap(b.lowerIfTight)} were M̄ that tight (a node budget above the final call's ${count(b.step.nodeBudget ?? DEFAULT_NODE_BUDGET)} tightens M̄)`;
  const upper =
    o.lower > b.bar
      ? `; the objective may be loose too: that direction exceeds β by ${((o.lower / b.beta - 1) * 100).toPrecision(2)}%${moreRoundsNote(b)}`
      : '';
  return lower + upper;
}

/** The settle steps of a search the final call left unproven, as kinds each front end words with its own control (report/settleSteps.ts). */
export function looseBoundsSteps(b: Pick<LooseBounds, 'oracle' | 'step'>): SettleStep[] {
  return b.oracle.exact ? [] : [{ kind: 'raise-node-budget', now: b.step.nodeBudget ?? DEFAULT_NODE_BUDGET }];
}
