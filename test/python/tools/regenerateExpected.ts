/**
 * Regenerates test/fixtures/scripts/NAME.expected.json from the current reader:
 *   node --import tsx test/python/tools/regenerateExpected.ts
 * Only after a deliberate change — then review the diff line by line (the corpus test's β values
 * are checked separately against hand-computed HAND_BETA in corpus.test.ts). INCLUDES are phrases
 * each message must contain, written by hand; `CODE@line` narrows one to a line.
 */
import { analyzeScript, analyzeNotebook, lintScript, scriptBeta } from '../../../src/core/python';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
const DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'scripts');
const includes: Record<string, Record<string, string[]>> = {
  '01_sequential_mse_mean.py': {
    RL002: ['β = 0.01 ', '200·1·1.0000e-4/2'],
    RL006: ['m = 32', 'n + 1 = 201'],
  },
  '02_module_relu_sum.py': {
    RL002: ['β = 0.0025 ', 'wd/2'],
    RL006: ['m = 16', 'n unknown'],
  },
  '03_adamw_clamp_nobias.py': {
    RL002: ['β = 0.064 ', 'nominal'],
    RL003: ['no single β', 'Adam'],
  },
  '04_adamw_default_decay.py': {
    RL002: ['β = 0.25 ', 'PyTorch default'],
    RL003: ['no single β'],
  },
  '05_param_groups_pandas_dynamo.py': {
    RL002: ['n unknown', '1.0000e-4 per training sample'],
    RL022: ['--hidden-bias free --output-bias free'],
  },
  '06_cross_entropy_moons.py': {
    RL002: ['β = 0.3 ', 'n·wd = 300·0.001'],
    RL005: ['cross-entropy'],
  },
  '07_bce_ordereddict.py': {
    RL002: ['1.0000e-4 per training sample', 'logistic'],
    RL005: ['logistic'],
  },
  '08_hinge_formula.py': {
    RL002: ['β = 0.3 ', 'hinge'],
    RL005: ['hinge'],
  },
  '09_explicit_penalty.py': {
    RL002: ['β = 0.001 ', 'μ = 5.0000e-4'],
    RL005: ['penalty'],
  },
  '10_no_weight_decay.py': {
    RL001: ['weight_decay = 0', 'β = 0', 'Set weight_decay > 0'],
  },
  '11_argparse.py': {
    RL002: ['β unknown'],
    'RL020@19': ['--weight-decay, argparse default 1e-4', 'not visible'],
    'RL020@18': ['run time'],
    'RL020@14': ['--data'],
    'RL020@28': ['--out'],
  },
  '12_config_file.py': {
    RL002: ['β unknown'],
    'RL020@17': ['config file', 'json.load'],
    'RL020@11': ['parameter', 'make_model'],
    'RL020@26': ['export path', 'config file'],
  },
  '13_l1_loss.py': {
    RL004: ['nn.L1Loss is not supported', 'Supported:'],
  },
  '15_module_act_attr_loadtxt.py': {
    RL002: ['5.0000e-6 per training sample'],
    RL023: ['RMSprop'],
    RL006: ['m = 96'],
  },
  '16_notebook_sequential.ipynb': {
    RL002: ['β = 0.018 ', '120·1·3.0000e-4/2'],
  },
  '17_notebook_adamw_ce.ipynb': {
    RL002: ['β = 0.125 ', '250·5.0000e-4'],
    RL003: ['no single β'],
  },
  'trained-example/train.py': {
    RL002: ['β = 0.01 ', '0.02/2'],
    RL006: ['n + 1 = 41'],
  },
  'trained-not-optimal/train.py': {
    RL002: ['β = 5.0000e-4 ', '0.001/2'],
    RL006: ['m = 8', 'n + 1 = 41'],
  },
};
(async () => {
  const files = [...readdirSync(DIR).filter((f) => /\.(py|ipynb)$/.test(f)), 'trained-example/train.py', 'trained-not-optimal/train.py'];
  for (const f of files) {
    const src = readFileSync(path.join(DIR, f), 'utf8');
    const facts = f.endsWith('.ipynb') ? (await analyzeNotebook(src, f))[0] : await analyzeScript(src, f);
    const b = facts.optimizer || facts.loss?.kind === 'penalty' ? scriptBeta(facts, facts.data?.n ?? null) : null;
    const inc = includes[f] ?? {};
    const exp = {
      facts: {
        network: facts.network && {
          d: facts.network.d,
          m: facts.network.m,
          c: facts.network.c,
          hiddenBias: facts.network.hiddenBias,
          outputBias: facts.network.outputBias,
          style: facts.network.style,
        },
        optimizer: facts.optimizer && { kind: facts.optimizer.kind, weightDecay: facts.optimizer.weightDecay, biasDecay: facts.optimizer.biasDecay },
        loss: facts.loss && {
          kind: facts.loss.kind,
          reduction: facts.loss.reduction,
          supported: facts.loss.supported,
          ...(facts.loss.base ? { base: facts.loss.base, penaltyMu: facts.loss.penaltyMu } : {}),
        },
        n: facts.data?.n ?? null,
        dataPaths: facts.data?.paths.map((p) => p.path) ?? [],
        exports: facts.exports.map((e) => ({
          path: e.path,
          kind: e.kind,
          line: e.range.line + 1,
          ...(e.range.cellIndex !== undefined ? { cell: e.range.cellIndex + 1 } : {}),
        })),
        unresolved: facts.unresolved.length,
      },
      beta: b ? { beta: b.beta, perSample: b.perSample } : null,
      diagnostics: lintScript(facts, {}).map((d) => ({
        code: d.code,
        severity: d.severity,
        line: d.range.line + 1,
        column: d.range.column + 1,
        ...(d.range.cellIndex !== undefined ? { cell: d.range.cellIndex + 1 } : {}),
        ...((inc[`${d.code}@${d.range.line + 1}`] ?? inc[d.code]) ? { includes: inc[`${d.code}@${d.range.line + 1}`] ?? inc[d.code] } : {}),
      })),
    };
    writeFileSync(path.join(DIR, f.replace(/\.(py|ipynb)$/, '.expected.json')), JSON.stringify(exp, null, 1) + '\n');
  }
})();
