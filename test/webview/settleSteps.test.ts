// Issue #18: core says which budget would settle an inconclusive verdict as a kind, and the panel
// words it with the editor's setting — no command-line flag reaches the panel's text (the CLI's
// wording is tested in test/cli/settleSteps.test.ts, from the same results).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStep, verdictSentence, type Answer } from '../../webview/answer';
import { inconclusiveJson, SETTLE_FACTS, STEP_KINDS } from '../report/settleCases';

const FLAG = /(^|[\s(])--[a-z]/;

/** What the answer card shows of a result: the sentence, the next step, the warnings. */
function panelText(a: Answer): string {
  const s = nextStep(a);
  return [verdictSentence(a), s.title, s.detail, ...(a.warnings ?? [])].join('\n');
}

test('the panel words every settle step with the editor’s setting and names no CLI flag', () => {
  const seen = new Set<string>();
  for (const [name, facts] of Object.entries(SETTLE_FACTS)) {
    const j = inconclusiveJson(facts);
    const steps = j.inconclusiveReason!.steps;
    assert.ok(steps.length > 0, name);
    steps.forEach((s) => seen.add(s.kind));
    // core's own text (the summary every front end shows) names no front end's control
    assert.doesNotMatch(j.summary, FLAG, `${name}: ${j.summary}`);
    const text = panelText(j as unknown as Answer);
    assert.doesNotMatch(text, FLAG, `${name}: ${text}`);
    for (const s of steps) {
      if (s.kind === 'raise-pattern-budget') assert.match(text, /reluLens\.patternBudget \(now 1,234\)/, text);
      if (s.kind.startsWith('tol-')) assert.match(text, /reluLens\.tolerance/, text);
      if (s.kind === 'raise-iterations' || s.kind === 'allow-iterations') assert.match(text, /iteration budget \(now [03]\)/, text);
      if (s.kind === 'raise-solver-iterations') assert.match(text, /solver’s iteration budget \(now 500\)/, text);
    }
  }
  assert.deepEqual([...seen].sort(), [...STEP_KINDS].sort(), 'every step kind is exercised');
});
